import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { Db, Queryable } from '../db/port.js';
import { testDb } from '../testing/db.js';
import { compactCounts, counts } from './repo.js';

/*
 * Migration 030: the worklist chips' counts are the sum of deltas appended by statement triggers
 * on worklist_rows, folded every minute. Whatever statements change the rows (single- and
 * multi-row inserts, upserts, status moves, order-key moves within a status, deletes) and
 * whenever the folding runs, the maintained counts must equal counting the rows.
 */

let db: Db;
before(async () => {
  db = await testDb();
});
after(async () => {
  await db.close();
});

const ORGS = [randomUUID(), randomUUID()];
const EPISODES = Array.from({ length: 8 }, () => randomUUID());

type Op =
  | { kind: 'upsert'; rows: { org: number; ep: number; rank: number }[] }
  | { kind: 'move'; org: number; fromRank: number; toRank: number }
  | { kind: 'touch'; org: number }
  | { kind: 'delete'; eps: number[] }
  | { kind: 'compact' };

const rank = fc.integer({ min: 0, max: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), rows: fc.array(fc.record({ org: fc.integer({ min: 0, max: 1 }), ep: fc.integer({ min: 0, max: 7 }), rank }), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('move' as const), org: fc.integer({ min: 0, max: 1 }), fromRank: rank, toRank: rank }),
  fc.record({ kind: fc.constant('touch' as const), org: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('delete' as const), eps: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 4 }) }),
  fc.constant({ kind: 'compact' as const }),
);

async function apply(q: Queryable, op: Op): Promise<void> {
  switch (op.kind) {
    case 'upsert': {
      // One row per key in a statement (ON CONFLICT cannot touch a row twice).
      const rows = [...new Map(op.rows.map((r) => [`${r.org} ${r.ep}`, r])).values()];
      await q.query(
        `insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since)
         select o, e, r, now() from unnest($1::uuid[], $2::uuid[], $3::smallint[]) as u(o, e, r)
         on conflict (organisation_id, episode_id) do update set status_rank = excluded.status_rank, sort_since = excluded.sort_since`,
        [rows.map((r) => ORGS[r.org]), rows.map((r) => EPISODES[r.ep]), rows.map((r) => r.rank)],
      );
      return;
    }
    case 'move':
      await q.query('update worklist_rows set status_rank = $3 where organisation_id = $1 and status_rank = $2', [ORGS[op.org], op.fromRank, op.toRank]);
      return;
    case 'touch':
      await q.query("update worklist_rows set sort_since = sort_since + interval '1 second' where organisation_id = $1", [ORGS[op.org]]);
      return;
    case 'delete':
      await q.query('delete from worklist_rows where episode_id = any($1::uuid[])', [op.eps.map((e) => EPISODES[e])]);
      return;
    case 'compact':
      await compactCounts(q);
  }
}

async function expected(q: Queryable, org: string): Promise<Map<number, number>> {
  const r = await q.query<{ status_rank: number; n: number }>('select status_rank, count(*)::int as n from worklist_rows where organisation_id = $1 group by 1', [org]);
  return new Map(r.rows.map((x) => [x.status_rank, x.n]));
}

const sorted = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);

test('maintained worklist counts equal counting the rows after any statements and foldings', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 15 }), async (ops) => {
      await db.query('delete from worklist_rows where organisation_id = any($1::uuid[])', [ORGS]);
      await compactCounts(db);
      for (const op of ops) {
        await apply(db, op);
        for (const org of ORGS) assert.deepEqual(sorted(await counts(db, { organisationId: org })), sorted(await expected(db, org)));
      }
    }),
    { numRuns: 40 },
  );
});

test('folding leaves one row per organisation and status, and counts unchanged', async () => {
  const org = ORGS[0]!;
  await db.query('delete from worklist_rows where organisation_id = any($1::uuid[])', [ORGS]);
  for (const [i, ep] of EPISODES.entries()) {
    await db.query('insert into worklist_rows (organisation_id, episode_id, status_rank, sort_since) values ($1, $2, $3, now())', [org, ep, i % 3]);
  }
  await db.query('update worklist_rows set status_rank = 3 where organisation_id = $1 and status_rank = 0', [org]);
  const before = await counts(db, { organisationId: org });
  assert.ok((await compactCounts(db)) > 3, 'the deltas of eight inserts and a move are folded');
  const rows = await db.query<{ status_rank: number; k: number }>('select status_rank, count(*)::int as k from worklist_counts where organisation_id = $1 group by 1', [org]);
  assert.ok(rows.rows.every((r) => r.k === 1), 'one row per status after folding');
  assert.deepEqual(sorted(await counts(db, { organisationId: org })), sorted(before));
  assert.deepEqual(sorted(before), [[1, 3], [2, 2], [3, 3]]);
});
