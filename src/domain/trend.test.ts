import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TrendRule } from './plan.js';
import { evaluate, trendFires } from './triage.js';
import { obs, testPlan, tx } from './test-fixtures.js';

const DAY = 86_400_000;
const t0 = Date.UTC(2026, 2, 2, 7, 0);
const at = (days: number): string => new Date(t0 + days * DAY).toISOString();

describe('trend rule: heart-failure weight gain > 2 kg in 3 days (ESC 2021)', () => {
  const cases: { name: string; history: [number, number][]; value: number; day: number; fires: boolean; change?: number; ref?: number }[] = [
    { name: '+2.1 kg over two days fires', history: [[0, 80.0], [1, 80.5]], value: 82.1, day: 2, fires: true, change: 2.1, ref: 80.0 },
    { name: 'exactly +2.0 kg does not fire (strictly more than 2)', history: [[0, 80.0]], value: 82.0, day: 2, fires: false },
    { name: 'floating point: 82.1 − 80.1 is 2.0, not more', history: [[0, 80.1]], value: 82.1, day: 1, fires: false },
    { name: 'compares with the lowest value in the window, not the oldest', history: [[0, 81.0], [1, 79.8], [2, 80.5]], value: 82.0, day: 3, fires: true, change: 2.2, ref: 79.8 },
    { name: 'a reference older than 3 days is ignored', history: [[0, 79.0], [1, 81.0]], value: 82.5, day: 3.5, fires: false },
    { name: 'exactly 3 days back is inside the window', history: [[0, 79.0]], value: 81.5, day: 3, fires: true, change: 2.5, ref: 79.0 },
    { name: 'no history → nothing to compare', history: [], value: 95, day: 0, fires: false },
    { name: 'weight loss does not fire a rise rule', history: [[0, 85]], value: 80, day: 1, fires: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const history = c.history.map(([d, v]) => obs('weight', v, at(d)));
      const o = obs('weight', c.value, at(c.day), 'new');
      const r = evaluate({ plan: testPlan(), planVersion: 5, newObservations: [o], history });
      const f = r.findings.find((x) => x.ruleId === 'trend:weight-rise');
      assert.equal(f !== undefined, c.fires);
      assert.equal(r.zone, c.fires ? 'yellow' : 'green');
      if (f !== undefined) {
        assert.equal(f.kind, 'trend');
        assert.equal(f.zone, 'yellow');
        assert.equal(f.values[0]?.value, c.ref);
        assert.equal(f.values[1]?.observationId, 'new');
        assert.deepEqual(r.actions, tx('weight trend'));
        const fired = trendFires(testPlan().trendRules[0]!, o, history);
        assert.equal(fired?.change, c.change);
      }
    });
  }

  test('summary names the change, the window, the values, the limit and the plan version', () => {
    const r = evaluate({ plan: testPlan(), planVersion: 5, newObservations: [obs('weight', 82.1, at(2))], history: [obs('weight', 80.0, at(0))] });
    assert.deepEqual(r.findings[0]?.summary, {
      nb: 'Vekt har steget 2,1 kg på 3 døgn (80,0 kg → 82,1 kg), mer enn grensen 2,0 kg (plan v5)',
      nn: 'Vekt har stige 2,1 kg på 3 døgn (80,0 kg → 82,1 kg), meir enn grensa 2,0 kg (plan v5)',
      en: 'Weight rose 2.1 kg within 3 days (80.0 kg → 82.1 kg), more than the limit 2.0 kg (plan v5)',
    });
  });

  test('late upload: an offline batch is evaluated in time order, each value seeing only earlier ones', () => {
    const batch = [obs('weight', 82.6, at(2), 'd2'), obs('weight', 80.2, at(0), 'd0'), obs('weight', 81.0, at(1), 'd1')];
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: batch, history: [] });
    assert.deepEqual(r.perObservation, [
      { id: 'd0', zone: 'green' },
      { id: 'd1', zone: 'green' },
      { id: 'd2', zone: 'yellow' },
    ]);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]?.at, at(2));
  });

  test('a later value in history is not used as reference for an earlier new value', () => {
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [obs('weight', 83, at(1))], history: [obs('weight', 80, at(2))] });
    assert.equal(r.findings.length, 0);
  });

  test('fall rule and red zone; rule without own text uses the measure text for that zone', () => {
    const plan = testPlan({
      trendRules: [{ id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, windowDays: 2, zone: 'red' }],
    });
    const r = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 93, at(1))], history: [obs('spo2', 97, at(0))] });
    assert.equal(r.zone, 'red');
    assert.deepEqual(
      r.findings.map((f) => [f.ruleId, f.zone]),
      [['trend:spo2-fall', 'red']],
    );
    assert.deepEqual(r.actions, tx('spo2 red'));
    assert.match(r.findings[0]?.summary.nb ?? '', /^SpO2 har falt 4 % på 2 døgn \(97 % → 93 %\)/);
  });

  test('property: a rise rule fires exactly when value − min(earlier values in window) > amount', () => {
    const rule: TrendRule = { id: 'r', code: 'weight', kind: 'rise', amount: 2, windowDays: 3, zone: 'yellow' };
    fc.assert(
      fc.property(
        fc.array(fc.record({ hours: fc.integer({ min: 0, max: 24 * 6 }), tenths: fc.integer({ min: 700, max: 900 }) }), { maxLength: 12 }),
        fc.integer({ min: 700, max: 900 }),
        (hist, tenths) => {
          const now = t0 + 6 * DAY;
          const history = hist.map((h, i) => ({ id: `h${i}`, code: 'weight' as const, value: h.tenths / 10, unit: 'kg', effectiveAt: new Date(now - h.hours * 3_600_000) }));
          const o = { id: 'x', code: 'weight' as const, value: tenths / 10, unit: 'kg', effectiveAt: new Date(now) };
          const inWindow = hist.filter((h) => h.hours > 0 && h.hours <= 72).map((h) => h.tenths);
          const expected = inWindow.length > 0 && tenths - Math.min(...inWindow) > 20;
          assert.equal(trendFires(rule, o, history) !== null, expected);
        },
      ),
    );
  });
});
