import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticFnr } from '../../domain/identifiers.js';
import { personnelCookie } from '../testing/fixtures.js';
import { countRows, useTestServer } from '../testing/server.js';
import { sweepMissing } from '../triage/missing-job.js';

/*
 * The care pathway end to end over the API (issue 12): referral → decision → onboarding →
 * baseline (safety limits only, per-patient proposal) → active ⇄ paused → evaluation → end, and a
 * declined referral whose reason goes back to the referrer.
 */
const env = useTestServer();
const call = (method: string, url: string, cookie: string | null, body?: unknown) => env.call(method, url, cookie, body);
const DAY = 86_400_000;
type Pathway = {
  state: string; actions: string[]; onboarding: { blockers: string[]; goals: string | null; consentAt: string | null };
  baseline: { proposal: { code: string; note: string; template: Record<string, number>; proposed: Record<string, number>; median: number | null }[] };
  evaluation: { due: boolean; nextAt: string | null; figures: { days: number; daysWithReadings: number; alerts: { red: number } } | null };
  end: { reason: string; summary: { text: string; equipmentToReturn: number } } | null;
  decision: { vedtakDate: string; decidedBy: string; declineReason: string | null } | null;
  transitions: { action: string; from: string | null; to: string; by: string | null }[];
};
const pathway = async (pid: string, cookie: string) => (await call('GET', `/api/patients/${pid}/pathway`, cookie)).body as unknown as Pathway;
const step = (pid: string, cookie: string, body: unknown) => call('POST', `/api/patients/${pid}/pathway`, cookie, body);

const referral = (identifier: string, extra: Record<string, unknown> = {}) => ({
  identifier, name: 'Per Henvist', source: 'gp', reason: 'KOLS med hyppige forverringer siste år, ønsker oppfølging hjemme.',
  diagnoses: [{ system: 'ICPC-2', code: 'R95', display: 'KOLS' }], riskLevel: 'high',
  inclusion: { chronicCondition: true, ableToConsent: true, ableToUseEquipment: true },
  followUpOrganisationId: env.f.orgs.muniA, templates: ['copd'], ...extra,
});

