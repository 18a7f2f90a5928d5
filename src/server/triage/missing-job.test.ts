import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_INACTIVE_DAYS, detectInactive, missingAlertKind } from '../../domain/missing.js';
import { detectMissing } from '../../domain/triage.js';
import { validatePlan, type PlanDefinition, type Schedule } from '../../domain/plan.js';
import * as alerts from '../alerts/repo.js';
import type { Db, Queryable } from '../db/port.js';
import { pointsSince } from '../observations/repo.js';
import type { Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';
import { openPostgres } from '../db/postgres.js';
import { databaseUrl } from '../testing/pg-cluster.js';
import { TEST_DB_KIND } from '../testing/db.js';
import { IN_PART, PARTS, sweepMissing } from './missing-job.js';
import { nextDeadline } from './schedule.js';

let db: Db;
let f: Fixture;
// The sweep is a job: database and fixture, no server.
useTestServer({ noServer: true, setup: async (env) => { ({ db, f } = env); } });

const missingAlerts = async (episodeId = f.patient.episodeId) =>
  (await db.query<{ rule_id: string; status: string; occurrences: number }>(
    `select rule_id, status, occurrences from alerts where episode_id = $1 and zone = 'missing' and rule_id <> 'inactive' order by rule_id, created_at`, [episodeId],
  )).rows;

/**
 * The per-episode sweep as it was before it became set-based (and the definition the set-based one
 * must equal): for every active episode with an approved plan, `detectMissing` over its readings
 * of the last 8 days, then one upsert per finding not alerted before, with the kind of
 * domain/missing.ts; and `detectInactive` over the episode's last reading, once per silence.
 * Bad data skips the episode.
 */
async function referenceSweep(q: Queryable, now: Date): Promise<void> {
  const eps = await q.query<{
    id: string; patient_id: string; time_zone: string; plan_id: string; version: number; definition: unknown; approved_at: Date;
    state: string; started_at: Date; schedules_from: Date | null; days: number | null; last_at: Date | null;
  }>(
    `select e.id, e.patient_id, e.time_zone, p.id as plan_id, p.version, p.definition, p.approved_at, e.state, e.started_at, e.schedules_from,
            o.inactive_after_days as days, (select max(x.effective_at) from observations x where x.episode_id = e.id) as last_at
       from episodes e join plans p on p.episode_id = e.id and p.status = 'approved' join organisations o on o.id = e.follow_up_org
      where e.status = 'active'`,
  );
  for (const e of eps.rows) {
    const plan = validatePlan(e.definition);
    if (!plan.ok) continue;
    const obs = await pointsSince(q, e.id, new Date(now.getTime() - 8 * 86_400_000));
    let findings;
    try {
      findings = detectMissing({ plan: plan.value, planVersion: e.version, observations: obs, now, timeZone: e.time_zone, since: e.approved_at });
    } catch {
      continue;
    }
    const seen = await q.query<{ rule_id: string; last_at: Date }>(
      `select rule_id, max(last_at) as last_at from alerts where episode_id = $1 and zone = 'missing' group by rule_id`, [e.id],
    );
    const lastAt = new Map(seen.rows.map((r) => [r.rule_id, r.last_at.getTime()]));
    for (const fd of findings) {
      if ((lastAt.get(fd.ruleId) ?? -Infinity) >= new Date(fd.at).getTime()) continue;
      // Gated as migration 014's trigger gates every 'missing' zone alert.
      if (!['active', 'evaluation'].includes(e.state) || new Date(fd.at) < (e.schedules_from ?? new Date(-8.64e15))) continue;
      const up = await alerts.upsertFromFinding(q, { patientId: e.patient_id, episodeId: e.id, planId: e.plan_id, finding: fd });
      await q.query('update alerts set kind = $2 where id = $1', [up.alert.id, missingAlertKind(fd.code!)]);
    }
    // Inactive: only for a plan that expects something, in a state that alerts, once per silence.
    const scheduled = [...plan.value.measures, ...plan.value.questionnaires].some((m) => m.schedule.kind !== 'as_needed');
    if (!scheduled || !['active', 'evaluation'].includes(e.state)) continue;
    const fd = detectInactive({
      lastActivityAt: e.last_at, schedulesFrom: e.schedules_from, startedAt: e.started_at, days: e.days ?? DEFAULT_INACTIVE_DAYS,
      now, timeZone: e.time_zone, planVersion: e.version,
    });
    if (!fd) continue;
    const before = await q.query(`select 1 from alerts where episode_id = $1 and rule_id = 'inactive' and first_at >= $2`, [e.id, fd.at]);
    if (before.rows.length > 0) continue;
    const up = await alerts.upsertFromFinding(q, { patientId: e.patient_id, episodeId: e.id, planId: e.plan_id, finding: fd });
    await q.query(`update alerts set kind = 'inactive' where id = $1`, [up.alert.id]);
  }
}

const daily = (dueBy: string, graceMinutes: number): Schedule => ({ kind: 'daily', dueBy, graceMinutes });
const planWith = (measures: { code: 'spo2' | 'heart_rate' | 'weight'; schedule: Schedule }[], questionnaire?: Schedule): PlanDefinition => ({
  measures: measures.map((m) => ({ ...m, thresholds: {}, actions: { green: { nb: 'g', nn: 'g', en: 'g' }, yellow: { nb: 'y', nn: 'y', en: 'y' }, red: { nb: 'r', nn: 'r', en: 'r' } } })),
  questionnaires: questionnaire ? [{ code: 'cat', schedule: questionnaire, thresholds: {}, actions: { green: { nb: 'g', nn: 'g', en: 'g' }, yellow: { nb: 'y', nn: 'y', en: 'y' }, red: { nb: 'r', nn: 'r', en: 'r' } } }] : [],
  trendRules: [], news2: { enabled: false, scale: 1 }, medicines: '', contacts: '',
});

let serial = 0;
/** A new synthetic patient (month + 80) with an active episode in municipality A and an approved plan. */
async function enrol(timeZone: string, definition: unknown, approvedAt: Date): Promise<{ patientId: string; episodeId: string; planId: string }> {
  serial++;
  const identifier = `${String(10 + (serial % 18))}${81 + (serial % 12)}70${String(serial).padStart(5, '0')}`;
  const patientId = (await db.query<{ id: string }>(
    `insert into patients (identifier, identifier_system, name, birth_date, sex) values ($1, 'fnr', $2, '1970-01-10', 'female') returning id`,
    [identifier, `Testpasient ${serial}`],
  )).rows[0]!.id;
  const episodeId = (await db.query<{ id: string }>(
    `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, time_zone, started_at) values ($1, 'medium', $2, $3, $4, $5, $2) returning id`,
    [patientId, new Date(approvedAt.getTime() - 86_400_000), f.people.gp, f.orgs.muniA, timeZone],
  )).rows[0]!.id;
  await db.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1, $2, 'follow_up')`, [episodeId, f.orgs.muniA]);
  const planId = (await db.query<{ id: string }>(
    `insert into plans (episode_id, version, status, definition, created_by, approved_by, approved_at) values ($1, 3, 'approved', $2, $3, $3, $4) returning id`,
    [episodeId, JSON.stringify(definition), f.people.gp, approvedAt],
  )).rows[0]!.id;
  return { patientId, episodeId, planId };
}

async function endEpisodes(ids: string[]): Promise<void> {
  await db.query(`update episodes set status = 'ended', ended_at = now() where id = any($1::uuid[])`, [ids]);
}

test('overdue measurements raise one missing alert per measure, and a repeat sweep adds nothing', async () => {
  // Test plan: SpO2 and pulse daily by 10:00 Oslo time + 60 min grace. 12:00 Oslo in winter = 11:00Z.
  const now = new Date(Date.now());
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 11, 30));
  const probe = at > now ? new Date(at.getTime() - 86_400_000) : at;
  await db.query(`update plans set approved_at = $2 where id = $1`, [f.patient.planId, new Date(probe.getTime() - 3 * 86_400_000)]);
  const first = await sweepMissing(db, probe);
  assert.ok(first.raised >= 2, JSON.stringify(first));
  assert.deepEqual((await missingAlerts()).map((a) => [a.rule_id, a.status, a.occurrences]), [
    ['missing:heart_rate', 'open', 1],
    ['missing:spo2', 'open', 1],
  ]);
  const again = await sweepMissing(db, new Date(probe.getTime() + 60_000));
  assert.equal(again.raised, 0);
  assert.deepEqual((await missingAlerts()).map((a) => a.occurrences), [1, 1]);
  // Nothing is looked at again before the next deadline.
  assert.equal(again.episodes, 0);
});

test("one episode's bad data (unknown time zone, malformed plan) is logged and skipped; the others are swept", async () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const approved = new Date('2026-03-01T00:00:00Z');
  const good = planWith([{ code: 'spo2', schedule: daily('09:00', 30) }]);
  const badZone = await enrol('Mars/Olympus', good, approved);
  const badPlan = await enrol('Europe/Oslo', { measures: 'every day', questionnaires: [] }, approved);
  const ok = await enrol('Europe/Oslo', good, approved);
  const warnings: string[] = [];
  const r = await sweepMissing(db, now, { log: { warn: (_o, msg) => warnings.push(msg) } });
  assert.equal(r.failed, 2, JSON.stringify(r));
  assert.equal(warnings.length, 2);
  assert.deepEqual((await missingAlerts(ok.episodeId)).map((a) => a.rule_id), ['missing:spo2']);
  assert.deepEqual(await missingAlerts(badZone.episodeId), []);
  assert.deepEqual(await missingAlerts(badPlan.episodeId), []);
  // The bad episode is not retried (and logged) every minute.
  const again = await sweepMissing(db, new Date(now.getTime() + 60_000), { log: { warn: (_o, msg) => warnings.push(msg) } });
  assert.equal(again.failed, 0);
  assert.equal(warnings.length, 2);
  // Once the zone is fixed, the episode is swept.
  await db.query(`update episodes set time_zone = 'Europe/Oslo' where id = $1`, [badZone.episodeId]);
  await sweepMissing(db, new Date(now.getTime() + 120_000));
  assert.deepEqual((await missingAlerts(badZone.episodeId)).map((a) => a.rule_id), ['missing:spo2']);
  await endEpisodes([badZone.episodeId, badPlan.episodeId, ok.episodeId]);
});

test('an episode whose alert cannot be written is skipped; the rest of its batch is swept', async () => {
  const now = new Date('2026-03-12T12:00:00Z');
  const approved = new Date('2026-03-01T00:00:00Z');
  const plan = planWith([{ code: 'weight', schedule: daily('08:00', 0) }]);
  const eps = [await enrol('Europe/Oslo', plan, approved), await enrol('Europe/Oslo', plan, approved), await enrol('Europe/Oslo', plan, approved)];
  const poisoned = eps[1]!;
  // Stands in for data no statement can take (a broken row, a constraint some later migration adds).
  await db.exec(`create function poison_alert() returns trigger language plpgsql as $$
    begin if new.patient_id = '${poisoned.patientId}' then raise exception 'poisoned'; end if; return new; end $$`);
  await db.exec(`create trigger poison_alert before insert on alerts for each row execute function poison_alert()`);
  try {
    const warnings: string[] = [];
    const r = await sweepMissing(db, now, { log: { warn: (_o, msg) => warnings.push(msg) } });
    assert.equal(r.failed, 1, JSON.stringify(r));
    assert.deepEqual(warnings, ['missing-measurement sweep: episode skipped']);
    assert.deepEqual((await missingAlerts(eps[0]!.episodeId)).map((a) => a.rule_id), ['missing:weight']);
    assert.deepEqual((await missingAlerts(eps[2]!.episodeId)).map((a) => a.rule_id), ['missing:weight']);
    assert.deepEqual(await missingAlerts(poisoned.episodeId), []);
  } finally {
    await db.exec('drop trigger poison_alert on alerts; drop function poison_alert()');
    await endEpisodes(eps.map((e) => e.episodeId));
  }
});

test('a new plan version takes effect at the next sweep', async () => {
  const now = new Date('2026-04-02T12:00:00Z');
  const e = await enrol('Europe/Oslo', planWith([{ code: 'spo2', schedule: { kind: 'as_needed' } }]), new Date('2026-03-20T00:00:00Z'));
  assert.equal((await sweepMissing(db, now)).raised, 0);
  await db.query(`update plans set status = 'superseded' where id = $1`, [e.planId]);
  await db.query(
    `insert into plans (episode_id, version, status, definition, created_by, approved_by, approved_at) values ($1, 4, 'approved', $2, $3, $3, $4)`,
    [e.episodeId, JSON.stringify(planWith([{ code: 'weight', schedule: daily('08:00', 0) }])), f.people.gp, new Date('2026-03-25T00:00:00Z')],
  );
  assert.equal((await sweepMissing(db, new Date(now.getTime() + 60_000))).raised, 1);
  assert.deepEqual((await missingAlerts(e.episodeId)).map((a) => a.rule_id), ['missing:weight']);
  await endEpisodes([e.episodeId]);
});

const kinds = async (episodeId: string) =>
  (await db.query<{ rule_id: string; kind: string; status: string; first_at: Date }>(
    `select rule_id, kind, status, first_at from alerts where episode_id = $1 and zone = 'missing' order by rule_id, created_at`, [episodeId],
  )).rows;
const reading = (e: { patientId: string; episodeId: string }, code: string, at: Date) =>
  db.query(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key)
     values ($1, $2, $3, 1, '1', $4, 'patient', 'patient:test', $5)`,
    [e.patientId, e.episodeId, code, at, `r${at.getTime()}${code}`],
  );
