import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type MeasureCode, CATALOGUE } from './catalogue.js';
import { type Thresholds, ThresholdsSchema } from './plan.js';
import { DEFAULT_ACTIONS, type ObservationPoint, type WorklistStatus, type Zone, compareWorklist, evaluate, observationPoint, worstZone, zoneFor } from './triage.js';
import { obs, testPlan, tx } from './test-fixtures.js';

const RANK: Record<Zone, number> = { green: 0, yellow: 1, red: 2 };

describe('zoneFor', () => {
  const full: Thresholds = { redBelow: 88, yellowBelow: 92, yellowAbove: 100, redAbove: 110 };
  const rows: [Thresholds, number, Zone][] = [
    [full, 87, 'red'],
    [full, 88, 'yellow'],
    [full, 91, 'yellow'],
    [full, 92, 'green'],
    [full, 100, 'green'],
    [full, 101, 'yellow'],
    [full, 110, 'yellow'],
    [full, 111, 'red'],
    [{}, -1000, 'green'],
    [{ redBelow: 4 }, 3.9, 'red'],
    [{ redBelow: 4 }, 4, 'green'],
    [{ yellowAbove: 9, redAbove: 19 }, 9, 'green'],
    [{ yellowAbove: 9, redAbove: 19 }, 10, 'yellow'],
    [{ yellowAbove: 9, redAbove: 19 }, 20, 'red'],
    [{ redBelow: 35.1, yellowBelow: 36.1, yellowAbove: 37.4, redAbove: 37.9 }, 38.0, 'red'],
    [{ redBelow: 35.1, yellowBelow: 36.1, yellowAbove: 37.4, redAbove: 37.9 }, 37.9, 'yellow'],
    [{ redBelow: 35.1, yellowBelow: 36.1, yellowAbove: 37.4, redAbove: 37.9 }, 36.0, 'yellow'],
    [{ yellowBelow: 50, redAbove: 60 }, 61, 'red'],
  ];
  for (const [th, value, zone] of rows) {
    test(`${JSON.stringify(th)} at ${value} → ${zone}`, () => assert.equal(zoneFor(th, value), zone));
  }

  const thresholdsArb = fc
    .tuple(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }))
    .map(([nums, keep]) => {
      const sorted = [...new Set(nums)].sort((a, b) => a - b);
      const keys = ['redBelow', 'yellowBelow', 'yellowAbove', 'redAbove'] as const;
      const th: Thresholds = {};
      keys.forEach((k, i) => {
        const v = sorted[i];
        if (keep[i] && v !== undefined) th[k] = v;
      });
      return th;
    });

  test('property: moving further from the green band never improves the zone', () => {
    fc.assert(
      fc.property(thresholdsArb, fc.double({ min: -200, max: 200, noNaN: true }), fc.double({ min: 0, max: 200, noNaN: true }), (th, v, d) => {
        assert.ok(ThresholdsSchema.safeParse(th).success);
        // Any point in the green band (or a mid point when there is none) splits the line in two directions.
        const lo = th.yellowBelow ?? th.redBelow ?? -Infinity;
        const hi = th.yellowAbove ?? th.redAbove ?? Infinity;
        if (v >= lo && v <= hi) return;
        const further = v < lo ? v - d : v + d;
        assert.ok(RANK[zoneFor(th, further)] >= RANK[zoneFor(th, v)], `${JSON.stringify(th)} ${v} → ${further}`);
      }),
    );
  });

  test('property: values between the yellow limits are green, and a zone never skips past red', () => {
    fc.assert(
      fc.property(thresholdsArb, fc.double({ min: -200, max: 200, noNaN: true }), (th, v) => {
        const z = zoneFor(th, v);
        const lo = th.yellowBelow ?? th.redBelow ?? -Infinity;
        const hi = th.yellowAbove ?? th.redAbove ?? Infinity;
        if (v >= lo && v <= hi) assert.equal(z, 'green');
        if ((th.redBelow !== undefined && v < th.redBelow) || (th.redAbove !== undefined && v > th.redAbove)) assert.equal(z, 'red');
      }),
    );
  });

  test('worstZone', () => {
    assert.equal(worstZone(), 'green');
    assert.equal(worstZone('green', 'yellow'), 'yellow');
    assert.equal(worstZone('red', 'yellow', 'green'), 'red');
  });
});

