import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MeasureCode } from './catalogue.js';
import type { CombinedRule, PlanDefinition, TrendRule } from './plan.js';
import { type Finding, type ObservationPoint, evaluate, trendFires } from './triage.js';
import { addDays, zonedInstant } from './time.js';
import { obs, testPlan, tx } from './test-fixtures.js';

const TZ = 'Europe/Oslo';
/** An instant from an Oslo wall clock. */
const oslo = (date: string, time: string): string => zonedInstant(date, time, TZ).toISOString();

describe('trend rule: heart-failure weight gain > 2 kg in 3 days (ESC 2021, McDonagh et al., self-care)', () => {
  // Monday 2 March 2026 … Sunday 8 March; no DST change in this week.
  const cases: { name: string; history: [string, string, number][]; value: number; date: string; time: string; fires: boolean; change?: number; ref?: number }[] = [
    { name: '+2.1 kg over two days fires', history: [['2026-03-02', '07:00', 80.0], ['2026-03-03', '07:00', 80.5]], value: 82.1, date: '2026-03-04', time: '07:00', fires: true, change: 2.1, ref: 80.0 },
    { name: 'exactly +2.0 kg does not fire (strictly more than 2)', history: [['2026-03-02', '07:00', 80.0]], value: 82.0, date: '2026-03-04', time: '07:00', fires: false },
    { name: 'floating point: 82.1 − 80.1 is 2.0, not more', history: [['2026-03-02', '07:00', 80.1]], value: 82.1, date: '2026-03-03', time: '07:00', fires: false },
    { name: 'compares with the lowest value in the window, not the oldest', history: [['2026-03-02', '07:00', 81.0], ['2026-03-03', '07:00', 79.8], ['2026-03-04', '07:00', 80.5]], value: 82.0, date: '2026-03-05', time: '07:00', fires: true, change: 2.2, ref: 79.8 },
    // The clinic's day, not the stopwatch: Thursday 07:20 compared with Monday 07:00 (72 h 20 min apart).
    { name: 'morning weighing at 07:20 vs 07:00 three local days earlier is inside the window', history: [['2026-03-02', '07:00', 79.0]], value: 81.5, date: '2026-03-05', time: '07:20', fires: true, change: 2.5, ref: 79.0 },
    { name: 'the whole of the third day back counts (00:05)', history: [['2026-03-02', '00:05', 79.0]], value: 81.5, date: '2026-03-05', time: '07:00', fires: true, change: 2.5, ref: 79.0 },
    { name: 'the fourth day back does not (Sunday 23:50)', history: [['2026-03-01', '23:50', 79.0], ['2026-03-02', '07:00', 81.0]], value: 82.5, date: '2026-03-05', time: '07:00', fires: false },
    { name: 'earlier the same day counts', history: [['2026-03-05', '06:00', 80.0]], value: 82.5, date: '2026-03-05', time: '20:00', fires: true, change: 2.5, ref: 80.0 },
    { name: 'no history → nothing to compare', history: [], value: 95, date: '2026-03-05', time: '07:00', fires: false },
    { name: 'weight loss does not fire a rise rule', history: [['2026-03-04', '07:00', 85]], value: 80, date: '2026-03-05', time: '07:00', fires: false },
    // DST: Oslo springs forward 29 March 2026 (02:00→03:00): Saturday 07:00 CET → Tuesday 07:20 CEST is 71 h 20 min.
    { name: 'across the spring DST change', history: [['2026-03-28', '07:00', 79.0]], value: 81.1, date: '2026-03-31', time: '07:20', fires: true, change: 2.1, ref: 79.0 },
    // DST: Oslo falls back 25 October 2026: Saturday 07:00 CEST → Tuesday 07:00 CET is 73 h — a 72 h stopwatch misses it.
    { name: 'across the autumn DST change (73 hours, still 3 local days)', history: [['2026-10-24', '07:00', 79.0]], value: 81.1, date: '2026-10-27', time: '07:00', fires: true, change: 2.1, ref: 79.0 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const history = c.history.map(([d, t, v]) => obs('weight', v, oslo(d, t)));
      const o = obs('weight', c.value, oslo(c.date, c.time), 'new');
      const r = evaluate({ plan: testPlan(), planVersion: 5, newObservations: [o], history, timeZone: TZ });
      const f = r.findings.find((x) => x.ruleId === 'trend:weight-rise');
      assert.equal(f !== undefined, c.fires);
      assert.equal(r.zone, c.fires ? 'yellow' : 'green');
      if (f !== undefined) {
        assert.equal(f.kind, 'trend');
        assert.equal(f.zone, 'yellow');
        assert.equal(f.values[0]?.value, c.ref);
        assert.equal(f.values[1]?.observationId, 'new');
        assert.deepEqual(r.actions, tx('weight trend'));
        const fired = trendFires(testPlan().trendRules[0]!, o, history, TZ);
        assert.equal(fired?.change, c.change);
      }
    });
  }

  test('summary names the change, the window, the values, the limit and the plan version', () => {
    const r = evaluate({ plan: testPlan(), planVersion: 5, newObservations: [obs('weight', 82.1, oslo('2026-03-04', '07:00'))], history: [obs('weight', 80.0, oslo('2026-03-02', '07:00'))] });
    assert.deepEqual(r.findings[0]?.summary, {
      nb: 'Vekt har steget 2,1 kg på 3 døgn (80,0 kg → 82,1 kg); grensen er mer enn 2,0 kg (plan v5)',
      nn: 'Vekt har stige 2,1 kg på 3 døgn (80,0 kg → 82,1 kg); grensa er meir enn 2,0 kg (plan v5)',
      en: 'Weight rose 2.1 kg within 3 days (80.0 kg → 82.1 kg); the limit is more than 2.0 kg (plan v5)',
    });
  });
});

