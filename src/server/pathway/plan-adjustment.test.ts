import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

/*
 * Evaluation at intervals (issue 12): when the nurse's evaluation decides to adjust the plan, the
 * patient's GP — who approves plans — gets the task "Planen skal justeres etter evaluering" with
 * the evaluation's note, in the GP's pathway task list and on the patient's pathway; it goes when
 * a new plan version is approved.
 */
const env = useTestServer();
const NOTE = 'SpO2-grensen bør senkes til 90, pasienten ligger stabilt lavt.';

type Task = { kind: string; patientId: string; note: string | null; dueAt: string | null };
const tasks = async (cookie: string) => {
  const r = await env.call('GET', '/api/pathway/tasks', cookie);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body!.tasks as Task[]).filter((t) => t.patientId === env.f.patient.id);
};
const pathway = async (cookie: string) => (await env.call('GET', `/api/patients/${env.f.patient.id}/pathway`, cookie)).body as { planAdjustment: { since: string; note: string } | null };
const step = (body: Record<string, unknown>) => env.call('POST', `/api/patients/${env.f.patient.id}/pathway`, env.c.nurseA, body);

async function evaluate(outcome: string, note: string) {
  await env.db.query(`update episodes set next_evaluation_at = now() - interval '1 hour' where id = $1`, [env.f.patient.episodeId]);
  assert.equal((await step({ action: 'start_evaluation' })).status, 200);
  const r = await step({ action: 'complete_evaluation', outcome, patientView: 'Greit.', note });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

test('adjust_plan gives the GP a task with the note, until a new plan version is approved', async () => {
  assert.deepEqual((await tasks(env.c.gp)).filter((t) => t.kind === 'plan_adjustment'), []);
  await evaluate('adjust_plan', NOTE);

  const gp = (await tasks(env.c.gp)).filter((t) => t.kind === 'plan_adjustment');
  assert.equal(gp.length, 1, 'the GP has the task');
  assert.equal(gp[0]!.note, NOTE);
  assert.ok(gp[0]!.dueAt);
  assert.ok(!(await tasks(env.c.nurseA)).some((t) => t.kind === 'plan_adjustment'), 'not the follow-up service\'s task');
  assert.equal((await pathway(env.c.gp)).planAdjustment?.note, NOTE);
  assert.equal(await env.count(`audit_events where patient_id = $1 and details->>'task' = 'plan_adjustment'`, [env.f.patient.id]), 1, 'listing it is audited');

  // A draft is not enough: the task stays until the GP approves the new version.
  const definition = (await env.db.query<{ definition: unknown }>('select definition from plans where id = $1', [env.f.patient.planId])).rows[0]!.definition;
  const draft = await env.call('POST', `/api/patients/${env.f.patient.id}/plans`, env.c.gp, { definition });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  assert.equal((await tasks(env.c.gp)).filter((t) => t.kind === 'plan_adjustment').length, 1);
  const approve = await env.call('POST', `/api/patients/${env.f.patient.id}/plans/${String(draft.body!.id)}/approve`, env.c.gp, {});
  assert.equal(approve.status, 200, JSON.stringify(approve.body));
  assert.deepEqual((await tasks(env.c.gp)).filter((t) => t.kind === 'plan_adjustment'), []);
  assert.equal((await pathway(env.c.gp)).planAdjustment, null);
});

test('a later evaluation that continues settles it; other outcomes give no task', async () => {
  await evaluate('adjust_plan', 'Vurder vektgrensen.');
  assert.equal((await tasks(env.c.gp)).filter((t) => t.kind === 'plan_adjustment').length, 1);
  await evaluate('continue', '');
  assert.deepEqual((await tasks(env.c.gp)).filter((t) => t.kind === 'plan_adjustment'), []);
  assert.equal((await pathway(env.c.nurseA)).planAdjustment, null);
});
