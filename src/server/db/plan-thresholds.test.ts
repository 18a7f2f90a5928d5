import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { openAlerts } from '../worklist/repo.js';
import { bareEpisode, seedFixture, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

// Migration 035 ranks alerts from plan_thresholds (each plan's limits per code, kept with the plan)
// instead of reading the whole plan definition per alert. The answers must be those of the
// functions it replaced: 026's NEWS2 score, else 022's body, which is still in the database as
// varde_alert_severity_022 and reads plans.definition itself. Compared here for random plans (limits
// present, absent, null, zero, negative, codes repeated in measures and questionnaires) and random
// alerts (every kind and zone, findings with and without code, value and score), through the
// function the triggers call and as stored in the alert (040), also after a new finding and after an
// edited definition.
let f: Fixture;
const env = useTestServer({ dbOnly: true, setup: async (e) => { f = await seedFixture(e.db); } });

const CODES = ['spo2', 'heart_rate', 'weight', 'cat', 'phq9'] as const;
// Limits and values drawn near each other (and on both sides of zero) so that most alerts land beyond a limit.
const limit = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(0), fc.constantFrom(-5, -0.5, 0.5, 2, 88, 92, 100, 120),
  fc.integer({ min: -100, max: 3000 }).map((n) => n / 10));
const thresholds = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.record({ redBelow: limit, yellowBelow: limit, yellowAbove: limit, redAbove: limit }) },
);
const entry = fc.record({ code: fc.constantFrom(...CODES), thresholds });
const definition = fc.record({ measures: fc.array(entry, { maxLength: 4 }), questionnaires: fc.array(entry, { maxLength: 2 }) });
const alert = fc.record({
  kind: fc.constantFrom('threshold', 'threshold', 'questionnaire', 'news2', 'trend', 'missing_measurement', 'combined'),
  zone: fc.constantFrom('red', 'yellow', 'missing'),
  code: fc.constantFrom(...CODES),
  findingCode: fc.boolean(),
  findings: fc.nat(3),
  value: fc.oneof(fc.constant(undefined), fc.constantFrom(-10, -5, -1, 0, 1, 3, 87.5, 90, 95, 101, 130), fc.double({ min: -20, max: 250, noNaN: true, noDefaultInfinity: true })),
  score: fc.oneof(fc.constant(undefined), fc.nat(20)),
});

type Arb<A> = A extends fc.Arbitrary<infer T> ? T : never;

/** JSON without undefined members (as a plan definition is stored). */
const json = (x: unknown) => JSON.stringify(x);