describe('trend rules: COPD SpO2 fall and CAT rise', () => {
  // BTS (O'Driscoll 2017) / COPD action plans: a fall of ≥ 3 percentage points from the patient's own baseline.
  const spo2Baseline: TrendRule = { id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, inclusive: true, windowDays: 7, baseline: 93, zone: 'yellow' };
  const spo2Window: TrendRule = { id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, inclusive: true, windowDays: 3, zone: 'yellow' };
  // CAT minimal clinically important difference: 2 points (Kon et al., Lancet Respir Med 2014).
  const catRise: TrendRule = { id: 'cat-rise', code: 'cat', kind: 'rise', amount: 2, inclusive: true, windowDays: 28, zone: 'yellow' };
  const rows: [string, TrendRule, MeasureCode, [string, number][], number, string, boolean][] = [
    ['SpO2 3 below a recorded baseline of 93 fires (≥ 3)', spo2Baseline, 'spo2', [], 90, '2026-03-05', true],
    ['SpO2 2 below the baseline does not', spo2Baseline, 'spo2', [], 91, '2026-03-05', false],
    ['SpO2 2.5 below the baseline does not (exact, not rounded)', spo2Baseline, 'spo2', [], 90.5, '2026-03-05', false],
    ['SpO2 3 below the best reading of the last 3 days fires', spo2Window, 'spo2', [['2026-03-03', 94], ['2026-03-04', 92]], 91, '2026-03-05', true],
    ['SpO2 falling 2 does not', spo2Window, 'spo2', [['2026-03-04', 93]], 91, '2026-03-05', false],
    ['CAT +2 within four weeks fires (MCID)', catRise, 'cat', [['2026-02-09', 14]], 16, '2026-03-02', true],
    ['CAT +1 does not', catRise, 'cat', [['2026-02-23', 14]], 15, '2026-03-02', false],
    ['CAT +3 from five weeks ago is outside 28 days', catRise, 'cat', [['2026-01-26', 12]], 15, '2026-03-02', false],
  ];
  for (const [name, rule, code, hist, value, date, fires] of rows) {
    test(name, () => {
      const history = hist.map(([d, v]) => obs(code, v, oslo(d, '08:00')));
      const o = obs(code, value, oslo(date, '08:00'));
      assert.equal(trendFires(rule, o, history, TZ) !== null, fires);
    });
  }

  test('fall rule and red zone; rule without own text uses the measure text for that zone', () => {
    const plan = testPlan({ trendRules: [{ id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, windowDays: 2, zone: 'red' }] });
    const r = evaluate({ plan, planVersion: 1, newObservations: [obs('spo2', 93, oslo('2026-03-03', '08:00'))], history: [obs('spo2', 97, oslo('2026-03-02', '08:00'))] });
    assert.equal(r.zone, 'red');
    assert.deepEqual(r.findings.map((f) => [f.ruleId, f.zone]), [['trend:spo2-fall', 'red']]);
    assert.deepEqual(r.actions, tx('spo2 red'));
    assert.match(r.findings[0]?.summary.nb ?? '', /^SpO2 har falt 4 % på 2 døgn \(97 % → 93 %\)/);
  });

  test('a baseline finding says so and lists only the reading', () => {
    const plan = testPlan({ trendRules: [spo2Baseline] });
    const r = evaluate({ plan, planVersion: 2, newObservations: [obs('spo2', 90, oslo('2026-03-03', '08:00'), 'x')], history: [] });
    const f = r.findings.find((x) => x.ruleId === 'trend:spo2-fall');
    assert.deepEqual(f?.values.map((v) => v.observationId), ['x']);
    assert.match(f?.summary.en ?? '', /SpO2 fell 3 % from own baseline \(93 % → 90 %\); the limit is at least 3 %/);
  });
});