describe('evaluate — thresholds', () => {
  test('red SpO2 gives a threshold finding with a nurse-facing summary naming rule, limit, value and plan version', () => {
    const o = obs('spo2', 87, '2026-03-02T08:00:00Z', 'a1');
    const r = evaluate({ plan: testPlan(), planVersion: 3, newObservations: [o], history: [] });
    assert.equal(r.zone, 'red');
    assert.deepEqual(r.perObservation, [{ id: 'a1', zone: 'red' }]);
    assert.deepEqual(r.findings, [
      {
        ruleId: 'threshold:spo2',
        kind: 'threshold',
        zone: 'red',
        code: 'spo2',
        planVersion: 3,
        values: [{ observationId: 'a1', code: 'spo2', value: 87, unit: '%', effectiveAt: '2026-03-02T08:00:00.000Z' }],
        at: '2026-03-02T08:00:00.000Z',
        summary: {
          nb: 'SpO2 87 % under rød grense 88 % (plan v3)',
          nn: 'SpO2 87 % under raud grense 88 % (plan v3)',
          en: 'SpO2 87 % below red limit 88 % (plan v3)',
        },
      },
    ]);
    assert.deepEqual(r.actions, tx('spo2 red'));
  });

  test('decimal comma in Norwegian, point in English', () => {
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [obs('temperature', 38.4, '2026-03-02T08:00:00Z')], history: [] });
    assert.equal(r.zone, 'yellow');
    assert.equal(r.findings[0]?.summary.nb, 'Temperatur 38,4 °C over gul grense 38,0 °C (plan v1)');
    assert.equal(r.findings[0]?.summary.en, 'Temperature 38.4 °C above yellow limit 38.0 °C (plan v1)');
  });

  const rows: [MeasureCode, number, Zone, string | null][] = [
    ['spo2', 95, 'green', null],
    ['spo2', 92, 'green', null],
    ['spo2', 91, 'yellow', 'threshold:spo2'],
    ['heart_rate', 131, 'red', 'threshold:heart_rate'],
    ['heart_rate', 50, 'yellow', 'threshold:heart_rate'],
    ['phq9', 12, 'yellow', 'questionnaire:phq9'],
    ['phq9', 20, 'red', 'questionnaire:phq9'],
    // Not in this plan, but below the catalogue's critical limit (ADA level 2 hypoglycaemia < 3.0 mmol/L): red whatever the plan.
    ['glucose', 2.0, 'red', 'threshold:glucose'],
    ['glucose', 5.0, 'green', null], // not in this plan: stored, not triaged
    ['glucose', 35, 'red', 'threshold:glucose'], // ≥ 33.3 mmol/L hyperosmolar range (Kitabchi 2009)
    ['spo2', 91.5, 'yellow', 'threshold:spo2'], // exact: 91.5 is below 92, not rounded up to it
  ];
  for (const [code, value, zone, ruleId] of rows) {
    test(`${code} ${value} → ${zone}`, () => {
      const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [obs(code, value, '2026-03-02T08:00:00Z')], history: [] });
      assert.equal(r.zone, zone);
      assert.deepEqual(
        r.findings.map((f) => f.ruleId),
        ruleId === null ? [] : [ruleId],
      );
    });
  }

  test('green batch returns the plan green text; empty batch the default green text', () => {
    const green = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [obs('spo2', 97, '2026-03-02T08:00:00Z')], history: [] });
    assert.deepEqual(green.actions, tx('spo2 green'));
    const empty = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [], history: [] });
    assert.equal(empty.zone, 'green');
    assert.deepEqual(empty.actions, DEFAULT_ACTIONS.green);
  });

  test('actions follow the worst zone; perObservation is in time order', () => {
    const r = evaluate({
      plan: testPlan(),
      planVersion: 1,
      newObservations: [obs('heart_rate', 120, '2026-03-02T09:00:00Z', 'late'), obs('spo2', 86, '2026-03-02T08:00:00Z', 'early')],
      history: [],
    });
    assert.equal(r.zone, 'red');
    assert.deepEqual(r.perObservation, [
      { id: 'early', zone: 'red' },
      { id: 'late', zone: 'yellow' },
    ]);
    assert.deepEqual(r.actions, tx('spo2 red'));
  });

  test('questionnaire summary mentions the severity band', () => {
    const r = evaluate({ plan: testPlan(), planVersion: 2, newObservations: [obs('phq9', 21, '2026-03-02T08:00:00Z')], history: [] });
    assert.equal(r.findings[0]?.summary.nb, 'PHQ-9 21 poeng over rød grense 19 poeng – alvorlige depressive symptomer (plan v2)');
    assert.equal(r.findings[0]?.kind, 'questionnaire');
  });
});

