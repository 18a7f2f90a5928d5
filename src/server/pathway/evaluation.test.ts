import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

/*
 * Evaluation at intervals (issue 12, nasjonale faglige råd for digital hjemmeoppfølging): a due
 * evaluation is a task for the nurse with adherence, alerts and contacts; the outcome — continue,
 * adjust the plan, or end — is recorded with the figures and the patient's own view.
 */
const env = useTestServer();
const DAY = 86_400_000;

type Transition = { action: string; from: string | null; to: string; details: Record<string, unknown> };
const pathway = async (cookie = env.c.nurseA) => {
  const r = await env.call('GET', `/api/patients/${env.f.patient.id}/pathway`, cookie);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as { state: string; actions: string[]; evaluation: { due: boolean; nextAt: string | null; figures: { days: number; daysWithReadings: number; adherence: number | null; alerts: { red: number; yellow: number; missing: number }; contacts: number; messages: number } | null }; transitions: Transition[] };
};
const step = (body: Record<string, unknown>, cookie = env.c.nurseA) => env.call('POST', `/api/patients/${env.f.patient.id}/pathway`, cookie, body);
const tasks = async () => ((await env.call('GET', '/api/pathway/tasks', env.c.nurseA)).body!.tasks as { kind: string; patientId: string }[]).filter((t) => t.patientId === env.f.patient.id).map((t) => t.kind);

test('due → a task with the figures → adjust the plan (recorded) → due again → end as the outcome (recorded)', async () => {
  // Something to evaluate: a reading that raised an alert, and a contact.
  assert.equal((await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'eval-sitting-1', measurements: [{ code: 'spo2', value: 90 }] })).status, 201);
  assert.equal((await env.call('POST', `/api/patients/${env.f.patient.id}/notes`, env.c.nurseA, { contactType: 'phone', text: 'Ringte om SpO2.' })).status, 201);

  assert.ok(!(await tasks()).includes('evaluation_due'), 'not due yet');
  await env.db.query(`update episodes set next_evaluation_at = now() - interval '1 hour' where id = $1`, [env.f.patient.episodeId]);
  assert.ok((await tasks()).includes('evaluation_due'), 'a task for the nurse when due');
  let p = await pathway();
  assert.equal(p.evaluation.due, true);
  const f = p.evaluation.figures!;
  assert.ok(f.days >= 1 && f.daysWithReadings >= 1 && f.adherence !== null, JSON.stringify(f));
  assert.equal(f.alerts.yellow, 1);
  assert.equal(f.contacts, 1);

  // Only the follow-up service runs evaluations.
  assert.equal((await step({ action: 'start_evaluation' }, env.c.gp)).status, 403);
  assert.equal((await step({ action: 'start_evaluation' })).status, 200);
  assert.ok((await tasks()).includes('evaluation'));
  assert.equal((await step({ action: 'complete_evaluation', outcome: 'stop' })).status, 400, 'outcome from the list only');
  const adj = await step({ action: 'complete_evaluation', outcome: 'adjust_plan', patientView: 'Vil måle sjeldnere.', note: 'Fastlegen justerer SpO2-grensen.' });
  assert.equal(adj.status, 200, JSON.stringify(adj.body));
  p = await pathway();
  assert.equal(p.state, 'active');
  const done = p.transitions.find((t) => t.action === 'complete_evaluation')!;
  assert.equal(done.details.outcome, 'adjust_plan');
  assert.equal(done.details.patientView, 'Vil måle sjeldnere.');
  assert.ok(done.details.figures, 'the figures are kept with the outcome');
  assert.ok(Date.parse(p.evaluation.nextAt!) > Date.now() + 80 * DAY, 'next one in three months');
  assert.ok(!(await tasks()).includes('evaluation_due'));

  // Next time the outcome is to end: ended from the evaluation, recorded as its outcome.
  await env.db.query(`update episodes set next_evaluation_at = now() - interval '1 hour' where id = $1`, [env.f.patient.episodeId]);
  assert.equal((await step({ action: 'start_evaluation' })).status, 200);
  const end = await step({ action: 'end', reason: 'no_benefit', note: 'Ingen nytte etter seks måneder.', patientView: 'Vil heller ringe når det trengs.' });
  assert.equal(end.status, 200, JSON.stringify(end.body));
  p = await pathway();
  const last = p.transitions.at(-1)!;
  assert.equal(last.action, 'end');
  assert.equal(last.from, 'evaluation');
  const ev = last.details.evaluation as { outcome: string; patientView: string; figures: { contacts: number } };
  assert.equal(ev.outcome, 'end');
  assert.equal(ev.patientView, 'Vil heller ringe når det trengs.');
  assert.ok(ev.figures);
  assert.equal(await env.count(`audit_events where patient_id = $1 and resource_type = 'EpisodeOfCare' and details->>'transition' in ('start_evaluation', 'complete_evaluation', 'end')`, [env.f.patient.id]), 4);
});

test('ending outside an evaluation records no evaluation outcome', async () => {
  const r = await env.call('POST', `/api/patients/${env.f.otherPatient.id}/pathway`, env.c.nurseB, { action: 'end', reason: 'moved' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const t = (await env.db.query<{ details: Record<string, unknown> }>(`select details from episode_transitions where episode_id = $1 and action = 'end'`, [env.f.otherPatient.episodeId])).rows[0]!;
  assert.equal(t.details.evaluation, undefined);
});