const H = 3_600_000;

test('what did not happen has its own kind: missing_measurement, missing_questionnaire, inactive (VKP 5.3.2, 5.3.1, 5.3)', async () => {
  // Tuesday 12 May 2026, 14:00 in Oslo. SpO2 daily by 09:00; CAT on Mondays by 10:00; nothing ever sent.
  const now = new Date('2026-05-12T12:00:00Z');
  const e = await enrol('Europe/Oslo', planWith([{ code: 'spo2', schedule: daily('09:00', 30) }], { kind: 'weekly', weekdays: [1], dueBy: '10:00', graceMinutes: 60 }), new Date('2026-05-01T00:00:00Z'));
  const r = await sweepMissing(db, now);
  assert.ok(r.raised >= 2 && r.inactive >= 1, JSON.stringify(r));
  assert.deepEqual((await kinds(e.episodeId)).map((a) => [a.rule_id, a.kind, a.status]), [
    ['inactive', 'inactive', 'open'],
    ['missing:cat', 'missing_questionnaire', 'open'],
    ['missing:spo2', 'missing_measurement', 'open'],
  ]);
  // Silent since the episode started (a day before the plan was approved).
  assert.equal((await kinds(e.episodeId))[0]!.first_at.toISOString(), '2026-04-30T00:00:00.000Z');
  await endEpisodes([e.episodeId]);
});

