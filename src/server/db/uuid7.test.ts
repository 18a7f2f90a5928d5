import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { useTestServer } from '../testing/server.js';
import { uuid7 } from './uuid7.js';

// RFC 9562 §5.7: 48 bits of Unix milliseconds, version 7, variant 10, the rest random.
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

const env = useTestServer({ dbOnly: true });

test('uuid7: version 7, variant 10, the given millisecond in the first 48 bits, for any time up to the year 10889', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
      const id = uuid7(ms);
      assert.match(id, V7);
      assert.equal(millisOf(id), ms);
      assert.ok(z.uuid().safeParse(id).success, 'the API contract accepts it');
    }),
    { numRuns: 2_000 },
  );
  assert.equal(millisOf(uuid7()) <= Date.now(), true);
  assert.ok(Date.now() - millisOf(uuid7()) < 1_000, 'now by default');
});

test('uuid7: ids of later milliseconds sort after earlier ones, as text and as PostgreSQL uuids; no two alike', async () => {
  const ids: string[] = [];
  const t0 = Date.UTC(2026, 11, 2, 12);
  // More ids than the random pool holds (256), so it is refilled in between.
  for (let i = 0; i < 2_000; i++) ids.push(uuid7(t0 + Math.floor(i / 3)));
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) {
    if (millisOf(ids[i]!) > millisOf(ids[i - 1]!)) assert.ok(ids[i]! > ids[i - 1]!, `${ids[i]} after ${ids[i - 1]}`);
  }
  const r = await env.db.query<{ sorted: boolean }>(
    `select coalesce(bool_and(x.id > x.prev or x.ms = x.prev_ms), true) as sorted from (
       select t.id, t.ms, lag(t.id) over (order by t.n) as prev, lag(t.ms) over (order by t.n) as prev_ms
         from unnest($1::uuid[], $2::bigint[]) with ordinality as t(id, ms, n)) x where x.prev is not null`,
    [ids, ids.map(millisOf)],
  );
  assert.equal(r.rows[0]!.sorted, true);
});

test('varde_uuid7() (migration 045): version 7 with the database clock in milliseconds, and the default id of new alerts and readings', async () => {
  const r = await env.db.query<{ id: string; ms: string; now_ms: string }>(
    `select varde_uuid7()::text as id, floor(date_part('epoch', clock_timestamp()) * 1000)::bigint::text as now_ms,
            ('x' || substr(replace(varde_uuid7()::text, '-', ''), 1, 12))::bit(48)::bigint::text as ms
       from generate_series(1, 50)`,
  );
  assert.equal(new Set(r.rows.map((x) => x.id)).size, 50);
  for (const x of r.rows) {
    assert.match(x.id, V7);
    assert.ok(Math.abs(Number(x.now_ms) - Number(x.ms)) < 5_000, `${x.ms} near ${x.now_ms}`);
  }
  const defaults = await env.db.query<{ table_name: string; column_default: string }>(
    `select table_name, column_default from information_schema.columns
      where table_schema = current_schema() and table_name in ('alerts', 'observations') and column_name = 'id' order by 1`,
  );
  assert.deepEqual(defaults.rows.map((x) => [x.table_name, x.column_default]), [['alerts', 'varde_uuid7()'], ['observations', 'varde_uuid7()']]);
});