test('alert severity from plan_thresholds equals the severity read from the plan definition (022, 026)', async () => {
  await fc.assert(
    fc.asyncProperty(definition, fc.array(alert, { minLength: 1, maxLength: 8 }), async (def, alerts) => {
      const rollback = new Error('rollback');
      await env.db.tx(async (tx) => {
        const e = await bareEpisode(tx, f, '15055090001');
        const planId = (await tx.query<{ id: string }>(
          `insert into plans (episode_id, version, status, definition, created_by, approved_by, approved_at) values ($1, 1, 'approved', $2, $3, $3, now()) returning id`,
          [e.id, json(def), f.people.gp],
        )).rows[0]!.id;
        for (const [i, a] of alerts.entries()) {
          const last = {
            ...(a.findingCode ? { code: a.code } : {}),
            values: a.value === undefined ? [] : [{ code: a.code, value: a.value, unit: '1' }],
            ...(a.score === undefined ? {} : { score: a.score }),
            summary: { en: a.score === undefined ? `${a.kind} ${a.zone}` : `NEWS2 ${a.score} (${a.zone})` },
          };
          const findings = a.findings === 0 ? [] : [...Array.from({ length: a.findings - 1 }, () => ({ code: 'other', values: [{ value: 1 }] })), last];
          // One unresolved alert per (episode, rule): the third part keeps them apart (the code is the second).
          await tx.query(
            `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
             values ($1, $2, $3, $4, $5, $6, 1, '{"en":"x"}', $7, now(), now() - $8 * interval '1 second')`,
            [e.patientId, e.id, `${a.kind}:${a.code}:${i}`, a.kind, a.zone, planId, json(findings), i],
          );
        }
        const got = (await tx.query<{ id: string; new: number; ref: number }>(
          `select id, varde_alert_severity(kind, zone, rule_id, findings, plan_id) as new,
                  case when kind = 'news2' and jsonb_typeof(findings -> -1 -> 'score') = 'number' then (findings -> -1 ->> 'score')::double precision / 20
                       else varde_alert_severity_022(kind, zone, rule_id, findings, plan_id) end as ref
             from alerts where episode_id = $1 order by id`,
          [e.id],
        )).rows;
        for (const r of got) assert.equal(r.new, r.ref, `alert ${r.id}: ${JSON.stringify({ def, alerts })}`);
        // The severity stored when the alert was written (040), as the worklist page reads it, is the same (open alerts only; all of these are open).
        const page = new Map((await openAlerts(tx, [e.id])).map((r) => [r.id, r.severity]));
        for (const r of got) assert.equal(page.get(r.id), r.ref, 'the worklist page ranks alike');
        // A new finding (another value, as a later reading brings) re-ranks the alert where it is stored.
        await tx.query(
          `update alerts set findings = findings || jsonb_build_array(jsonb_build_object('code', split_part(rule_id, ':', 2),
                  'values', jsonb_build_array(jsonb_build_object('code', split_part(rule_id, ':', 2), 'value', coalesce((findings #>> '{-1,values,-1,value}')::float8, 0) * 1.5 + 1, 'unit', '1'))))
            where episode_id = $1`,
          [e.id],
        );
        const stored = async () => (await tx.query<{ id: string; severity: number; fn: number }>(
          'select id, severity, varde_alert_severity(kind, zone, rule_id, findings, plan_id) as fn from alerts where episode_id = $1', [e.id],
        )).rows;
        for (const r of await stored()) assert.equal(r.severity, r.fn, `after a new finding, alert ${r.id}`);
        // A plan definition edited all the same: the stored severities follow its limits.
        await tx.query(`update plans set definition = $2 where id = $1`, [planId, json({ measures: def.questionnaires, questionnaires: def.measures.map((m) => ({ ...m, thresholds: { yellowAbove: 1 } })) })]);
        for (const r of await stored()) assert.equal(r.severity, r.fn, `after the definition changed, alert ${r.id}`);
        throw rollback;
      }).catch((err: unknown) => {
        if (err !== rollback) throw err;
      });
    }),
    {
      numRuns: 120,
      // Each branch of the formula at least once, whatever the random draws.
      examples: ([
        [{ measures: [{ code: 'weight', thresholds: { yellowBelow: -5, yellowAbove: -0.5 } }], questionnaires: [] }, [
          { kind: 'threshold', zone: 'yellow', code: 'weight', findingCode: true, findings: 1, value: -10, score: undefined },
          { kind: 'threshold', zone: 'red', code: 'weight', findingCode: false, findings: 2, value: 3, score: undefined },
        ]],
        [{ measures: [{ code: 'spo2', thresholds: { redBelow: 88, yellowBelow: 92 } }], questionnaires: [{ code: 'cat', thresholds: { yellowAbove: 20, redAbove: 30 } }] }, [
          { kind: 'threshold', zone: 'red', code: 'spo2', findingCode: true, findings: 1, value: 80, score: undefined },
          { kind: 'threshold', zone: 'yellow', code: 'spo2', findingCode: false, findings: 1, value: 90, score: undefined },
          { kind: 'questionnaire', zone: 'red', code: 'cat', findingCode: false, findings: 3, value: 35, score: undefined },
          { kind: 'questionnaire', zone: 'yellow', code: 'cat', findingCode: true, findings: 1, value: 25, score: undefined },
          { kind: 'news2', zone: 'red', code: 'spo2', findingCode: false, findings: 1, value: undefined, score: 9 },
          { kind: 'news2', zone: 'yellow', code: 'spo2', findingCode: false, findings: 1, value: undefined, score: undefined },
          { kind: 'trend', zone: 'yellow', code: 'spo2', findingCode: true, findings: 1, value: 80, score: undefined },
        ]],
      ] as unknown as [Arb<typeof definition>, Arb<typeof alert>[]][]),
    },
  );
});

test('plan_thresholds follows a plan\'s definition; approving it leaves the limits as they are', async () => {
  const e = await bareEpisode(env.db, f, '15055090002');
  const planId = (await env.db.query<{ id: string }>(
    `insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', $2, $3) returning id`,
    [e.id, json({ measures: [{ code: 'spo2', thresholds: { yellowBelow: 92 } }, { code: 'spo2', thresholds: { yellowBelow: 80 } }], questionnaires: [{ code: 'cat', thresholds: null }] }), f.people.gp],
  )).rows[0]!.id;
  const limits = async () => (await env.db.query<{ code: string; thresholds: unknown }>(
    'select code, thresholds from plan_thresholds where plan_id = $1 order by code', [planId],
  )).rows;
  assert.deepEqual(await limits(), [{ code: 'cat', thresholds: null }, { code: 'spo2', thresholds: { yellowBelow: 92 } }], 'the first entry of a code counts');
  await env.db.query(`update plans set status = 'approved', approved_by = $2, approved_at = now() where id = $1`, [planId, f.people.gp]);
  assert.deepEqual(await limits(), [{ code: 'cat', thresholds: null }, { code: 'spo2', thresholds: { yellowBelow: 92 } }]);
  await env.db.query(`update plans set definition = $2 where id = $1`, [planId, json({ measures: [{ code: 'weight', thresholds: { yellowAbove: 2 } }] })]);
  assert.deepEqual(await limits(), [{ code: 'weight', thresholds: { yellowAbove: 2 } }], 'a changed definition replaces the limits');
  await env.db.query(`update plans set definition = $2 where id = $1`, [planId, json({ measures: { code: 'x' }, questionnaires: { code: 'y' } })]);
  assert.deepEqual(await limits(), [], 'a definition whose lists are not lists has no limits (and is not refused here)');
});