test('inactive after N days without anything (default 3, per follow-up service); answered by any reading, raised once per silence', async () => {
  const t0 = new Date('2026-06-10T12:00:00Z');
  const plan = planWith([{ code: 'weight', schedule: daily('08:00', 120) }]);
  const e = await enrol('Europe/Oslo', plan, new Date(t0.getTime() - 10 * 24 * H));
  await reading(e, 'weight', new Date(t0.getTime() - 70 * H));
  const inactive = async () => (await kinds(e.episodeId)).filter((a) => a.kind === 'inactive');
  await sweepMissing(db, t0);
  assert.deepEqual(await inactive(), [], '70 h of silence is not 3 days');
  await sweepMissing(db, new Date(t0.getTime() + 2 * H + 60_000));
  assert.deepEqual((await inactive()).map((a) => [a.status, a.first_at.toISOString()]), [['open', new Date(t0.getTime() - 70 * H).toISOString()]]);
  assert.equal((await sweepMissing(db, new Date(t0.getTime() + 3 * H))).inactive, 0, 'not raised twice for one silence');
  // The patient sends something: the alert is answered at once (trigger), by the system.
  await reading(e, 'weight', new Date(t0.getTime() + 3 * H));
  const [answered] = await inactive();
  assert.equal(answered!.status, 'resolved');
  assert.equal((await db.query(`select resolved_by from alerts where episode_id = $1 and rule_id = 'inactive'`, [e.episodeId])).rows[0]!['resolved_by'], null);
  assert.equal((await sweepMissing(db, new Date(t0.getTime() + 4 * H))).inactive, 0, 'not raised again after the reading');
  // Silent again for 3 days from that reading: a new alert.
  await sweepMissing(db, new Date(t0.getTime() + 75 * H + 60_000));
  assert.deepEqual((await inactive()).map((a) => a.status), ['resolved', 'open']);

  // The follow-up service's own setting: 5 days.
  await db.query('update organisations set inactive_after_days = 5 where id = $1', [f.orgs.muniA]);
  try {
    const t1 = new Date('2026-07-01T12:00:00Z');
    const e5 = await enrol('Europe/Oslo', plan, new Date(t1.getTime() - 20 * 24 * H));
    await reading(e5, 'weight', new Date(t1.getTime() - 4 * 24 * H));
    await sweepMissing(db, t1);
    assert.deepEqual((await kinds(e5.episodeId)).filter((a) => a.kind === 'inactive'), [], '4 days < 5');
    const r = await sweepMissing(db, new Date(t1.getTime() + 24 * H + 60_000));
    assert.equal(r.inactive, 1, JSON.stringify(r));
    assert.match((await db.query<{ summary: { en: string } }>(`select summary from alerts where episode_id = $1 and rule_id = 'inactive'`, [e5.episodeId])).rows[0]!.summary.en, /for 5 days/);
    await endEpisodes([e5.episodeId]);
  } finally {
    await db.query('update organisations set inactive_after_days = null where id = $1', [f.orgs.muniA]);
  }
  await endEpisodes([e.episodeId]);
});

