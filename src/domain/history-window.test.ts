import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CATALOGUE, type MeasureCode } from './catalogue.js';
import { historyWindow } from './history-window.js';
import type { PlanDefinition } from './plan.js';
import { TEMPLATE_CODES, planFromTemplates } from './templates.js';
import { testPlan, tx } from './test-fixtures.js';
import { evaluate, type ObservationPoint } from './triage.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** What the server read before: every reading of the episode from 91 days before (observations/service.ts#HISTORY_DAYS). */
const FULL_DAYS = 91;

/** The history the window keeps: each measure's readings from its own number of days back. */
function trimmed(plan: PlanDefinition, sitting: ObservationPoint[], history: ObservationPoint[]): ObservationPoint[] {
  const at = sitting[0]!.effectiveAt.getTime();
  const win = historyWindow(plan, sitting.map((o) => o.code));
  return history.filter((h) => {
    const ms = win.get(h.code);
    return ms !== undefined && h.effectiveAt.getTime() >= at - ms;
  });
}

const T = Date.UTC(2026, 2, 29, 6, 30); // the night the clocks go forward in Oslo

/** Plans from the clinical templates (trend, combined, NEWS2 rules as written), with their windows and NEWS2 varied. */
const planArb: fc.Arbitrary<PlanDefinition> = fc
  .record({
    templates: fc.subarray([...TEMPLATE_CODES], { minLength: 1 }),
    news2: fc.constantFrom('template', 'on', 'off'),
    windows: fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 8, maxLength: 8 }),
    days: fc.array(fc.integer({ min: 2, max: 12 }), { minLength: 4, maxLength: 4 }),
    sitting: fc.boolean(),
    // A re-measurement window (minutes) for some measures: a yellow is held until it decides.
    remeasure: fc.array(fc.option(fc.integer({ min: 10, max: 240 })), { minLength: 12, maxLength: 12 }),
  })
  .map(({ templates, news2, windows, days, sitting, remeasure }) => {
    const p = planFromTemplates(templates);
    const extra: NonNullable<PlanDefinition['combinedRules']> = [
      { kind: 'consecutive_days', id: 'x-days', days: days[0]!, codes: ['weight', 'spo2'], zone: 'yellow' },
      { kind: 'consecutive_days', id: 'x-all', days: days[1]!, zone: 'red' },
    ];
    if (sitting) extra.push({ kind: 'sitting', id: 'x-sit', minYellow: 2, codes: ['heart_rate', 'resp_rate', 'temperature'], zone: 'yellow' });
    return {
      ...p,
      measures: p.measures.map((m, i) => {
        const within = remeasure[i % remeasure.length];
        return within == null ? m : { ...m, remeasure: { restMinutes: 5, withinMinutes: within } };
      }),
      news2: { ...p.news2, enabled: news2 === 'template' ? p.news2.enabled : news2 === 'on' },
      trendRules: [
        ...p.trendRules.map((r, i) => ({ ...r, windowDays: windows[i % windows.length]! })),
        { id: 'x-hr-rise', code: 'heart_rate', kind: 'rise', amount: 15, windowDays: windows[7]!, reference: 'median', zone: 'yellow', actions: tx('hr') },
      ],
      combinedRules: [...(p.combinedRules ?? []), ...extra],
    } satisfies PlanDefinition;
  });

const CODES: MeasureCode[] = ['spo2', 'heart_rate', 'resp_rate', 'bp_systolic', 'temperature', 'weight', 'glucose', 'bp_diastolic', 'gad7', 'cat', 'phq9'];
/** A value over the catalogue's range, or (near) a step or two from one of the plan's limits for the measure. */
const valueOf = (plan: PlanDefinition, code: MeasureCode, frac: number, near: number | null = null) => {
  const def = CATALOGUE[code];
  const limits = Object.values(plan.measures.find((m) => m.code === code)?.thresholds ?? {}).filter((x): x is number => typeof x === 'number');
  if (near !== null && limits.length > 0) return Math.round((limits[Math.floor(frac * limits.length) % limits.length]! + near * 0.5) * 10) / 10;
  return Math.round((def.min + frac * (def.max - def.min)) * 10) / 10;
};
const readingArb = fc.record({
  code: fc.constantFrom(...CODES),
  frac: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.3, max: 0.6, noNaN: true })),
  near: fc.option(fc.integer({ min: -3, max: 3 })),
  minutesBefore: fc.oneof(fc.integer({ min: 1, max: 100 * 24 * 60 }), fc.integer({ min: 1, max: 3 * 24 * 60 }), fc.integer({ min: 1, max: 300 })),
});