describe('late and out-of-order data (every trend rule re-evaluated for newer readings)', () => {
  test('an offline batch is evaluated in time order, each value seeing only earlier ones', () => {
    const batch = [obs('weight', 82.6, oslo('2026-03-04', '07:00'), 'd2'), obs('weight', 80.2, oslo('2026-03-02', '07:00'), 'd0'), obs('weight', 81.0, oslo('2026-03-03', '07:00'), 'd1')];
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: batch, history: [] });
    assert.deepEqual(r.perObservation, [
      { id: 'd0', zone: 'green' },
      { id: 'd1', zone: 'green' },
      { id: 'd2', zone: 'yellow' },
    ]);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]?.at, oslo('2026-03-04', '07:00'));
  });

  test('an older weight arriving after a newer one makes the newer one a gain', () => {
    // Thursday's 82.5 was stored first; Monday's 80.0 syncs late from an offline tablet.
    const thursday = obs('weight', 82.5, oslo('2026-03-05', '07:00'), 'thu');
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [obs('weight', 80.0, oslo('2026-03-02', '07:10'), 'mon')], history: [thursday] });
    const f = r.findings.find((x) => x.ruleId === 'trend:weight-rise');
    assert.ok(f, 'the trend of the newer reading is found when the older one arrives');
    assert.equal(f.at, thursday.effectiveAt.toISOString());
    assert.deepEqual(f.values.map((v) => v.observationId), ['mon', 'thu']);
    assert.deepEqual(r.perObservation, [{ id: 'mon', zone: 'green' }]);
    assert.equal(r.zone, 'yellow');
  });

  test('a newer reading that already fired is not reported again', () => {
    const history = [obs('weight', 80.0, oslo('2026-03-02', '07:00'), 'a'), obs('weight', 82.5, oslo('2026-03-05', '07:00'), 'b')];
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [obs('weight', 79.5, oslo('2026-03-03', '07:00'), 'c')], history });
    assert.deepEqual(r.findings.map((f) => f.ruleId), []);
  });
});

// ------------------------------------------------------------------ properties

const RULES: { trend: TrendRule[]; combined: CombinedRule[] } = {
  trend: [
    { id: 'weight-rise', code: 'weight', kind: 'rise', amount: 2, windowDays: 3, zone: 'yellow' },
    { id: 'spo2-fall', code: 'spo2', kind: 'fall', amount: 3, inclusive: true, windowDays: 2, zone: 'yellow' },
  ],
  combined: [
    { kind: 'sitting', id: 'two-yellow', minYellow: 2, zone: 'red' },
    { kind: 'consecutive_days', id: 'three-days', days: 3, codes: ['spo2'], zone: 'red' },
  ],
};
const plan: PlanDefinition = testPlan({ trendRules: RULES.trend, combinedRules: RULES.combined });
const CODES = ['weight', 'spo2', 'heart_rate'] as const;
const VALUES: Record<(typeof CODES)[number], [number, number]> = { weight: [780, 840], spo2: [870, 990], heart_rate: [450, 1200] };

