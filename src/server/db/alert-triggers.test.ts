import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bareEpisode, seedFixture, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';
import type { Queryable } from './port.js';

// Migration 025 keeps episode_state's alert-derived columns and worklist_rows with one set-based
// pass per alerts statement instead of 010's and 022's per-episode probes. The state it leaves must
// be exactly what those formulas give when recomputed from scratch, whatever mix of single- and
// multi-row inserts, merges, acknowledgements, resolutions, zone changes, pauses, care-team
// changes and deleted readings (052) came before. The reference below is 010's backfill and 022's
// varde_worklist_order, written out per episode.
let f: Fixture;
const env = useTestServer({ dbOnly: true, setup: async (e) => { f = await seedFixture(e.db); } });

/** Plan limits (what varde_alert_severity reads), so red and yellow alerts get distinct severities. */
const PLAN = {
  measures: [
    { code: 'spo2', thresholds: { redBelow: 88, yellowBelow: 92 } },
    { code: 'heart_rate', thresholds: { yellowAbove: 100, redAbove: 120 } },
  ],
  questionnaires: [{ code: 'cat', thresholds: { yellowAbove: 20, redAbove: 30 } }],
};

/** Rules an alert can have: kind, zone candidates, the measured code (for severity). */
const RULES = [
  { rule: 'threshold:spo2', kind: 'threshold', code: 'spo2', zones: ['red', 'yellow'] },
  { rule: 'threshold:heart_rate', kind: 'threshold', code: 'heart_rate', zones: ['red', 'yellow'] },
  { rule: 'questionnaire:cat', kind: 'questionnaire', code: 'cat', zones: ['red', 'yellow'] },
  { rule: 'news2', kind: 'news2', code: undefined, zones: ['red', 'yellow'] },
  { rule: 'missing:spo2', kind: 'missing_measurement', code: 'spo2', zones: ['missing'] },
  { rule: 'missing:cat', kind: 'missing_questionnaire', code: 'cat', zones: ['missing'] },
  { rule: 'missing:phq9', kind: 'missing', code: 'phq9', zones: ['missing'] },
  { rule: 'inactive', kind: 'inactive', code: undefined, zones: ['missing'] },
] as const;

const EPISODES = 4;
type Op =
  | { op: 'upsert'; rows: { ep: number; rule: number; zone: number; value: number; at: number }[] }
  | { op: 'ack' | 'resolve' | 'reopen'; picks: number[]; by: number }
  | { op: 'rezone'; picks: number[]; zone: number }
  | { op: 'pause'; ep: number }
  | { op: 'resume' }
  | { op: 'teamAdd' | 'teamDel'; ep: number }
  | { op: 'observe'; rows: { ep: number; code: number; value: number; at: number }[] }
  | { op: 'forget'; picks: number[] };
const CODES = ['spo2', 'heart_rate', 'cat'] as const;