test('nothing of the kind while paused, in onboarding or baseline, or ended; a resume restarts the clocks', async () => {
  const t0 = new Date('2026-08-20T12:00:00Z');
  const plan = planWith([{ code: 'spo2', schedule: daily('09:00', 30) }], { kind: 'weekly', weekdays: [1, 4], dueBy: '10:00', graceMinutes: 60 });
  const approved = new Date(t0.getTime() - 12 * 24 * H);
  const paused = await enrol('Europe/Oslo', plan, approved);
  const baseline = await enrol('Europe/Oslo', plan, approved);
  const onboarding = await enrol('Europe/Oslo', plan, approved);
  const ended = await enrol('Europe/Oslo', plan, approved);
  const control = await enrol('Europe/Oslo', plan, approved);
  await db.query(`update episodes set state = 'paused', status = 'paused', paused_at = $2 where id = $1`, [paused.episodeId, approved]);
  await db.query(`update episodes set state = 'baseline' where id = $1`, [baseline.episodeId]);
  await db.query(`update episodes set state = 'onboarding' where id = $1`, [onboarding.episodeId]);
  await endEpisodes([ended.episodeId]);
  await sweepMissing(db, t0);
  for (const e of [paused, baseline, onboarding, ended]) assert.deepEqual(await kinds(e.episodeId), [], e.episodeId);
  assert.deepEqual((await kinds(control.episodeId)).map((a) => a.kind), ['inactive', 'missing_questionnaire', 'missing_measurement']);
  // Baseline rows are kept and re-checked: still nothing a day later.
  await sweepMissing(db, new Date(t0.getTime() + 24 * H));
  assert.deepEqual(await kinds(baseline.episodeId), []);
  // Resumed now: what was due while paused is not missed, and the inactivity clock starts at the resume.
  const resumed = new Date(t0.getTime() + 24 * H + 30 * 60_000);
  await db.query(`update episodes set state = 'active', status = 'active', paused_at = null, schedules_from = $2 where id = $1`, [paused.episodeId, resumed]);
  await sweepMissing(db, new Date(resumed.getTime() + 60_000));
  assert.deepEqual(await kinds(paused.episodeId), []);
  await sweepMissing(db, new Date(resumed.getTime() + 72 * H));
  const after = await kinds(paused.episodeId);
  assert.deepEqual(after.map((a) => a.kind).sort(), ['inactive', 'missing_measurement', 'missing_questionnaire']);
  assert.equal(after.find((a) => a.kind === 'inactive')!.first_at.toISOString(), resumed.toISOString());
  await endEpisodes([paused.episodeId, baseline.episodeId, onboarding.episodeId, control.episodeId]);
});

