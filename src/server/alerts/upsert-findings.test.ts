import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Finding } from '../../domain/triage.js';
import type { Queryable } from '../db/port.js';
import { bareEpisode, seedFixture, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';
import { upsertFindings, type FindingToRaise } from './repo.js';

// Ingest raises a group commit's findings with upsertFindings: one statement per round of
// distinct (episode, rule) instead of one per finding. Its promise is "the same as raising them
// one after another". The reference below is the one-finding statement as it was before (round 6),
// run finding by finding; both see the same steps (findings in groups, nurses acknowledging and
// resolving in between) and must leave the same alerts, the same derived episode state and give
// the same raised / escalated answer for every finding.
let f: Fixture;
const env = useTestServer({ dbOnly: true, setup: async (e) => { f = await seedFixture(e.db); } });

const SEVERITY = (zone: string) => `case ${zone} when 'red' then 3 when 'yellow' then 2 else 1 end`;
/** alerts/repo.ts#upsertFromFinding before upsertFindings existed (one finding per statement). */
async function referenceUpsert(q: Queryable, a: FindingToRaise): Promise<{ raised: boolean; escalated: boolean }> {
  const fd = a.finding;
  const r = await q.query<{ zone: string; inserted: boolean; old_zone: string | null }>(
    `with prev as (select zone from alerts where episode_id = $2 and rule_id = $3 and status <> 'resolved')
     insert into alerts as al (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8, jsonb_build_array($9::jsonb), $10, $10)
     on conflict (episode_id, rule_id) where status <> 'resolved' do update set
       occurrences = al.occurrences + 1,
       findings = al.findings || jsonb_build_array($9::jsonb),
       last_at = greatest(al.last_at, excluded.last_at),
       first_at = least(al.first_at, excluded.first_at),
       plan_id = excluded.plan_id,
       plan_version = excluded.plan_version,
       summary = case when (${SEVERITY('excluded.zone')}) >= (${SEVERITY('al.zone')}) then excluded.summary else al.summary end,
       zone = case when (${SEVERITY('excluded.zone')}) > (${SEVERITY('al.zone')}) then excluded.zone else al.zone end,
       status = case when (${SEVERITY('excluded.zone')}) > (${SEVERITY('al.zone')}) then 'open' else al.status end
     returning al.zone, (xmax = 0) as inserted, (select zone from prev) as old_zone`,
    [a.patientId, a.episodeId, fd.ruleId, fd.kind, fd.zone, a.planId, fd.planVersion, JSON.stringify(fd.summary), JSON.stringify(fd), fd.at],
  );
  const row = r.rows[0]!;
  return { raised: row.inserted, escalated: !row.inserted && row.old_zone !== row.zone };
}

const EPISODES = 3;
const RULES = [
  { rule: 'threshold:spo2', kind: 'threshold', code: 'spo2' },
  { rule: 'threshold:heart_rate', kind: 'threshold', code: 'heart_rate' },
  { rule: 'trend:weight', kind: 'trend', code: 'weight' },
  { rule: 'news2', kind: 'news2', code: undefined },
] as const;

type Step =
  | { op: 'raise'; findings: { ep: number; rule: number; red: boolean; value: number; at: number; version: number }[] }
  | { op: 'ack' | 'resolve'; picks: number[] };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('raise' as const), findings: fc.array(fc.record({
    ep: fc.nat(EPISODES - 1), rule: fc.nat(RULES.length - 1), red: fc.boolean(), value: fc.integer({ min: 30, max: 200 }),
    at: fc.nat(5_000), version: fc.integer({ min: 1, max: 2 }),
  }), { minLength: 0, maxLength: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('ack' as const, 'resolve' as const), picks: fc.array(fc.nat(30), { minLength: 1, maxLength: 3 }) }) },
);

interface World { episodes: { id: string; patientId: string; planIds: [string, string] }[] }

async function world(db: Queryable): Promise<World> {
  const episodes: World['episodes'] = [];
  for (let i = 0; i < EPISODES; i++) {
    const { id, patientId } = await bareEpisode(db, f, `0${i + 1}0346${String(90000 + i)}`);
    const plan = async (version: number) => (await db.query<{ id: string }>(
      `insert into plans (episode_id, version, status, definition, created_by) values ($1, $2, 'draft', '{}', $3) returning id`,
      [id, version, f.people.gp],
    )).rows[0]!.id;
    episodes.push({ id, patientId, planIds: [await plan(1), await plan(2)] });
  }
  return { episodes };
}

/**
 * The step's findings; `seq` numbers every finding of the run, so no two share an instant (the
 * derived state's "oldest open alert" breaks ties between equal times arbitrarily, in both versions).
 */
function findingsOf(w: World, step: Extract<Step, { op: 'raise' }>, seq: { n: number }): FindingToRaise[] {
  return step.findings.map((x) => {
    const rule = RULES[x.rule]!;
    const e = w.episodes[x.ep]!;
    const zone = x.red ? 'red' : 'yellow';
    const at = new Date(Date.UTC(2026, 2, 1) + x.at * 60_000 + seq.n++);
    const text = `${rule.rule} ${zone} ${x.value}`;
    const finding = {
      ruleId: rule.rule, kind: rule.kind, zone, planVersion: x.version, at,
      values: rule.code === undefined ? [] : [{ code: rule.code, value: x.value, unit: '1', effectiveAt: at }],
      summary: { nb: text, nn: text, en: text },
    } as unknown as Finding;
    return { patientId: e.patientId, episodeId: e.id, planId: e.planIds[x.version - 1]!, finding };
  });
}