const pick = fc.array(fc.nat(50), { minLength: 1, maxLength: 4 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('upsert' as const), rows: fc.array(fc.record({
    ep: fc.nat(EPISODES - 1), rule: fc.nat(RULES.length - 1), zone: fc.nat(1), value: fc.integer({ min: 40, max: 160 }),
    // Few instants, so alerts of one episode are often first raised at the same one (the reason's tie).
    at: fc.oneof(fc.nat(10_000), fc.nat(4).map((k) => k * 2_500)),
  }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('ack' as const, 'resolve' as const, 'reopen' as const), picks: pick, by: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rezone' as const), picks: pick, zone: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pause' as const), ep: fc.nat(EPISODES - 1) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'resume' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('teamAdd' as const, 'teamDel' as const), ep: fc.nat(EPISODES - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('observe' as const), rows: fc.array(fc.record({
    ep: fc.nat(EPISODES - 1), code: fc.nat(CODES.length - 1), value: fc.integer({ min: 40, max: 160 }), at: fc.nat(10_000),
  }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('forget' as const), picks: pick }) },
);

let serial = 0;
interface World { episodes: { id: string; patientId: string; planId: string }[] }

async function world(db: Queryable): Promise<World> {
  const episodes: World['episodes'] = [];
  for (let i = 0; i < EPISODES; i++) {
    serial++;
    const { id, patientId } = await bareEpisode(db, f, `${String(10 + (serial % 80)).padStart(2, '0')}9${String(serial).padStart(8, '0')}`);
    const planId = (await db.query<{ id: string }>(
      `insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', $2, $3) returning id`,
      [id, JSON.stringify(PLAN), f.people.gp],
    )).rows[0]!.id;
    episodes.push({ id, patientId, planId });
  }
  return { episodes };
}

/** One statement per operation, as the app, ingest and the sweep write. */
async function apply(db: Queryable, w: World, op: Op): Promise<void> {
  const ids = w.episodes.map((e) => e.id);
  // The alerts of this world that an update picks (by position, so shrinking stays meaningful).
  const picked = async (picks: number[]): Promise<string[]> => {
    const all = (await db.query<{ id: string }>(`select id from alerts where episode_id = any($1::uuid[]) order by created_at, id`, [ids])).rows.map((r) => r.id);
    return all.length === 0 ? [] : [...new Set(picks.map((p) => all[p % all.length]!))];
  };
  switch (op.op) {
    case 'upsert': {
      // One row per (episode, rule) in a statement: ON CONFLICT cannot touch a row twice.
      const seen = new Set<string>();
      const rows = op.rows.filter((r) => !seen.has(`${r.ep}/${r.rule}`) && seen.add(`${r.ep}/${r.rule}`));
      const v = rows.map((r) => {
        const rule = RULES[r.rule]!;
        const zone = rule.zones[r.zone % rule.zones.length]!;
        const e = w.episodes[r.ep]!;
        // Alerts of one episode are often first raised at the same instant (the reason's tie, 037).
        const at = new Date(Date.UTC(2026, 0, 1) + r.at * 60_000).toISOString();
        const text = `${rule.rule} ${zone} ${r.value}`;
        const summary = rule.kind === 'news2' ? `NEWS2 ${r.value % 20} (${zone})` : text;
        const finding = {
          ruleId: rule.rule, kind: rule.kind, zone, code: rule.code, planVersion: 1, at,
          values: rule.code === undefined ? [] : [{ code: rule.code, value: r.value, unit: '1', effectiveAt: at }],
          summary: { nb: summary, nn: summary, en: summary },
        };
        return [e.patientId, e.id, rule.rule, rule.kind, zone, e.planId, JSON.stringify(finding.summary), JSON.stringify(finding), at];
      });
      const params = v.flat();
      const values = v.map((_, i) => {
        const b = i * 9;
        return `($${b + 1}::uuid, $${b + 2}::uuid, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}::uuid, 1, $${b + 7}::jsonb, jsonb_build_array($${b + 8}::jsonb), $${b + 9}::timestamptz, $${b + 9}::timestamptz)`;
      }).join(', ');
      // alerts/repo.ts#upsertFromFinding's merge (a worse zone reopens and takes over the summary).
      const sev = (t: string) => `case ${t}.zone when 'red' then 2 when 'yellow' then 1 else 0 end`;
      await db.query(
        `insert into alerts as al (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
         values ${values}
         on conflict (episode_id, rule_id) where status <> 'resolved' do update set
           occurrences = al.occurrences + 1, findings = al.findings || excluded.findings,
           last_at = greatest(al.last_at, excluded.last_at), first_at = least(al.first_at, excluded.first_at),
           summary = case when ${sev('excluded')} >= ${sev('al')} then excluded.summary else al.summary end,
           zone = case when ${sev('excluded')} > ${sev('al')} then excluded.zone else al.zone end,
           status = case when ${sev('excluded')} > ${sev('al')} then 'open' else al.status end`,
        params,
      );
      return;
    }
    case 'ack':
      await db.query(`update alerts set status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now() where id = any($1::uuid[]) and status = 'open'`,
        [await picked(op.picks), op.by ? f.people.nurseA : f.people.coordinator]);
      return;
    case 'resolve':
      await db.query(`update alerts set status = 'resolved', resolved_by = $2, resolved_at = now() where id = any($1::uuid[]) and status <> 'resolved'`,
        [await picked(op.picks), op.by ? f.people.nurseB : null]);
      return;
    case 'reopen':
      // An acknowledged alert back to open (not a path of the app today; the triggers must not care).
      await db.query(`update alerts a set status = 'open' where a.id = any($1::uuid[]) and a.status = 'acknowledged'`, [await picked(op.picks)]);
      return;
    case 'rezone':
      await db.query(`update alerts set zone = $2 where id = any($1::uuid[]) and zone <> 'missing'`, [await picked(op.picks), op.zone ? 'red' : 'yellow']);
      return;
    case 'pause':
      await db.query(`update episodes set status = 'paused' where id = $1`, [w.episodes[op.ep]!.id]);
      return;
    case 'resume':
      // Every paused episode of the world at once: an episode active again needs its worklist rows
      // written anew (a resume of one picked at random rarely followed its pause).
      await db.query(`update episodes set status = 'active' where id = any($1::uuid[]) and status = 'paused'`, [w.episodes.map((e) => e.id)]);
      return;
    case 'teamAdd':
      await db.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1, $2, 'gp') on conflict do nothing`, [w.episodes[op.ep]!.id, f.orgs.gpOffice]);
      return;
    case 'observe': {
      // Readings of several episodes in one statement, in any order of time (late offline readings).
      const v = op.rows.map((r) => {
        const e = w.episodes[r.ep]!;
        const at = new Date(Date.UTC(2026, 0, 1) + r.at * 60_000 + (serial++ % 1000) * 1000).toISOString();
        return [e.patientId, e.id, CODES[r.code]!, r.value, at, r.value > 100 ? 'yellow' : 'green'];
      });
      await db.query(
        `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, zone)
         values ${v.map((_, i) => `($${i * 6 + 1}::uuid, $${i * 6 + 2}::uuid, $${i * 6 + 3}, $${i * 6 + 4}::float8, '1', $${i * 6 + 5}::timestamptz, 'patient', 'patient:test', $${i * 6 + 6})`).join(', ')}`,
        v.flat(),
      );
      // The patient sent something: no open inactive alert is left on those episodes (017).
      const left = await db.query(`select episode_id from alerts where rule_id = 'inactive' and status <> 'resolved' and episode_id = any($1::uuid[])`,
        [op.rows.map((r) => w.episodes[r.ep]!.id)]);
      assert.deepEqual(left.rows, [], 'an inactive alert is answered by any reading');
      return;
    }
    case 'forget': {
      // Readings deleted (a retraction, fhir/repo.ts#retractObservations): sometimes a measure's
      // newest, sometimes its last one.
      const all = (await db.query<{ id: string }>(`select id from observations where episode_id = any($1::uuid[]) order by effective_at, id`, [ids])).rows.map((r) => r.id);
      if (all.length === 0) return;
      await db.query('delete from observations where id = any($1::uuid[])', [[...new Set(op.picks.map((p) => all[p % all.length]!))]]);
      return;
    }
    case 'teamDel':
      await db.query(`delete from care_team where episode_id = $1 and organisation_id = $2`, [w.episodes[op.ep]!.id, f.orgs.gpOffice]);
      return;
  }
}

/**
 * Rows where the maintained state differs from a from-scratch recomputation (empty when equal):
 * episode_state (010's status, since, reason and counts; 022's order keys), worklist_rows (one row
 * per active episode and care-team organisation, with the episode's keys) and worklist_mine.
 * Compared in SQL so -0 and 0 (order_severity of no severity) count as equal, as the triggers do.
 */
async function differences(db: Queryable, w: World): Promise<unknown[]> {
  const ids = w.episodes.map((e) => e.id);
  const state = await db.query(
    `with ref as (
       select s.episode_id, coalesce(d.rank, 3) as status_rank, d.first_at as alert_since, d.summary as reason, k.open_n, k.unresolved_n,
              coalesce((select min(case when a.kind = 'missing_questionnaire'
                                          or (a.kind in ('missing', 'missing_measurement') and a.rule_id in ('missing:phq9', 'missing:gad7', 'missing:cat', 'missing:symptoms'))
                                        then 1 else 0 end)
                          from alerts a where a.episode_id = s.episode_id and a.status = 'open' and a.zone = 'missing'), 0) as order_sub,
              -coalesce((select max(varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id))
                           from alerts a where a.episode_id = s.episode_id and a.status = 'open'
                            and a.zone = case coalesce(d.rank, 3) when 0 then 'red' when 1 then 'yellow' end), 0) as order_severity
         from episode_state s
         cross join lateral (
           select (count(*) filter (where a.status = 'open'))::int as open_n, count(*)::int as unresolved_n
             from alerts a where a.episode_id = s.episode_id and a.status <> 'resolved') k
         left join lateral (
           select case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank, a.first_at, a.summary
             from alerts a where a.episode_id = s.episode_id and a.status = 'open'
            order by 1, a.first_at,
                     case when a.zone in ('red', 'yellow') then varde_alert_severity(a.kind, a.zone, a.rule_id, a.findings, a.plan_id) end desc nulls last,
                     a.rule_id
            limit 1) d on true
        where s.episode_id = any($1::uuid[]))
     select 'state' as what, s.episode_id, row(s.status_rank, s.alert_since, s.reason, s.open_alerts, s.unresolved_alerts, s.order_sub, s.order_severity)::text as got,
            row(r.status_rank, r.alert_since, r.reason, r.open_n, r.unresolved_n, r.order_sub, r.order_severity)::text as want
       from episode_state s join ref r on r.episode_id = s.episode_id
      where (s.status_rank, s.alert_since, s.reason, s.open_alerts, s.unresolved_alerts, s.order_sub, s.order_severity)
            is distinct from (r.status_rank::smallint, r.alert_since, r.reason, r.open_n, r.unresolved_n, r.order_sub::smallint, r.order_severity)`,
    [ids],
  );
  const rows = await db.query(
    `with want as (
       select ct.organisation_id, s.episode_id, s.status_rank, s.sort_since, s.order_sub, s.order_severity
         from episode_state s join care_team ct on ct.episode_id = s.episode_id
        where s.active and s.episode_id = any($1::uuid[])),
     got as (select organisation_id, episode_id, status_rank, sort_since, order_sub, order_severity from worklist_rows where episode_id = any($1::uuid[]))
     select 'worklist_rows' as what, coalesce(w.episode_id, g.episode_id) as episode_id, row(g.*)::text as got, row(w.*)::text as want
       from want w full join got g on g.organisation_id = w.organisation_id and g.episode_id = w.episode_id
      where (w.status_rank, w.sort_since, w.order_sub, w.order_severity) is distinct from (g.status_rank, g.sort_since, g.order_sub, g.order_severity)`,
    [ids],
  );
  const mine = await db.query(
    `select 'worklist_mine' as what, x.episode_id, x.personnel_id::text as want
       from (select distinct coalesce(acknowledged_by, resolved_by) as personnel_id, episode_id from alerts
              where episode_id = any($1::uuid[]) and coalesce(acknowledged_by, resolved_by) is not null) x
      where not exists (select 1 from worklist_mine m where m.personnel_id = x.personnel_id and m.episode_id = x.episode_id)`,
    [ids],
  );
  const latest = await db.query(
    `select 'latest' as what, s.episode_id, row(s.latest, s.last_observation_at)::text as got, row(r.latest, r.at)::text as want
       from episode_state s
       cross join lateral (
         select coalesce((select jsonb_object_agg(l.code, jsonb_build_object('value', l.value, 'unit', l.unit, 'effectiveAt', l.effective_at, 'zone', l.zone))
                            from (select distinct on (o.code) o.code, o.value, o.unit, o.effective_at, o.zone from observations o
                                   where o.episode_id = s.episode_id order by o.code, o.effective_at desc) l), '{}'::jsonb) as latest,
                (select max(o.effective_at) from observations o where o.episode_id = s.episode_id) as at) r
      where s.episode_id = any($1::uuid[]) and (s.latest, s.last_observation_at) is distinct from (r.latest, r.at)`,
    [ids],
  );
  return [...state.rows, ...rows.rows, ...mine.rows, ...latest.rows];
}

test('alert triggers: worklist state equals a from-scratch recomputation after any mix of single- and multi-row statements', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
      // Each run in a transaction rolled back at the end, on episodes of its own.
      const rollback = new Error('rollback');
      let failure: unknown[] | null = null;
      await env.db.tx(async (tx) => {
        // Zone 'missing' alerts written here as the sweep writes them (migration 014's gate is the
        // sweep's business, not these triggers').
        await tx.query(`select set_config('varde.missing_sweep', 'on', true)`);
        const w = await world(tx);
        for (const op of ops) {
          await apply(tx, w, op);
          const d = await differences(tx, w);
          if (d.length > 0) {
            failure = [op, ...d];
            break;
          }
        }
        throw rollback;
      }).catch((e: unknown) => {
        if (e !== rollback) throw e;
      });
      assert.deepEqual(failure, null);
    }),
    { numRuns: 60 },
  );
});

test('alert triggers: a statement touching many episodes at once gives each its own state', async () => {
  const w = await world(env.db);
  await env.db.tx(async (tx) => {
    await tx.query(`select set_config('varde.missing_sweep', 'on', true)`);
    // Every rule on every episode in one statement: red, yellow and missing at once.
    await apply(tx, w, { op: 'upsert', rows: w.episodes.flatMap((_, ep) => RULES.map((_r, rule) => ({ ep, rule, zone: ep % 2, value: 60 + ep * 30 + rule, at: rule * 7 + ep }))) });
  });
  assert.deepEqual(await differences(env.db, w), []);
  const s = await env.db.query<{ status_rank: number; open_alerts: number; order_severity: number }>(
    `select status_rank, open_alerts, order_severity from episode_state where episode_id = any($1::uuid[]) order by array_position($1::uuid[], episode_id)`,
    [w.episodes.map((e) => e.id)],
  );
  // zone index 0 = red for even episodes, yellow for odd; each has all eight rules open.
  assert.deepEqual(s.rows.map((r) => [r.status_rank, r.open_alerts]), [[0, 8], [1, 8], [0, 8], [1, 8]]);
  assert.ok(s.rows.every((r) => r.order_severity < 0), 'threshold alerts past their limits have a severity');
  // Resolving everything of two episodes in one statement returns them to green.
  await env.db.query(`update alerts set status = 'resolved', resolved_at = now() where episode_id = any($1::uuid[])`, [[w.episodes[0]!.id, w.episodes[1]!.id]]);
  assert.deepEqual(await differences(env.db, w), []);
  const g = await env.db.query<{ status_rank: number; n: number }>(
    `select w.status_rank, count(*)::int as n from worklist_rows w where w.episode_id = any($1::uuid[]) group by 1`, [[w.episodes[0]!.id, w.episodes[1]!.id]],
  );
  assert.deepEqual(g.rows, [{ status_rank: 3, n: 2 }]);
});

test('alert triggers: of two worst alerts first raised at one instant, the reason is the more severe one, whatever the order they came in (037)', async () => {
  const w = await world(env.db);
  const [spo2, hr, missingSpo2, missingCat, missingPhq9, inactive] = [0, 1, 4, 5, 6, 7];
  await env.db.tx(async (tx) => {
    await tx.query(`select set_config('varde.missing_sweep', 'on', true)`);
    // Episodes 0 and 1: the same two red alerts at the same instant, written in opposite order.
    await apply(tx, w, { op: 'upsert', rows: [{ ep: 0, rule: spo2, zone: 0, value: 60, at: 5 }, { ep: 0, rule: hr, zone: 0, value: 121, at: 5 }] });
    await apply(tx, w, { op: 'upsert', rows: [{ ep: 1, rule: hr, zone: 0, value: 121, at: 5 }, { ep: 1, rule: spo2, zone: 0, value: 60, at: 5 }] });
    // Episodes 2 and 3: two missing alerts (no severity) at one instant: the rule id decides.
    await apply(tx, w, { op: 'upsert', rows: [{ ep: 2, rule: inactive, zone: 0, value: 1, at: 5 }, { ep: 2, rule: missingCat, zone: 0, value: 1, at: 9 }] });
    await apply(tx, w, { op: 'upsert', rows: [{ ep: 3, rule: missingSpo2, zone: 0, value: 1, at: 5 }, { ep: 3, rule: missingPhq9, zone: 0, value: 1, at: 5 }] });
  });
  assert.deepEqual(await differences(env.db, w), []);
  const sev = await env.db.query<{ rule_id: string; severity: number }>(
    `select rule_id, varde_alert_severity(kind, zone, rule_id, findings, plan_id) as severity from alerts where episode_id = $1`, [w.episodes[0]!.id]);
  const worse = sev.rows.reduce((a, b) => (b.severity > a.severity ? b : a));
  assert.notEqual(sev.rows[0]!.severity, sev.rows[1]!.severity, 'the example needs two different severities');
  const reasons = (await env.db.query<{ reason: { en: string } }>(
    `select reason from episode_state where episode_id = any($1::uuid[]) order by array_position($1::uuid[], episode_id)`,
    [w.episodes.map((e) => e.id)])).rows.map((r) => r.reason.en);
  assert.equal(reasons[0], reasons[1]);
  assert.match(reasons[0]!, new RegExp(`^${worse.rule_id} red`));
  // Episode 2's oldest missing alert is its reason; episode 3's tie goes to missing:phq9 before missing:spo2.
  assert.match(reasons[2]!, /^inactive missing/);
  assert.match(reasons[3]!, /^missing:phq9 missing/);
});