/** Readings on a wall-clock pattern: day offset, minute of day, code, value in tenths. */
const readingsArb = fc
  .array(
    fc.record({ day: fc.integer({ min: 0, max: 6 }), minute: fc.integer({ min: 0, max: 24 * 60 - 1 }), code: fc.constantFrom(...CODES), pick: fc.nat() }),
    { minLength: 1, maxLength: 14 },
  )
  .map((rs) => {
    // One reading per code and minute, so every finding has a unique (rule, code, time).
    const seen = new Set<string>();
    return rs.filter((r) => {
      const k = `${r.code}|${r.day}|${r.minute}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  });

function build(rs: { day: number; minute: number; code: (typeof CODES)[number]; pick: number }[], base: string): ObservationPoint[] {
  return rs.map((r, i) => {
    const [lo, hi] = VALUES[r.code];
    const hhmm = `${String(Math.floor(r.minute / 60)).padStart(2, '0')}:${String(r.minute % 60).padStart(2, '0')}`;
    return { id: `r${String(i).padStart(2, '0')}`, code: r.code, value: (lo + (r.pick % (hi - lo + 1))) / 10, unit: '', effectiveAt: zonedInstant(addDays(base, r.day), hhmm, TZ) };
  });
}

/** A finding as the nurse sees it, without the absolute time: rule, subject reading, zone, the readings it cites. */
const key = (f: Finding, byTime: Map<string, string>): string =>
  `${f.ruleId}|${byTime.get(f.at) ?? f.at}|${f.zone}|${f.values.map((v) => v.observationId).join(',')}`;

describe('properties (fast-check)', () => {
  test('property: shifting all wall-clock times across a DST change never changes a finding', () => {
    // 2 March: no change; 26 March and 22 October: the week spans the spring / autumn change in Oslo.
    const bases = ['2026-03-02', '2026-03-26', '2026-10-22'];
    fc.assert(
      fc.property(readingsArb, fc.nat(), (rs, wall) => {
        // Avoid wall times that do not exist (02:00–03:00 on the spring day) or exist twice (autumn),
        // and the hour on each side: two readings either side of the change are an hour closer (or
        // further apart) in elapsed time than on the wall clock, and a sitting is an hour of elapsed
        // time (triage.ts#SITTING_MS), so one sitting on the spring day is two on any other day.
        const safe = rs.filter((r) => r.minute < 60 || r.minute >= 240);
        const keys = bases.map((base) => {
          const points = build(safe, base);
          const idAt = new Map(points.map((p) => [p.effectiveAt.toISOString(), p.id] as const));
          return evaluate({ plan, planVersion: 1, newObservations: points, history: [], timeZone: TZ })
            .findings.map((f) => key(f, idAt))
            .sort();
        });
        assert.deepEqual(keys[1], keys[0]);
        assert.deepEqual(keys[2], keys[0]);
        void wall;
      }),
      { numRuns: 150 },
    );
  });

  test('property: the order readings arrive in never changes the final set of findings', () => {
    fc.assert(
      fc.property(readingsArb, fc.array(fc.nat(), { minLength: 14, maxLength: 14 }), fc.integer({ min: 1, max: 5 }), (rs, order, batches) => {
        const points = build(rs, '2026-03-26');
        const idAt = new Map(points.map((p) => [p.effectiveAt.toISOString(), p.id] as const));
        const once = new Set(evaluate({ plan, planVersion: 1, newObservations: points, history: [], timeZone: TZ }).findings.map((f) => key(f, idAt)));
        // Arrival: a random permutation cut into `batches` uploads, each triaged against what came before.
        const shuffled = points.map((p, i) => ({ p, k: order[i] ?? i })).sort((a, b) => a.k - b.k || a.p.id.localeCompare(b.p.id)).map((x) => x.p);
        const size = Math.ceil(shuffled.length / batches);
        const seen: ObservationPoint[] = [];
        const union = new Set<string>();
        for (let i = 0; i < shuffled.length; i += size) {
          const batch = shuffled.slice(i, i + size);
          for (const f of evaluate({ plan, planVersion: 1, newObservations: batch, history: [...seen], timeZone: TZ }).findings) union.add(key(f, idAt));
          seen.push(...batch);
        }
        // Trend and combined findings cite the readings they compare, which may differ with arrival
        // order (the same gain seen from another low point); what must not differ is which rule fired
        // for which reading, in which zone.
        const strip = (s: Set<string>): string[] => [...new Set([...s].map((k) => k.split('|').slice(0, 3).join('|')))].sort();
        assert.deepEqual(strip(union), strip(once));
      }),
      { numRuns: 200 },
    );
  });
});