test("local days in the patient's zone across Oslo's DST changes: the due instant moves with the clock, a reading after local midnight counts for the new day", async () => {
  const plan = planWith([{ code: 'weight', schedule: daily('10:00', 0) }]);
  const missingWeight = async (e: { episodeId: string }) =>
    (await kinds(e.episodeId)).filter((a) => a.rule_id === 'missing:weight').map((a) => a.first_at.toISOString());
  // Spring, Sunday 29 March 2026: 10:00 CEST is 08:00Z (not 09:00Z as on the day before).
  const spring = await enrol('Europe/Oslo', plan, new Date('2026-03-20T00:00:00Z'));
  await reading(spring, 'weight', new Date('2026-03-28T08:30:00Z'));
  await sweepMissing(db, new Date('2026-03-29T08:30:00Z'));
  assert.deepEqual(await missingWeight(spring), ['2026-03-29T08:00:00.000Z']);
  // The night after: 22:30Z on the 29th is 00:30 on the 30th in Oslo (counts for the 30th), 21:30Z is 23:30 on the 29th (does not).
  const afterMidnight = await enrol('Europe/Oslo', plan, new Date('2026-03-25T00:00:00Z'));
  const beforeMidnight = await enrol('Europe/Oslo', plan, new Date('2026-03-25T00:00:00Z'));
  await reading(afterMidnight, 'weight', new Date('2026-03-29T22:30:00Z'));
  await reading(beforeMidnight, 'weight', new Date('2026-03-29T21:30:00Z'));
  await sweepMissing(db, new Date('2026-03-30T08:30:00Z'));
  assert.deepEqual(await missingWeight(afterMidnight), []);
  assert.deepEqual(await missingWeight(beforeMidnight), ['2026-03-30T08:00:00.000Z']);
  // Autumn, Sunday 25 October 2026: 10:00 CET is 09:00Z; at 08:30Z nothing is due yet that day.
  const autumn = await enrol('Europe/Oslo', plan, new Date('2026-10-15T00:00:00Z'));
  await reading(autumn, 'weight', new Date('2026-10-24T07:00:00Z'));
  await sweepMissing(db, new Date('2026-10-25T08:30:00Z'));
  assert.deepEqual(await missingWeight(autumn), []);
  await sweepMissing(db, new Date('2026-10-25T09:00:00Z'));
  assert.deepEqual(await missingWeight(autumn), ['2026-10-25T09:00:00.000Z']);
  await endEpisodes([spring.episodeId, afterMidnight.episodeId, beforeMidnight.episodeId, autumn.episodeId]);
});

test("a reading dated a little ahead of the sweep's clock (a device or server clock within the tolerance) answers its schedule", async () => {
  // The readings probe has an upper bound a day past the sweep's now, so the months made ahead are
  // pruned; a reading stored a few minutes ahead of the sweeping process's clock must still count.
  const plan = planWith([{ code: 'weight', schedule: daily('10:00', 0) }]);
  const ahead = await enrol('Europe/Oslo', plan, new Date('2026-02-01T00:00:00Z'));
  const none = await enrol('Europe/Oslo', plan, new Date('2026-02-01T00:00:00Z'));
  // 10:00 in Oslo in winter is 09:00Z; the sweep runs at 09:05Z, the reading is dated 09:09Z.
  await reading(ahead, 'weight', new Date('2026-02-10T09:09:00Z'));
  await sweepMissing(db, new Date('2026-02-10T09:05:00Z'));
  const missing = async (e: { episodeId: string }) => (await kinds(e.episodeId)).filter((a) => a.rule_id === 'missing:weight').length;
  assert.equal(await missing(ahead), 0);
  assert.equal(await missing(none), 1);
  await endEpisodes([ahead.episodeId, none.episodeId]);
});

test('on the worklist a patient silent for days comes before one who missed only a weekly questionnaire', async () => {
  // Tuesday 15 September 2026, 14:00 in Oslo. CAT on Mondays by 10:00 (+1 h).
  const now = new Date('2026-09-15T12:00:00Z');
  const cat = { kind: 'weekly' as const, weekdays: [1], dueBy: '10:00', graceMinutes: 60 };
  const approved = new Date('2026-08-20T00:00:00Z');
  // Measures SpO2 every morning but skipped Monday's CAT: a missed questionnaire, nothing more.
  const busy = await enrol('Europe/Oslo', planWith([{ code: 'spo2', schedule: daily('09:00', 30) }], cat), approved);
  for (let d = 0; d < 5; d++) await reading(busy, 'spo2', new Date(now.getTime() - 6 * H - d * 24 * H));
  // Answered the CAT last Tuesday (it counts for Monday's) and nothing since: inactive.
  const silent = await enrol('Europe/Oslo', planWith([], cat), approved);
  await reading(silent, 'cat', new Date('2026-09-08T08:00:00Z'));
  await sweepMissing(db, now);
  assert.deepEqual((await kinds(busy.episodeId)).map((a) => a.kind), ['missing_questionnaire']);
  assert.deepEqual((await kinds(silent.episodeId)).map((a) => a.kind), ['inactive']);
  const order = (await db.query<{ episode_id: string }>(
    `select episode_id from worklist_rows where organisation_id = $1 and episode_id = any($2::uuid[])
      order by status_rank, order_sub, order_severity, order_time, episode_id`,
    [f.orgs.muniA, [busy.episodeId, silent.episodeId]],
  )).rows.map((r) => r.episode_id);
  assert.deepEqual(order, [silent.episodeId, busy.episodeId]);
  await endEpisodes([busy.episodeId, silent.episodeId]);
});