test('referral → accept → onboarding → baseline → active → pause → resume → evaluation → end', async () => {
  const { c, f, db } = env;
  const r = await call('POST', '/api/referrals', c.gp, referral(syntheticFnr('1950-03-03', 311)));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const pid = r.body!['patientId'] as string;
  const episodeId = r.body!['episodeId'] as string;
  const draftPlanId = r.body!['draftPlanId'] as string;

  // A referral is not on anybody's worklist yet, but the service has it to decide.
  assert.equal(await countRows(db, 'worklist_rows where episode_id = $1', [episodeId]), 0);
  const list = (await call('GET', '/api/referrals', c.nurseA)).body!['referrals'] as { episodeId: string; toDecide: boolean; inclusion: unknown }[];
  assert.ok(list.some((x) => x.episodeId === episodeId && x.toDecide));
  const tasks = (await call('GET', '/api/pathway/tasks', c.nurseA)).body!['tasks'] as { kind: string; patientId: string }[];
  assert.ok(tasks.some((t) => t.kind === 'referral' && t.patientId === pid));
  // Another municipality's nurse sees nothing of it.
  assert.equal((await call('GET', `/api/patients/${pid}/pathway`, c.nurseB)).status, 403);

  // The referrer does not decide (vedtak is the follow-up service's); the refusal is audited.
  const denied = await countRows(db, `audit_events where outcome = 'denied' and patient_id = $1`, [pid]);
  assert.equal((await step(pid, c.gp, { action: 'accept', vedtakDate: '2026-11-30' })).status, 403);
  assert.equal(await countRows(db, `audit_events where outcome = 'denied' and patient_id = $1`, [pid]), denied + 1);
  const acc = await step(pid, c.nurseA, { action: 'accept', vedtakDate: '2026-11-30' });
  assert.equal(acc.status, 200, JSON.stringify(acc.body));
  assert.equal(acc.body!['state'], 'onboarding');
  let p = await pathway(pid, c.nurseA);
  assert.equal(p.decision?.vedtakDate, '2026-11-30');
  assert.equal(p.decision?.decidedBy, 'Sykepleier A');
  assert.deepEqual(p.onboarding.blockers, ['consent', 'training:equipment', 'training:app', 'training:plan', 'training:contact', 'training:emergency', 'approved_plan']);

  // Baseline cannot start before consent, training and an approved plan.
  const early = await step(pid, c.nurseA, { action: 'start_baseline', days: 14 });
  assert.equal(early.status, 409);
  assert.equal((early.body!['error'] as { code: string }).code, 'onboarding_incomplete');
  assert.equal((await call('PUT', `/api/patients/${pid}/pathway/onboarding`, c.nurseA, {
    consent: { scope: 'Digital hjemmeoppfølging: målinger, skjema og meldinger deles med oppfølgingstjenesten og fastlegen.' },
    training: ['equipment', 'app', 'plan', 'contact', 'emergency'],
    goals: 'Klare meg hjemme og gå tur med hunden hver dag.',
  })).status, 200);
  assert.equal((await call('POST', `/api/patients/${pid}/plans/${draftPlanId}/approve`, c.gp)).status, 200);
  p = await pathway(pid, c.nurseA);
  assert.deepEqual(p.onboarding.blockers, []);
  assert.equal(p.onboarding.goals, 'Klare meg hjemme og gå tur med hunden hver dag.');
  // Out of range baseline lengths are refused (2–4 weeks).
  assert.equal((await step(pid, c.nurseA, { action: 'start_baseline', days: 7 })).status, 400);
  assert.equal((await step(pid, c.nurseA, { action: 'start_baseline', days: 21 })).body!['state'], 'baseline');

  // Baseline: a yellow pulse raises no alert, a red one does (safety limits stay on); no missing alerts.
  const reading = (key: string, value: number, at?: Date) => call('POST', `/api/patients/${pid}/observations`, c.nurseA, {
    idempotencyKey: key, measurements: [{ code: 'heart_rate', value }], ...(at ? { effectiveAt: at.toISOString() } : {}),
  });
  assert.equal((await reading('baseline-yellow', 115)).status, 201);
  assert.equal(await countRows(db, 'alerts where episode_id = $1', [episodeId]), 0, 'no yellow alert in baseline');
  const red = await reading('baseline-red', 135);
  assert.equal(red.status, 201, JSON.stringify(red.body));
  assert.equal(await countRows(db, `alerts where episode_id = $1 and zone = 'red'`, [episodeId]), 1, 'red alerts in baseline');
  await db.query(
    `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
     values ($1, $2, 'missing:spo2', 'missing', 'missing', $3, 1, '{}', '[]', now(), now())`, [pid, episodeId, draftPlanId]);
  assert.equal(await countRows(db, `alerts where episode_id = $1 and zone = 'missing'`, [episodeId]), 0, 'missing alert gated in baseline');

  // Three weeks of readings around 100/min (the baseline started 22 days ago).
  const start = Date.now() - 22 * DAY;
  await db.query('update episodes set baseline_started_at = $2 where id = $1', [episodeId, new Date(start)]);
  const values = [96, 100, 104, 100, 96, 104, 100, 100, 96, 104, 100, 100, 96, 104];
  for (const [i, v] of values.entries()) {
    const res = await reading(`baseline-${i}`, v, new Date(start + (i + 1) * DAY));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  p = await pathway(pid, c.gp);
  const hr = p.baseline.proposal.find((x) => x.code === 'heart_rate')!;
  assert.equal(hr.note, 'proposed');
  assert.deepEqual(hr.template, { redBelow: 41, yellowBelow: 51, yellowAbove: 110, redAbove: 130 });
  // 16 readings: the 14 above plus 115 and 135 → median 100, MAD 4 → yellow above 112.
  assert.equal(hr.proposed.yellowAbove, 112);
  assert.equal(hr.proposed.redAbove, 130);
  assert.ok((await call('GET', '/api/pathway/tasks', c.gp)).body!['tasks'] as unknown[]);

  // Only the GP approves the individualised plan.
  assert.equal((await step(pid, c.nurseA, { action: 'activate', useProposal: ['heart_rate'] })).status, 403);
  const act = await step(pid, c.gp, { action: 'activate', useProposal: ['heart_rate'] });
  assert.equal(act.status, 200, JSON.stringify(act.body));
  assert.equal(act.body!['state'], 'active');
  const plan = (await db.query<{ version: number; definition: { measures: { code: string; thresholds: Record<string, number> }[] } }>(
    `select version, definition from plans where episode_id = $1 and status = 'approved'`, [episodeId])).rows[0]!;
  assert.equal(plan.version, 2);
  assert.deepEqual(plan.definition.measures.find((m) => m.code === 'heart_rate')!.thresholds, hr.proposed);
  assert.equal(await countRows(db, 'worklist_rows where episode_id = $1', [episodeId]), 2, 'on the worklist of the service and the GP office');

  // Pause: off the worklist, no missing alerts, the patient's app is told why and until when.
  const until = new Date(Date.now() + 7 * DAY).toISOString().slice(0, 10);
  assert.equal((await step(pid, c.nurseA, { action: 'pause', reason: 'Innlagt på sykehus', until: '2020-01-01' })).status, 400, 'a pause ending in the past');
  assert.equal((await step(pid, c.nurseA, { action: 'pause', reason: 'Innlagt på sykehus', until })).body!['state'], 'paused');
  assert.equal(await countRows(db, 'worklist_rows where episode_id = $1', [episodeId]), 0);
  const own = (await call('GET', '/api/me/pathway', await patientCookieFor(pid))).body!;
  assert.deepEqual(own['pause'], { reason: 'Innlagt på sykehus', until });
  const today = (await call('GET', '/api/me/today', await patientCookieFor(pid))).body!;
  assert.deepEqual(today['tasks'], [], 'nothing is due while paused');
  assert.equal(today['paused'], true);
  assert.equal((await step(pid, c.nurseA, { action: 'pause', reason: 'x'.repeat(5), until })).status, 409, 'already paused');
  assert.equal((await step(pid, c.nurseA, { action: 'resume' })).body!['state'], 'active');
  // Occurrences due before the resume are not the patient's to miss.
  await db.query(
    `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
     values ($1, $2, 'missing:spo2', 'missing', 'missing', $3, 2, '{}', '[]', now() - interval '1 day', now() - interval '1 day')`, [pid, episodeId, draftPlanId]);
  assert.equal(await countRows(db, `alerts where episode_id = $1 and zone = 'missing'`, [episodeId]), 0);

  // Evaluation due → started → completed (continue) → next one three months on.
  await db.query(`update episodes set next_evaluation_at = now() - interval '1 day' where id = $1`, [episodeId]);
  assert.ok(((await call('GET', '/api/pathway/tasks', c.nurseA)).body!['tasks'] as { kind: string; patientId: string }[]).some((t) => t.kind === 'evaluation_due' && t.patientId === pid));
  p = await pathway(pid, c.nurseA);
  assert.equal(p.evaluation.due, true);
  assert.ok(p.evaluation.figures && p.evaluation.figures.days >= 1);
  assert.equal((await step(pid, c.nurseA, { action: 'start_evaluation' })).body!['state'], 'evaluation');
  const done = await step(pid, c.nurseA, { action: 'complete_evaluation', outcome: 'continue', patientView: 'Føler seg tryggere.', note: 'Fortsetter.' });
  assert.equal(done.body!['state'], 'active');
  p = await pathway(pid, c.nurseA);
  assert.ok(new Date(p.evaluation.nextAt!).getTime() > Date.now() + 80 * DAY);

  // End with a reason from the list; equipment left out is a task; the GP gets a summary.
  const dev = (await db.query<{ id: string }>(`insert into devices (organisation_id, serial, model, kind) values ($1,'PW-1','Nonin 3230','pulse_oximeter') returning id`, [f.orgs.muniA])).rows[0]!.id;
  await db.query('insert into device_loans (device_id, patient_id) values ($1,$2)', [dev, pid]);
  assert.equal((await step(pid, c.nurseA, { action: 'end', reason: 'tired' })).status, 400);
  const end = await step(pid, c.nurseA, { action: 'end', reason: 'goal_reached', note: 'Stabil i tre måneder.' });
  assert.equal(end.body!['state'], 'ended');
  assert.equal(end.body!['status'], 'ended');
  p = await pathway(pid, c.gp);
  assert.equal(p.end?.reason, 'goal_reached');
  assert.match(p.end!.summary.text, /Årsak: målet er nådd/);
  assert.match(p.end!.summary.text, /Nonin 3230 \(PW-1\)/);
  assert.ok(((await call('GET', '/api/pathway/tasks', c.nurseA)).body!['tasks'] as { kind: string; patientId: string }[]).some((t) => t.kind === 'equipment_return' && t.patientId === pid));
  assert.deepEqual(p.transitions.map((t) => t.action), ['refer', 'accept', 'start_baseline', 'activate', 'pause', 'resume', 'start_evaluation', 'complete_evaluation', 'end']);
  assert.equal(await countRows(db, `audit_events where patient_id = $1 and resource_type = 'EpisodeOfCare' and action = 'update' and outcome = 'success'`, [pid]), 9, 'eight steps and the onboarding record');
  // The transitions are append-only.
  await assert.rejects(db.query('delete from episode_transitions where episode_id = $1', [episodeId]));
});

test('declined referral: the reason goes back to the referring hospital; enrolment still starts an active episode', async () => {
  const { c, f } = env;
  const body = referral(syntheticFnr('1947-05-05', 412), { source: 'hospital', gpOrganisationId: f.orgs.gpOffice, templates: undefined });
  assert.equal((await call('POST', '/api/referrals', c.specialist, { ...body, source: 'gp' })).status, 400, 'a hospital sends hospital referrals');
  assert.equal((await call('POST', '/api/referrals', c.specialist, { ...body, gpOrganisationId: undefined })).status, 400, 'the GP office is required');
  const r = await call('POST', '/api/referrals', c.specialist, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const pid = r.body!['patientId'] as string;
  assert.equal((await call('POST', '/api/referrals', c.specialist, body)).status, 409, 'one open referral per patient');
  assert.equal((await step(pid, c.nurseA, { action: 'decline', reason: 'Kort' })).status, 400);
  assert.equal((await step(pid, c.nurseA, { action: 'decline', reason: 'Pasienten ønsker ikke oppfølging nå; anbefaler hjemmesykepleie.' })).body!['state'], 'declined');
  const sent = (await call('GET', '/api/referrals', c.specialist)).body!['referrals'] as { patientId: string; state: string; declineReason: string | null; toDecide: boolean }[];
  const mine = sent.find((x) => x.patientId === pid)!;
  assert.equal(mine.state, 'declined');
  assert.equal(mine.toDecide, false);
  assert.match(mine.declineReason!, /hjemmesykepleie/);
  // Declined closes the episode: nothing is open to write to any more.
  assert.equal((await step(pid, c.nurseA, { action: 'accept', vedtakDate: '2026-11-30' })).status, 403, 'a declined referral is final');

  // The GP's enrolment (consent given) skips referral and baseline: active at once, with its transition.
  const en = await call('POST', '/api/patients', c.gp, {
    identifier: syntheticFnr('1949-09-09', 513), name: 'Eva Innskrevet', diagnoses: [{ system: 'ICPC-2', code: 'K77', display: 'Hjertesvikt' }],
    riskLevel: 'high', consent: true, followUpOrganisationId: f.orgs.muniA,
  });
  assert.equal(en.status, 201);
  const p = await pathway(en.body!['patientId'] as string, c.nurseA);
  assert.equal(p.state, 'active');
  assert.deepEqual(p.transitions.map((t) => t.action), ['enrol']);
  assert.ok(p.evaluation.nextAt);
});

test('the missing-measurement sweep: nothing while paused, nothing for occurrences due before the resume; other patients still alerted', async () => {
  const { c, f, db } = env;
  const missing = async (episodeId: string) => countRows(db, `alerts where episode_id = $1 and zone = 'missing'`, [episodeId]);
  const until = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10);
  assert.equal((await step(f.patient.id, c.nurseA, { action: 'pause', reason: 'Ferie', until })).status, 200);
  await sweepMissing(db, new Date());
  assert.equal(await missing(f.patient.episodeId), 0, 'paused');
  // The control: the other patient (same plan, no readings either) is alerted by the same sweep.
  assert.ok((await missing(f.otherPatient.episodeId)) > 0, 'the sweep does raise for an active episode');
  assert.equal((await step(f.patient.id, c.nurseA, { action: 'resume' })).status, 200);
  await sweepMissing(db, new Date());
  assert.equal(await missing(f.patient.episodeId), 0, 'occurrences due before the resume are not missed');
});

async function patientCookieFor(pid: string): Promise<string> {
  const { patientCookie } = await import('../testing/fixtures.js');
  return patientCookie(env.db, pid);
}
void personnelCookie;
