import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pendingPlanAdjustment } from './pathway.js';

const t = (iso: string) => new Date(iso);
const ev = (at: string, outcome: string, note = '') => ({ at: t(at), outcome, note });

describe('pendingPlanAdjustment (the GP\'s task after an evaluation that adjusts the plan)', () => {
  const cases: { name: string; evaluations: ReturnType<typeof ev>[]; approvedAt: string | null; expect: { since: string; note: string } | null }[] = [
    { name: 'no evaluation', evaluations: [], approvedAt: '2026-01-01T00:00:00Z', expect: null },
    { name: 'continue', evaluations: [ev('2026-03-01T10:00:00Z', 'continue')], approvedAt: '2026-01-01T00:00:00Z', expect: null },
    { name: 'adjust, plan older', evaluations: [ev('2026-03-01T10:00:00Z', 'adjust_plan', 'Senk SpO2-grensen')], approvedAt: '2026-01-01T00:00:00Z', expect: { since: '2026-03-01T10:00:00.000Z', note: 'Senk SpO2-grensen' } },
    { name: 'adjust, no approved plan', evaluations: [ev('2026-03-01T10:00:00Z', 'adjust_plan', 'x')], approvedAt: null, expect: { since: '2026-03-01T10:00:00.000Z', note: 'x' } },
    { name: 'adjust, new version approved after', evaluations: [ev('2026-03-01T10:00:00Z', 'adjust_plan')], approvedAt: '2026-03-02T08:00:00Z', expect: null },
    { name: 'adjust, then continue', evaluations: [ev('2026-03-01T10:00:00Z', 'adjust_plan'), ev('2026-06-01T10:00:00Z', 'continue')], approvedAt: '2026-01-01T00:00:00Z', expect: null },
    { name: 'continue, then adjust (order of the list does not matter)', evaluations: [ev('2026-06-01T10:00:00Z', 'adjust_plan', 'y'), ev('2026-03-01T10:00:00Z', 'continue')], approvedAt: '2026-04-01T00:00:00Z', expect: { since: '2026-06-01T10:00:00.000Z', note: 'y' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = pendingPlanAdjustment(c.evaluations, c.approvedAt ? t(c.approvedAt) : null);
      assert.deepEqual(r && { since: r.since.toISOString(), note: r.note }, c.expect);
    });
  }
});
