import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countRows, useTestServer } from '../testing/server.js';

/*
 * Issue 11/12: during the baseline period only safety limits (red) alert
 * (domain/pathway.ts#raisesAlert), so the patient is not given the plan's yellow advice ("the
 * nurse will call you") after a sitting, nor on the home screen — only red safety advice.
 */
const env = useTestServer();
const YELLOW_SPO2 = 'Ta medisin fra beredskapspakken. Sykepleier ringer deg.';
const YELLOW_PULSE = 'Hvil og mål igjen om en time.';
const RED = 'Ring legevakt 116 117.';

type Feedback = { zone: string | null; action: string | null; notice: string | null; remeasure: unknown };
type Status = { advice: { zone: string; actions: { code: string; zone: string; text: string }[]; notice: string | null } | null };

const sit = (key: string, measurements: unknown[]) => env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: key, measurements });

async function toBaseline(): Promise<void> {
  await env.db.query(`update episodes set state = 'baseline', baseline_started_at = now(), baseline_days = 14 where id = $1`, [env.f.patient.episodeId]);
}

test('baseline: a yellow sitting is saved without the yellow advice or a "nurse will call" notice', async () => {
  await toBaseline();
  const r = await sit('baseline-yellow-1', [{ code: 'spo2', value: 90, unit: '%' }, { code: 'heart_rate', value: 110 }]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const fb = r.body!['feedback'] as Feedback;
  assert.equal(fb.zone, 'yellow');
  assert.ok(fb.action && !fb.action.includes(YELLOW_SPO2) && !fb.action.includes(YELLOW_PULSE), fb.action ?? '');
  assert.match(fb.action, /bare med på røde verdier/);
  assert.equal(fb.notice, null);
  assert.equal(await countRows(env.db, 'alerts where episode_id = $1', [env.f.patient.episodeId]), 0);
  const st = (await env.call('GET', '/api/me/status', env.c.patient)).body as unknown as Status;
  assert.equal(st.advice, null);
});

test('baseline: a red with a yellow in one sitting gives only the red safety advice, after the sitting and on the home screen', async () => {
  await toBaseline();
  const r = await sit('baseline-red-1', [{ code: 'spo2', value: 85, unit: '%' }, { code: 'heart_rate', value: 110 }]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const fb = r.body!['feedback'] as Feedback;
  assert.equal(fb.zone, 'red');
  assert.equal(fb.action, RED);
  const st = (await env.call('GET', '/api/me/status', env.c.patient)).body as unknown as Status;
  assert.ok(st.advice, 'the red stays on the home screen');
  assert.deepEqual(st.advice.actions.map((a) => a.zone), ['red']);
  assert.ok(!JSON.stringify(st.advice).includes(YELLOW_PULSE), JSON.stringify(st.advice));
});

test('active follow-up: the same red-and-yellow sitting keeps every deviating measure\'s advice', async () => {
  await env.db.query(`update alerts set status = 'resolved', resolved_at = now() where episode_id = $1`, [env.f.patient.episodeId]);
  await env.db.query(`update episodes set state = 'active' where id = $1`, [env.f.patient.episodeId]);
  const r = await sit('active-red-1', [{ code: 'spo2', value: 85, unit: '%' }, { code: 'heart_rate', value: 110 }]);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const st = (await env.call('GET', '/api/me/status', env.c.patient)).body as unknown as Status;
  assert.deepEqual(st.advice?.actions.map((a) => a.text), [RED, YELLOW_PULSE]);
});
