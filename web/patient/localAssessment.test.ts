import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localAssessment } from './FeedbackPanel.js';

const text = (s: string) => ({ nb: s, nn: s, en: s });
const PLAN = {
  measures: [
    { code: 'spo2', schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 60 }, thresholds: { redBelow: 88, yellowBelow: 92 }, actions: { green: text('Fortsett.'), yellow: text('Ta medisin fra beredskapspakken.'), red: text('Ring legevakt 116 117.') } },
    { code: 'heart_rate', schedule: { kind: 'daily', dueBy: '10:00', graceMinutes: 60 }, thresholds: { yellowAbove: 100, redAbove: 120 }, actions: { green: text('Fortsett.'), yellow: text('Hvil og mål igjen om en time.'), red: text('Ring legevakt 116 117.') } },
  ],
  questionnaires: [],
} as unknown as Parameters<typeof localAssessment>[1];

test('offline answer: two yellows give both measures\' advice (issue 11)', () => {
  const a = localAssessment([{ code: 'spo2', value: 90, unit: '%' }, { code: 'heart_rate', value: 110 }], PLAN, 'nb');
  assert.equal(a.zone, 'yellow');
  assert.deepEqual(a.actions, ['Ta medisin fra beredskapspakken.', 'Hvil og mål igjen om en time.']);
});

test('offline answer: red first, the same text once', () => {
  const a = localAssessment([{ code: 'spo2', value: 85, unit: '%' }, { code: 'heart_rate', value: 130 }], PLAN, 'nb');
  assert.equal(a.zone, 'red');
  assert.deepEqual(a.actions, ['Ring legevakt 116 117.']);
});

test('offline answer in the baseline period: no yellow advice, the red safety advice stays', () => {
  const y = localAssessment([{ code: 'spo2', value: 90, unit: '%' }, { code: 'heart_rate', value: 110 }], PLAN, 'nb', true);
  assert.deepEqual(y.actions, []);
  const r = localAssessment([{ code: 'spo2', value: 85, unit: '%' }, { code: 'heart_rate', value: 110 }], PLAN, 'nb', true);
  assert.deepEqual(r.actions, ['Ring legevakt 116 117.']);
});