/** The plan of `sql` when an index can serve it at all (the test tables are too small for the planner to prefer one). */
async function indexPlan(sql: string, params: unknown[]): Promise<string> {
  return db.tx(async (tx) => {
    await tx.query('set local enable_seqscan = off');
    await tx.query('set local enable_bitmapscan = off');
    return (await tx.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

test("a due batch walks its own partition's deadline index (migration 049), not every schedule row (PostgreSQL)", async (t) => {
  if (db.kind !== 'postgres') return t.skip('PGlite sweeps one partition, by episode_schedule_due');
  // The index is built on the partition expression with 8 partitions: a change of PARTS or of
  // IN_PART's expression without a new index would leave every due batch reading the whole table.
  const plan = await indexPlan(
    `select s.episode_id from episode_schedule s
      where s.next_due_at <= now() and s.code <> 'inactive' and ${IN_PART('s.episode_id', '$1', PARTS)}
      order by s.next_due_at, s.episode_id limit 2500`, [3]);
  assert.match(plan, /Index (Only )?Scan using episode_schedule_part_due/);
  assert.doesNotMatch(plan, /Sort/);
});

test("a sync batch claims from its own partition's episode index (migration 050), not every partition's marks (PostgreSQL)", async (t) => {
  if (db.kind !== 'postgres') return t.skip('PGlite sweeps one partition, by the primary key');
  // Built on the partition expression with 8 partitions, like 049: walking the primary key instead
  // reads and drops the other seven partitions' marks for every claim.
  const plan = await indexPlan(
    `select episode_id, gen from episode_schedule_dirty
      where ${IN_PART('episode_id', '$1', PARTS)} and episode_id > $2 order by episode_id limit 500`,
    [3, '00000000-0000-0000-0000-000000000000']);
  assert.match(plan, /Index Scan using episode_schedule_dirty_part/);
  assert.doesNotMatch(plan, /Filter|Sort/);
});

test('nextDeadline is the first deadline after now, across the spring DST change in Oslo', () => {
  // 2026-03-29: clocks go from 02:00 to 03:00 CET→CEST. Due 09:00 local + 30 min = 07:30Z that day.
  assert.equal(nextDeadline(daily('09:00', 30), new Date('2026-03-28T09:00:00Z'), 'Europe/Oslo')?.toISOString(), '2026-03-29T07:30:00.000Z');
  assert.equal(nextDeadline(daily('09:00', 30), new Date('2026-03-28T08:00:00Z'), 'Europe/Oslo')?.toISOString(), '2026-03-28T08:30:00.000Z');
  // Weekly on Mondays with a week's grace: the deadline of the occurrence 6 days ago is still ahead.
  assert.equal(
    nextDeadline({ kind: 'weekly', weekdays: [1], dueBy: '10:00', graceMinutes: 7 * 24 * 60 }, new Date('2026-03-08T12:00:00Z'), 'UTC')?.toISOString(),
    '2026-03-09T10:00:00.000Z',
  );
  assert.equal(nextDeadline({ kind: 'as_needed' }, new Date(), 'UTC'), null);
});

// ---------------------------------------------------------------- property

const ZONES = ['Europe/Oslo', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'Not/AZone'] as const;
const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 59)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const scheduleArb: fc.Arbitrary<Schedule> = fc.oneof(
  fc.record({ kind: fc.constant('daily' as const), dueBy: hhmm, graceMinutes: fc.constantFrom(0, 30, 60, 600, 1440, 3000) }),
  fc.record({
    kind: fc.constant('weekly' as const),
    weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
    dueBy: hhmm,
    graceMinutes: fc.constantFrom(0, 60, 1440, 10080),
  }),
  fc.constant({ kind: 'as_needed' as const }),
);
const HOUR = 3_600_000;
const episodeArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  measures: fc.uniqueArray(fc.record({ code: fc.constantFrom('spo2' as const, 'heart_rate' as const, 'weight' as const), schedule: scheduleArb }), { selector: (m) => m.code, maxLength: 3 }),
  questionnaire: fc.option(scheduleArb, { nil: undefined }),
  approvedHoursAgo: fc.integer({ min: 0, max: 20 * 24 }),
  readings: fc.array(fc.record({ code: fc.constantFrom('spo2', 'heart_rate', 'weight', 'cat'), hoursAgo: fc.integer({ min: -2, max: 12 * 24 }) }), { maxLength: 6 }),
  priorAlerts: fc.array(fc.record({ code: fc.constantFrom('spo2', 'heart_rate', 'weight', 'cat'), hoursAgo: fc.integer({ min: 0, max: 10 * 24 }), resolved: fc.boolean() }), { maxLength: 2 }),
  // Pathway step (coarse status 'active' in each) and the start of the current follow-up period (activation, resume).
  state: fc.constantFrom('active', 'active', 'evaluation', 'baseline'),
  resumedHoursAgo: fc.option(fc.integer({ min: 0, max: 8 * 24 }), { nil: null }),
  priorInactive: fc.option(fc.record({ hoursAgo: fc.integer({ min: 0, max: 10 * 24 }), resolved: fc.boolean() }), { nil: null }),
});

/**
 * A second handle on the same store, as another app process has: on PostgreSQL its own pool (its own
 * connections and advisory locks); on PGlite, whose one connection a second process cannot open,
 * another object over the same connection (so sweepMissing does not merge it with a running sweep).
 */
async function secondHandle(): Promise<{ db: Db; close: () => Promise<void> }> {
  if (db.kind !== 'postgres') return { db: Object.create(db) as Db, close: async () => undefined };
  const name = (await db.query<{ name: string }>('select current_database() as name')).rows[0]!.name;
  const other = await openPostgres(databaseUrl(process.env.TEST_DATABASE_URL!, name), { max: 5 });
  return { db: other, close: () => other.close() };
}

test('two sweeps at the same time (two processes, several connections each) raise each alert exactly once', async () => {
  const now = new Date('2026-05-06T12:00:00Z');
  const plan = planWith([{ code: 'spo2', schedule: daily('08:00', 30) }, { code: 'weight', schedule: daily('07:00', 0) }], daily('09:00', 60));
  const eps: { episodeId: string }[] = [];
  for (let i = 0; i < 24; i++) eps.push(await enrol(i % 3 === 0 ? 'America/New_York' : 'Europe/Oslo', plan, new Date('2026-05-01T00:00:00Z')));
  const ids = eps.map((e) => e.episodeId);
  const other = await secondHandle();
  try {
    // Small batches and three connections each: many short transactions of both sweeps interleave.
    const both = (at: Date) => Promise.all([sweepMissing(db, at, { batchSize: 2, workers: 3 }), sweepMissing(other.db, at, { batchSize: 2, workers: 3 })]);
    // New plans (the schedules written and looked at), then the next day's deadlines (the due pass).
    const first = await both(now);
    const second = await both(new Date(now.getTime() + 86_400_000));
    const rows = (await db.query<{ rule_id: string; n: number; occurrences: number; findings: number }>(
      `select rule_id, count(*)::int as n, sum(occurrences)::int as occurrences, sum(jsonb_array_length(findings))::int as findings
         from alerts where episode_id = any($1::uuid[]) group by episode_id, rule_id`,
      [ids],
    )).rows;
    // Each episode: three missed entries on each of two days (raised, then merged once) and one silence.
    const want = (rule: string) => (rule === 'inactive' ? 1 : 2);
    assert.equal(rows.length, 24 * 4);
    for (const r of rows) assert.deepEqual([r.n, r.occurrences, r.findings], [1, want(r.rule_id), want(r.rule_id)], r.rule_id);
    assert.equal(first[0].raised + first[1].raised, 24 * 3);
    assert.equal(first[0].inactive + first[1].inactive, 24);
    assert.equal(second[0].raised + second[1].raised + second[0].inactive + second[1].inactive, 0, 'merges are not new alerts');
  } finally {
    await other.close();
    await endEpisodes(ids);
  }
});

test('a plan approved while a sweep claims its already marked episode is synced by the next sweep, not lost', {
  skip: TEST_DB_KIND === 'postgres' ? false : 'PostgreSQL only: PGlite runs one statement at a time',
}, async () => {
  const now = new Date('2026-05-06T12:00:00Z');
  const e = await enrol('Europe/Oslo', planWith([{ code: 'spo2', schedule: { kind: 'as_needed' } }]), new Date('2026-05-01T00:00:00Z'));
  await sweepMissing(db, now);
  const marked = async () => (await db.query<{ gen: number }>('select gen::int from episode_schedule_dirty where episode_id = $1', [e.episodeId])).rows[0]?.gen;
  assert.equal(await marked(), undefined, 'the first sweep took the new episode\'s mark');
  // Marked already (its time zone changed, say), and not yet swept.
  await db.query('update episodes set time_zone = $2 where id = $1', [e.episodeId, 'Europe/Stockholm']);
  assert.equal(await marked(), 1);
  const other = await secondHandle();
  try {
    // The GP approves a new version with a daily weight; the sweep's claim starts after the
    // approval has bumped the mark and before it commits.
    let bumped!: () => void;
    const markBumped = new Promise<void>((resolve) => (bumped = resolve));
    const approved = other.db.tx(async (tx) => {
      await tx.query(`update plans set status = 'superseded' where id = $1`, [e.planId]);
      await tx.query(
        `insert into plans (episode_id, version, status, definition, created_by, approved_by, approved_at) values ($1, 2, 'approved', $2, $3, $3, $4)`,
        [e.episodeId, JSON.stringify(planWith([{ code: 'weight', schedule: daily('08:00', 0) }])), f.people.gp, new Date('2026-05-02T00:00:00Z')],
      );
      bumped();
      // Hold the transaction open until the sweep waits for the episode's mark.
      for (let i = 0; i < 400; i++) {
        const waiting = (await db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%episode_schedule_dirty%' and datname = current_database()`,
        )).rows[0]!.n;
        if (waiting > 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the sweep never waited for the mark');
    });
    await Promise.race([markBumped, approved]);
    const sweep = sweepMissing(db, new Date(now.getTime() + 60_000));
    await approved;
    await sweep;
    // The claim saw the mark as it was before the approval, so it left it (and the old plan) alone.
    assert.ok(((await marked()) ?? 0) > 1, 'the approval bumped the mark, and the sweep left it');
    assert.deepEqual((await db.query<{ code: string }>('select code from episode_schedule where episode_id = $1 order by code', [e.episodeId])).rows.map((r) => r.code), []);
    // The next sweep syncs the new plan: the weight is scheduled (and, overdue, alerted).
    await sweepMissing(db, new Date(now.getTime() + 120_000));
    assert.equal(await marked(), undefined);
    assert.deepEqual((await db.query<{ code: string }>('select code from episode_schedule where episode_id = $1 order by code', [e.episodeId])).rows.map((r) => r.code), ['inactive', 'weight']);
  } finally {
    await other.close();
    await endEpisodes([e.episodeId]);
  }
});

async function snapshotAlerts(q: Queryable, episodeIds: string[]): Promise<unknown[]> {
  return (await q.query(
    `select episode_id, rule_id, kind, zone, status, plan_version, summary, findings, first_at, last_at, occurrences from alerts
      where episode_id = any($1::uuid[]) order by episode_id, rule_id, status, first_at`,
    [episodeIds],
  )).rows;
}

test('property: the set-based sweep raises exactly what the per-episode reference raises, on random cohorts', { timeout: 600_000 }, async () => {
  const base = new Date('2026-03-20T00:00:00Z').getTime();
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(episodeArb, { minLength: 1, maxLength: 4 }),
      // Around the spring DST change in Europe and the US, at any minute of the day.
      fc.integer({ min: 0, max: 20 * 24 * 60 }),
      // Schedules written by an earlier sweep (the due pass looks at them) or new (looked at as they are written).
      fc.boolean(),
      // The follow-up service's inactivity setting (null: the default, 3 days).
      fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
      async (cohort, minutes, presynced, inactiveDays) => {
        const now = new Date(base + minutes * 60_000);
        const eps: string[] = [];
        await db.query('update organisations set inactive_after_days = $2 where id = $1', [f.orgs.muniA, inactiveDays]);
        for (const c of cohort) {
          const e = await enrol(c.zone, planWith(c.measures, c.questionnaire), new Date(now.getTime() - c.approvedHoursAgo * HOUR));
          eps.push(e.episodeId);
          for (const [i, r] of c.readings.entries()) {
            await db.query(
              `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key)
               values ($1, $2, $3, 1, '1', $4, 'patient', 'patient:test', $5)`,
              [e.patientId, e.episodeId, r.code, new Date(now.getTime() - r.hoursAgo * HOUR), `k${i}`],
            );
          }
          for (const a of c.priorAlerts) {
            const at = new Date(now.getTime() - a.hoursAgo * HOUR);
            await db.query(
              `insert into alerts (patient_id, episode_id, rule_id, kind, zone, status, plan_id, plan_version, summary, first_at, last_at, resolved_at)
               values ($1, $2, $3, 'missing', 'missing', $4, $5, 3, '{"nb":"x","nn":"x","en":"x"}', $6, $6, $7)
               on conflict do nothing`,
              [e.patientId, e.episodeId, `missing:${a.code}`, a.resolved ? 'resolved' : 'open', e.planId, at, a.resolved ? at : null],
            );
          }
          if (c.priorInactive) {
            const at = new Date(now.getTime() - c.priorInactive.hoursAgo * HOUR);
            await db.query(
              `insert into alerts (patient_id, episode_id, rule_id, kind, zone, status, plan_id, plan_version, summary, first_at, last_at, resolved_at)
               values ($1, $2, 'inactive', 'inactive', 'missing', $3, $4, 3, '{"nb":"x","nn":"x","en":"x"}', $5, $5, $6)`,
              [e.patientId, e.episodeId, c.priorInactive.resolved ? 'resolved' : 'open', e.planId, at, c.priorInactive.resolved ? at : null],
            );
          }
          await db.query('update episodes set state = $2, schedules_from = $3 where id = $1',
            [e.episodeId, c.state, c.resumedHoursAgo === null ? null : new Date(now.getTime() - c.resumedHoursAgo * HOUR)]);
        }
        // 30 days back every occurrence predates the plan (approved at most 20 days ago): nothing is raised.
        if (presynced) assert.equal((await sweepMissing(db, new Date(now.getTime() - 30 * 86_400_000))).raised, 0);
        let expected: unknown[] = [];
        const rollback = new Error('rollback');
        await db.tx(async (tx) => {
          await referenceSweep(tx, now);
          expected = await snapshotAlerts(tx, eps);
          throw rollback;
        }).catch((err: unknown) => {
          if (err !== rollback) throw err;
        });
        await sweepMissing(db, now, { batchSize: 3 });
        const actual = await snapshotAlerts(db, eps);
        await endEpisodes(eps);
        assert.deepEqual(actual, expected);
        for (const a of actual as { kind: string; status: string }[]) if (a.status === 'open') seen.add(a.kind);
      },
    ),
    { numRuns: 40 },
  );
  await db.query('update organisations set inactive_after_days = null where id = $1', [f.orgs.muniA]);
  // The cohorts did exercise every kind (a property that raises nothing on either side proves nothing).
  for (const k of ['missing_measurement', 'missing_questionnaire', 'inactive']) assert.ok(seen.has(k), `${k} never raised: ${[...seen].join(', ')}`);
});