describe('historyWindow: triage over the window equals triage over the whole history', () => {
  test('property: the same zones, findings, actions and re-measure requests, for template plans and random histories', () => {
    // How often each kind of history-reading finding came up, so the property is known to reach them.
    const seen = { trend: 0, combined: 0, news2: 0, remeasure: 0, lateFinding: 0 };
    fc.assert(
      fc.property(
        planArb,
        fc.array(readingArb, { maxLength: 60 }),
        fc.uniqueArray(fc.constantFrom(...CODES), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ frac: fc.double({ min: 0, max: 1, noNaN: true }), near: fc.option(fc.integer({ min: -3, max: 3 })) }), { minLength: 4, maxLength: 4 }),
        // 0: now; otherwise a late upload, days before readings already stored.
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 * 24 * 60 })),
        fc.boolean(),
        fc.boolean(),
        (plan, raw, codes, fracs, lateMinutes, serviceOpen, newConfusion) => {
          const at = new Date(T - lateMinutes * 60_000);
          const sitting = codes.map((code, i) => ({ id: `n${i}`, code, value: valueOf(plan, code, fracs[i]!.frac, fracs[i]!.near), unit: CATALOGUE[code].unit, effectiveAt: at }));
          const history = raw
            .map((r, i) => ({ id: `h${i}`, code: r.code, value: valueOf(plan, r.code, r.frac, r.near), unit: CATALOGUE[r.code].unit, effectiveAt: new Date(T - r.minutesBefore * 60_000) }))
            .filter((h) => h.effectiveAt.getTime() >= at.getTime() - FULL_DAYS * DAY);
          const input = { plan, planVersion: 3, newObservations: sitting, timeZone: 'Europe/Oslo', now: new Date(T + 60_000), serviceOpen, newConfusion };
          const whole = evaluate({ ...input, history });
          const windowed = evaluate({ ...input, history: trimmed(plan, sitting, history) });
          assert.deepEqual(windowed, whole);
          for (const f of whole.findings) {
            if (f.kind === 'trend' || f.kind === 'combined' || f.kind === 'news2') seen[f.kind]++;
            if (lateMinutes > 0 && f.at !== at.toISOString()) seen.lateFinding++;
          }
          if (whole.remeasure.length > 0) seen.remeasure++;
        },
      ),
      { numRuns: 1500 },
    );
    for (const [kind, n] of Object.entries(seen)) assert.ok(n >= 5, `${kind} findings came up ${n} times`);
  });

  test('a weighing reads a few days of weights, not 90 days of every measure', () => {
    const win = historyWindow(testPlan(), ['weight']);
    assert.deepEqual([...win], [['weight', (3 + 2) * DAY]]);
    // Nothing reads the history of a reading judged on its own value (no re-measure, trend, combined rule or NEWS2).
    assert.deepEqual([...historyWindow(testPlan(), ['spo2', 'temperature'])], []);
  });

  test('a trend rule of 90 days and NEWS2 widen the window to what they read', () => {
    const plan = testPlan({
      news2: { enabled: true, scale: 1 },
      trendRules: [{ id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, windowDays: 90, reference: 'median', zone: 'yellow' }],
    });
    const win = historyWindow(plan, ['spo2']);
    assert.equal(win.get('spo2'), 92 * DAY);
    for (const c of ['heart_rate', 'resp_rate', 'bp_systolic', 'temperature'] as const) assert.equal(win.get(c), 2 * HOUR);
    assert.equal(win.has('weight'), false);
  });

  test('a window of N local days reaches back to local midnight N days before the day of the reading, across DST', () => {
    // Weight rise > 2 kg over 3 local days (testPlan): 23:30 on Sunday 29 March 2026 in Oslo (CEST)
    // compares with 00:10 on Thursday 26 March (CET): 3 days, 23 h 20 min earlier.
    const plan = testPlan();
    const sitting = [{ id: 'new', code: 'weight' as const, value: 84, unit: 'kg', effectiveAt: new Date('2026-03-29T21:30:00Z') }];
    const history = [{ id: 'ref', code: 'weight' as const, value: 81.5, unit: 'kg', effectiveAt: new Date('2026-03-25T23:10:00Z') }];
    const input = { plan, planVersion: 1, newObservations: sitting, timeZone: 'Europe/Oslo' };
    const whole = evaluate({ ...input, history });
    assert.deepEqual(whole.findings.map((f) => f.ruleId), ['trend:weight-rise']);
    assert.deepEqual(evaluate({ ...input, history: trimmed(plan, sitting, history) }), whole);
  });

  /** Whole history against the window, for one sitting now and readings minutes before it. */
  function same(plan: PlanDefinition, now: [MeasureCode, number][], before: [MeasureCode, number, number][]) {
    const at = new Date(T);
    const sitting = now.map(([code, value], i) => ({ id: `n${i}`, code, value, unit: CATALOGUE[code].unit, effectiveAt: at }));
    const history = before.map(([code, value, minutes], i) => ({ id: `h${i}`, code, value, unit: CATALOGUE[code].unit, effectiveAt: new Date(T - minutes * 60_000) }));
    const input = { plan, planVersion: 1, newObservations: sitting, timeZone: 'Europe/Oslo', now: new Date(T + 60_000) };
    const whole = evaluate({ ...input, history });
    assert.deepEqual(evaluate({ ...input, history: trimmed(plan, sitting, history) }), whole);
    return whole;
  }

  test('a sitting rule sees the other yellow of the hour before (NEWS2 off)', () => {
    const plan = testPlan({ trendRules: [], combinedRules: [{ kind: 'sitting', id: 'two', minYellow: 2, codes: ['heart_rate', 'temperature'], zone: 'red' }] });
    const r = same(plan, [['temperature', 38.4]], [['heart_rate', 115, 50]]);
    assert.ok(r.findings.some((f) => f.ruleId === 'combined:two'));
  });

  test('a yellow re-measuring a yellow of minutes before is raised, not held again', () => {
    const plan = testPlan({ trendRules: [], measures: testPlan().measures.map((m) => (m.code === 'spo2' ? { ...m, remeasure: { restMinutes: 5, withinMinutes: 60 } } : m)) });
    const r = same(plan, [['spo2', 90]], [['spo2', 91, 40]]);
    assert.deepEqual(r.remeasure, []);
    assert.ok(r.findings.some((f) => f.ruleId === 'threshold:spo2'));
  });

  test('a combined rule reads all of its measures over its days', () => {
    const plan = testPlan({ combinedRules: [{ kind: 'consecutive_days', id: 'amber-again', days: 3, zone: 'red' }] });
    const win = historyWindow(plan, ['weight']);
    for (const m of plan.measures) assert.equal(win.get(m.code), 5 * DAY);
  });
});