describe('evaluate — NEWS2', () => {
  const plan = testPlan({ news2: { enabled: true, scale: 1 } });
  const vitals = (at: string, v: { rr: number; spo2: number; sbp: number; hr: number; temp: number }): ObservationPoint[] => [
    obs('resp_rate', v.rr, at),
    obs('spo2', v.spo2, at),
    obs('bp_systolic', v.sbp, at),
    obs('heart_rate', v.hr, at),
    obs('temperature', v.temp, at),
  ];

  test('complete set scoring ≥7 → red news2 finding', () => {
    const batch = vitals('2026-03-02T08:00:00Z', { rr: 22, spo2: 93, sbp: 105, hr: 102, temp: 38.4 });
    const r = evaluate({ plan, planVersion: 4, newObservations: batch, history: [] });
    const f = r.findings.find((x) => x.ruleId === 'news2');
    assert.ok(f);
    assert.equal(f.zone, 'red');
    assert.equal(f.kind, 'news2');
    assert.equal(f.values.length, 5);
    assert.equal(f.score, 7);
    assert.equal(
      f.summary.nb,
      'NEWS2 7 (høy risiko): resp.frekvens 22/min (2), SpO2 93 % (2), syst. BT 105 mmHg (1), puls 102/min (1), temp. 38,4 °C (1); SpO2-skala 1 (plan v4)',
    );
    assert.equal(r.zone, 'red');
  });

  test('score 5–6 → yellow; a single 3 → yellow', () => {
    const five = evaluate({ plan, planVersion: 1, newObservations: vitals('2026-03-02T08:00:00Z', { rr: 24, spo2: 95, sbp: 115, hr: 95, temp: 38.1 }), history: [] });
    assert.equal(five.findings.find((x) => x.ruleId === 'news2')?.zone, 'yellow');
    const three = evaluate({ plan, planVersion: 1, newObservations: vitals('2026-03-02T08:00:00Z', { rr: 8, spo2: 97, sbp: 130, hr: 70, temp: 37 }), history: [] });
    assert.equal(three.findings.find((x) => x.ruleId === 'news2')?.zone, 'yellow');
    const low = evaluate({ plan, planVersion: 1, newObservations: vitals('2026-03-02T08:00:00Z', { rr: 16, spo2: 97, sbp: 130, hr: 70, temp: 37 }), history: [] });
    assert.equal(low.findings.length, 0);
    assert.equal(low.zone, 'green');
  });

  test('drives the overall zone even when every single value is green', () => {
    const r = evaluate({ plan, planVersion: 1, newObservations: vitals('2026-03-02T08:00:00Z', { rr: 24, spo2: 95, sbp: 115, hr: 95, temp: 37.9 }), history: [] });
    // 2 + 1 + 0 + 1 + 0 = 4: low; bump SBP to 100 (2 points) → 6: medium.
    assert.equal(r.findings.length, 0);
    const r2 = evaluate({ plan, planVersion: 1, newObservations: vitals('2026-03-02T08:00:00Z', { rr: 24, spo2: 95, sbp: 100, hr: 95, temp: 37.9 }), history: [] });
    assert.ok(r2.perObservation.every((p) => p.zone === 'green'));
    assert.equal(r2.zone, 'yellow');
    assert.deepEqual(r2.actions, tx('spo2 yellow'));
  });

  test('a partial set is reported as partial and still fires; history within the hour completes it, older history does not', () => {
    // rr 22 (2) + SpO2 93 (2) + sbp 105 (1) + pulse 102 (1) = 6 without temperature: already medium.
    const batch = vitals('2026-03-02T08:00:00Z', { rr: 22, spo2: 93, sbp: 105, hr: 102, temp: 38.4 }).filter((o) => o.code !== 'temperature');
    const partial = evaluate({ plan, planVersion: 1, newObservations: batch, history: [] }).findings.find((f) => f.ruleId === 'news2');
    assert.equal(partial?.zone, 'yellow');
    assert.equal(partial?.partial, true);
    assert.match(partial?.summary.en ?? '', /^Partial NEWS2 \(missing temp\.\) 6 \(medium risk\)/);
    const recent = evaluate({ plan, planVersion: 1, newObservations: batch, history: [obs('temperature', 38.4, '2026-03-02T07:15:00Z')] }).findings.find((f) => f.ruleId === 'news2');
    assert.equal(recent?.zone, 'red');
    assert.equal(recent?.partial, undefined);
    const old = evaluate({ plan, planVersion: 1, newObservations: batch, history: [obs('temperature', 38.4, '2026-03-02T06:59:00Z')] }).findings.find((f) => f.ruleId === 'news2');
    assert.equal(old?.partial, true);
  });

  test('uses the latest value of each vital: a re-measure within the hour supersedes', () => {
    const first = vitals('2026-03-02T08:00:00Z', { rr: 22, spo2: 93, sbp: 105, hr: 102, temp: 38.4 });
    const remeasure = obs('spo2', 97, '2026-03-02T08:10:00Z');
    const r = evaluate({ plan, planVersion: 1, newObservations: [...first, remeasure], history: [] });
    const f = r.findings.filter((x) => x.ruleId === 'news2');
    assert.equal(f.length, 1);
    // 2 + 0 + 1 + 1 + 1 = 5 → yellow instead of red
    assert.equal(f[0]?.zone, 'yellow');
    assert.equal(f[0]?.summary.en.startsWith('NEWS2 5 (medium risk)'), true);
  });

  test('scale 2 scores SpO2 89 as 0 instead of 3', () => {
    const batch = vitals('2026-03-02T08:00:00Z', { rr: 18, spo2: 89, sbp: 130, hr: 85, temp: 37 });
    const s1 = evaluate({ plan: testPlan({ news2: { enabled: true, scale: 1 } }), planVersion: 1, newObservations: batch, history: [] });
    assert.equal(s1.findings.find((f) => f.ruleId === 'news2')?.zone, 'yellow');
    const s2 = evaluate({ plan: testPlan({ news2: { enabled: true, scale: 2, hypercapnicFailureConfirmed: true } }), planVersion: 1, newObservations: batch, history: [] });
    assert.equal(s2.findings.some((f) => f.ruleId === 'news2'), false);
  });

  test('disabled NEWS2 never produces a finding', () => {
    const batch = vitals('2026-03-02T08:00:00Z', { rr: 30, spo2: 93, sbp: 88, hr: 135, temp: 37 });
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: batch, history: [] });
    assert.equal(r.findings.some((f) => f.ruleId === 'news2'), false);
  });

  test('offline upload of two days scores each day separately', () => {
    const day1 = vitals('2026-03-01T08:00:00Z', { rr: 30, spo2: 93, sbp: 88, hr: 135, temp: 37 });
    const day2 = vitals('2026-03-02T08:00:00Z', { rr: 24, spo2: 95, sbp: 115, hr: 95, temp: 38.1 });
    const r = evaluate({ plan, planVersion: 1, newObservations: [...day2, ...day1], history: [] });
    assert.deepEqual(
      r.findings.filter((f) => f.ruleId === 'news2').map((f) => [f.at, f.zone]),
      [
        ['2026-03-01T08:00:00.000Z', 'red'],
        ['2026-03-02T08:00:00.000Z', 'yellow'],
      ],
    );
  });
});

