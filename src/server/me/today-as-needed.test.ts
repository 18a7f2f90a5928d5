import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanDefinition } from '../../domain/plan.js';
import { TEST_PLAN } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

/*
 * Issue 12: a measure or questionnaire the plan asks for "as needed" is on today's list (due time
 * null) every day, so the patient can register it — also once more after a first reading.
 */
const text = (s: string) => ({ nb: s, nn: s, en: s });
const PLAN: PlanDefinition = {
  ...TEST_PLAN,
  measures: [
    ...TEST_PLAN.measures,
    { code: 'weight', schedule: { kind: 'as_needed' }, thresholds: {}, actions: { green: text('Fortsett.'), yellow: text('Ring oss.'), red: text('Ring legevakt 116 117.') } },
  ],
  questionnaires: [{ code: 'cat', schedule: { kind: 'as_needed' }, thresholds: { yellowAbove: 20, redAbove: 30 }, actions: { green: text('Fortsett.'), yellow: text('Ring oss.'), red: text('Ring legevakt 116 117.') } }],
};
const env = useTestServer({ plan: PLAN });

type Task = { code: string; kind: string; dueBy: string | null; done: boolean };
const today = async () => ((await env.call('GET', '/api/me/today', env.c.patient)).body!['tasks'] as Task[]);

test('as-needed entries are offered every day with no due time, and stay offered after a reading', async () => {
  const before = await today();
  assert.deepEqual(before.filter((x) => x.dueBy === null).map((x) => [x.code, x.kind, x.done]), [['weight', 'measure', false], ['cat', 'questionnaire', false]]);
  assert.ok(before.filter((x) => x.dueBy !== null).every((x) => x.dueBy === '10:00'));
  const r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'as-needed-1', measurements: [{ code: 'weight', value: 71.5, unit: 'kg' }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const after = await today();
  assert.deepEqual(after.find((x) => x.code === 'weight'), { ...after.find((x) => x.code === 'weight'), dueBy: null, done: true });
  const again = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'as-needed-2', measurements: [{ code: 'weight', value: 71.9, unit: 'kg' }] });
  assert.equal(again.status, 201, 'one more reading the same day');
});