/** Runs the steps in a transaction that is rolled back, and returns what they left and answered. */
async function run(steps: Step[], raise: (q: Queryable, list: FindingToRaise[]) => Promise<{ raised: boolean; escalated: boolean }[]>) {
  const rollback = new Error('rollback');
  let out: unknown;
  await env.db.tx(async (tx) => {
    const w = await world(tx);
    const ids = w.episodes.map((e) => e.id);
    const answers: { raised: boolean; escalated: boolean }[][] = [];
    const seq = { n: 0 };
    for (const step of steps) {
      if (step.op === 'raise') {
        answers.push(await raise(tx, findingsOf(w, step, seq)));
        continue;
      }
      const all = (await tx.query<{ id: string }>(
        `select id from alerts where episode_id = any($1::uuid[]) order by array_position($1::uuid[], episode_id), rule_id, first_at, last_at, occurrences`, [ids],
      )).rows.map((r) => r.id);
      if (all.length === 0) continue;
      const picked = [...new Set(step.picks.map((p) => all[p % all.length]!))];
      await tx.query(
        step.op === 'ack'
          ? `update alerts set status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now() where id = any($1::uuid[]) and status = 'open'`
          : `update alerts set status = 'resolved', resolved_by = $2, resolved_at = now() where id = any($1::uuid[]) and status <> 'resolved'`,
        [picked, f.people.nurseA],
      );
    }
    // Episodes by position: the two runs create their own.
    const pos = `array_position($1::uuid[], episode_id)`;
    const alerts = (await tx.query(
      `select ${pos} as ep, rule_id, kind, zone, status, plan_version, summary, findings, first_at, last_at, occurrences,
              (select version from plans p where p.id = a.plan_id) as plan_of
         from alerts a where episode_id = any($1::uuid[]) order by ep, rule_id, status, first_at, last_at, occurrences`,
      [ids],
    )).rows;
    const state = (await tx.query(
      `select ${pos} as ep, status_rank, alert_since, reason, open_alerts, unresolved_alerts, order_sub, order_severity + 0 as order_severity
         from episode_state where episode_id = any($1::uuid[]) order by ep`,
      [ids],
    )).rows;
    const rows = (await tx.query(
      `select ${pos} as ep, organisation_id, status_rank, sort_since, order_sub, order_severity + 0 as order_severity from worklist_rows where episode_id = any($1::uuid[]) order by ep, organisation_id`,
      [ids],
    )).rows;
    out = { answers, alerts, state, rows };
    throw rollback;
  }).catch((e: unknown) => {
    if (e !== rollback) throw e;
  });
  return out;
}

test('upsertFindings: same alerts, state and answers as raising the findings one by one', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 6 }), async (steps) => {
      const reference = await run(steps, async (q, list) => {
        const out = [];
        for (const a of list) out.push(await referenceUpsert(q, a));
        return out;
      });
      const batched = await run(steps, async (q, list) => (await upsertFindings(q, list)).map(({ raised, escalated }) => ({ raised, escalated })));
      assert.deepEqual(batched, reference);
    }),
    { numRuns: 60 },
  );
});

test('upsertFindings: a repeated rule in one group merges in order, a worse zone reopens and escalates', async () => {
  const steps: Step[] = [
    { op: 'raise', findings: [{ ep: 0, rule: 0, red: false, value: 91, at: 10, version: 1 }] },
    { op: 'ack', picks: [0] },
    {
      op: 'raise', findings: [
        { ep: 0, rule: 0, red: false, value: 90, at: 20, version: 1 },
        { ep: 1, rule: 0, red: false, value: 90, at: 20, version: 1 },
        { ep: 0, rule: 0, red: true, value: 85, at: 30, version: 2 },
        { ep: 0, rule: 0, red: false, value: 91, at: 40, version: 2 },
      ],
    },
  ];
  const got = await run(steps, async (q, list) => (await upsertFindings(q, list)).map(({ raised, escalated }) => ({ raised, escalated }))) as {
    answers: { raised: boolean; escalated: boolean }[][];
    alerts: { ep: number; zone: string; status: string; occurrences: number; plan_of: number }[];
  };
  assert.deepEqual(got.answers[1], [
    { raised: false, escalated: false }, // merged into the acknowledged yellow alert
    { raised: true, escalated: false }, // another episode: a new alert in the same statement
    { raised: false, escalated: true }, // red after yellow: reopened
    { raised: false, escalated: false }, // yellow after red: merged, stays red
  ]);
  const ep0 = got.alerts.filter((a) => a.ep === 1);
  assert.equal(ep0.length, 1);
  assert.equal(ep0[0]!.zone, 'red');
  assert.equal(ep0[0]!.status, 'open');
  assert.equal(ep0[0]!.occurrences, 4);
  assert.equal(ep0[0]!.plan_of, 2);
});

test('upsertFindings: nothing to raise sends no statement', async () => {
  let sent = 0;
  const counting: Queryable = { query: (async (...a: Parameters<Queryable['query']>) => { sent++; return env.db.query(...a); }) as Queryable['query'] };
  assert.deepEqual(await upsertFindings(counting, []), []);
  assert.equal(sent, 0);
});