describe('evaluate — properties', () => {
  const codes: MeasureCode[] = ['spo2', 'heart_rate', 'resp_rate', 'bp_systolic', 'temperature', 'weight', 'phq9'];
  const obsArb = fc
    .record({
      code: fc.constantFrom(...codes),
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
      minutes: fc.integer({ min: 0, max: 6 * 24 * 60 }),
    })
    .map(({ code, frac, minutes }) => {
      const def = CATALOGUE[code];
      return { code, value: Math.round((def.min + frac * (def.max - def.min)) * 10) / 10, minutes };
    });
  const batchArb = fc.array(obsArb, { minLength: 0, maxLength: 25 }).map((xs) =>
    xs.map((x, i) => ({
      id: `n${String(i).padStart(2, '0')}`,
      code: x.code,
      value: x.value,
      unit: CATALOGUE[x.code].unit,
      effectiveAt: new Date(Date.UTC(2026, 2, 1) + x.minutes * 60_000),
    })),
  );

  test('property: the result does not depend on the order of newObservations', () => {
    const plan = testPlan({ news2: { enabled: true, scale: 1 } });
    fc.assert(
      fc.property(batchArb, batchArb, fc.integer(), (batch, historyRaw, seed) => {
        const history = historyRaw.map((h) => ({ ...h, id: `h${h.id}`, effectiveAt: new Date(h.effectiveAt.getTime() - 3 * 86_400_000) }));
        const shuffled = [...batch];
        let s = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          const tmp = shuffled[i]!;
          shuffled[i] = shuffled[j]!;
          shuffled[j] = tmp;
        }
        const a = evaluate({ plan, planVersion: 1, newObservations: batch, history });
        const b = evaluate({ plan, planVersion: 1, newObservations: shuffled, history: [...history].reverse() });
        assert.deepEqual(b, a);
      }),
      { numRuns: 200 },
    );
  });

  test('property: overall zone is at least every per-observation zone and every finding zone', () => {
    const plan = testPlan({ news2: { enabled: true, scale: 2, hypercapnicFailureConfirmed: true } });
    fc.assert(
      fc.property(batchArb, (batch) => {
        const r = evaluate({ plan, planVersion: 1, newObservations: batch, history: [] });
        for (const p of r.perObservation) assert.ok(RANK[r.zone] >= RANK[p.zone]);
        for (const f of r.findings) if (f.zone !== 'missing') assert.ok(RANK[r.zone] >= RANK[f.zone]);
        assert.equal(r.perObservation.length, batch.length);
        if (r.zone !== 'green') assert.ok(r.findings.some((f) => f.zone === r.zone));
      }),
    );
  });

  test('a history entry re-sent in the new batch is not counted twice', () => {
    const o = obs('weight', 82.5, '2026-03-03T07:00:00Z', 'dup');
    const r = evaluate({ plan: testPlan(), planVersion: 1, newObservations: [o], history: [o, obs('weight', 80.4, '2026-03-02T07:00:00Z')] });
    assert.deepEqual(
      r.findings.map((f) => f.ruleId),
      ['trend:weight-rise'],
    );
  });
});

describe('compareWorklist', () => {
  const d = (iso: string): Date => new Date(iso);
  test('red → yellow → missing → green, oldest first within a status', () => {
    const items: { status: WorklistStatus; since: Date; name: string }[] = [
      { status: 'green', since: d('2026-01-01T00:00:00Z'), name: 'g-old' },
      { status: 'missing', since: d('2026-03-02T00:00:00Z'), name: 'm-new' },
      { status: 'yellow', since: d('2026-03-02T10:00:00Z'), name: 'y-new' },
      { status: 'red', since: d('2026-03-02T11:00:00Z'), name: 'r-new' },
      { status: 'yellow', since: d('2026-03-01T10:00:00Z'), name: 'y-old' },
      { status: 'red', since: d('2026-03-01T11:00:00Z'), name: 'r-old' },
      { status: 'missing', since: d('2026-03-01T00:00:00Z'), name: 'm-old' },
    ];
    assert.deepEqual(
      [...items].sort(compareWorklist).map((i) => i.name),
      ['r-old', 'r-new', 'y-old', 'y-new', 'm-old', 'm-new', 'g-old'],
    );
  });

  const itemArb = fc.record({
    status: fc.constantFrom<WorklistStatus>('red', 'yellow', 'missing', 'green'),
    since: fc.integer({ min: 0, max: 1000 }).map((m) => new Date(Date.UTC(2026, 0, 1) + m * 60_000)),
  });

  test('property: total order (reflexive, antisymmetric, transitive) consistent with the spec', () => {
    const rank: Record<WorklistStatus, number> = { red: 0, yellow: 1, missing: 2, green: 3 };
    fc.assert(
      fc.property(itemArb, itemArb, itemArb, (a, b, c) => {
        assert.equal(compareWorklist(a, a), 0);
        // `+ 0` turns -0 into 0: strict equality tells them apart, and equal items give sign 0 both ways.
        assert.equal(Math.sign(compareWorklist(a, b)) + 0, -Math.sign(compareWorklist(b, a)) + 0);
        if (compareWorklist(a, b) <= 0 && compareWorklist(b, c) <= 0) assert.ok(compareWorklist(a, c) <= 0);
        if (rank[a.status] < rank[b.status]) assert.ok(compareWorklist(a, b) < 0);
        if (a.status === b.status && a.since < b.since) assert.ok(compareWorklist(a, b) < 0);
        if (compareWorklist(a, b) === 0) {
          assert.equal(a.status, b.status);
          assert.equal(a.since.getTime(), b.since.getTime());
        }
      }),
    );
  });
});

test('observationPoint: interpretation only when there is one', () => {
  const at = new Date('2026-12-03T08:00:00Z');
  assert.deepEqual(observationPoint('a', 'glucose', 33.3, 'mmol/L', at, 'HI'), { id: 'a', code: 'glucose', value: 33.3, unit: 'mmol/L', effectiveAt: at, interpretation: 'HI' });
  for (const none of [null, undefined]) {
    const p = observationPoint('b', 'spo2', 91, '%', at, none);
    assert.deepEqual(p, { id: 'b', code: 'spo2', value: 91, unit: '%', effectiveAt: at });
    assert.equal('interpretation' in p, false);
  }
});
