import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { news2, news2Risk, scorePulse, scoreRespRate, scoreSpo2, scoreSystolic, scoreTemperature } from './news2.js';

/* Band edges from RCP 2017 NEWS2 chart 1. Each row: value → expected points. */
describe('NEWS2 single parameters (RCP 2017 chart 1)', () => {
  const tables: [string, (v: number) => number, [number, number][]][] = [
    ['respiration rate', scoreRespRate, [[4, 3], [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3], [40, 3]]],
    ['SpO2 scale 1', (v) => scoreSpo2(v, 1, false), [[85, 3], [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0]]],
    ['SpO2 scale 1 on oxygen (no extra SpO2 points)', (v) => scoreSpo2(v, 1, true), [[91, 3], [96, 0], [100, 0]]],
    ['SpO2 scale 2 on air', (v) => scoreSpo2(v, 2, false), [[80, 3], [83, 3], [84, 2], [85, 2], [86, 1], [87, 1], [88, 0], [92, 0], [93, 0], [97, 0], [100, 0]]],
    ['SpO2 scale 2 on oxygen', (v) => scoreSpo2(v, 2, true), [[83, 3], [85, 2], [87, 1], [88, 0], [92, 0], [93, 1], [94, 1], [95, 2], [96, 2], [97, 3], [100, 3]]],
    ['systolic BP', scoreSystolic, [[70, 3], [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3]]],
    ['pulse', scorePulse, [[30, 3], [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3]]],
    ['temperature', scoreTemperature, [[34.2, 3], [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [41, 2]]],
  ];
  for (const [name, f, rows] of tables) {
    for (const [value, points] of rows) {
      test(`${name} ${value} → ${points}`, () => assert.equal(f(value), points));
    }
  }

  // RCP 2017 prints whole numbers (temperature to one decimal). A device fraction between two printed
  // bands gets the higher score of the two: it is never rounded into the safer band.
  const between: [string, (v: number) => number, number, number][] = [
    ['resp rate', scoreRespRate, 20.4, 2],
    ['resp rate', scoreRespRate, 11.5, 1],
    ['resp rate', scoreRespRate, 8.5, 3],
    ['SpO2 scale 1', (v) => scoreSpo2(v, 1, false), 91.5, 3],
    ['SpO2 scale 1', (v) => scoreSpo2(v, 1, false), 95.5, 1],
    ['SpO2 scale 1', (v) => scoreSpo2(v, 1, false), 96, 0],
    ['systolic', scoreSystolic, 90.5, 3],
    ['pulse', scorePulse, 90.4, 1],
    ['pulse', scorePulse, 40.5, 3],
    ['temperature', scoreTemperature, 38.04, 1],
    ['temperature', scoreTemperature, 35.05, 3],
    ['temperature', scoreTemperature, 38.0, 0],
  ];
  for (const [name, f, value, points] of between) {
    test(`between printed bands: ${name} ${value} → ${points}`, () => assert.equal(f(value), points));
  }
});

describe('NEWS2 aggregate — worked examples', () => {
  const examples: {
    name: string;
    input: Parameters<typeof news2>[0];
    score: number;
    risk: 'low' | 'low-medium' | 'medium' | 'high';
    three: boolean;
    parts?: Record<string, number>;
  }[] = [
    {
      name: 'healthy adult at rest',
      input: { scale: 1, respRate: 16, spo2: 98, systolic: 125, pulse: 72, temperature: 36.8 },
      score: 0,
      risk: 'low',
      three: false,
      parts: { respRate: 0, spo2: 0, airOrOxygen: 0, systolic: 0, pulse: 0, consciousness: 0, temperature: 0 },
    },
    {
      name: 'early sepsis picture: RR 22, SpO2 93, SBP 105, HR 102, 38.4 °C',
      input: { scale: 1, respRate: 22, spo2: 93, systolic: 105, pulse: 102, temperature: 38.4 },
      score: 7,
      risk: 'high',
      three: false,
      parts: { respRate: 2, spo2: 2, airOrOxygen: 0, systolic: 1, pulse: 1, consciousness: 0, temperature: 1 },
    },
    {
      name: 'chest infection: RR 24, SpO2 95, SBP 115, HR 95, 38.1 °C → medium (urgent response threshold)',
      input: { scale: 1, respRate: 24, spo2: 95, systolic: 115, pulse: 95, temperature: 38.1 },
      score: 5,
      risk: 'medium',
      three: false,
    },
    {
      name: 'single red parameter: RR 8, everything else normal',
      input: { scale: 1, respRate: 8, spo2: 97, systolic: 130, pulse: 70, temperature: 37 },
      score: 3,
      risk: 'low-medium',
      three: true,
    },
    {
      name: 'COPD on scale 2, SpO2 89 on air scores 0 (88–92 target)',
      input: { scale: 2, respRate: 18, spo2: 89, systolic: 130, pulse: 85, temperature: 37 },
      score: 0,
      risk: 'low',
      three: false,
    },
    {
      name: 'same patient on scale 1 would score 3 for SpO2 89',
      input: { scale: 1, respRate: 18, spo2: 89, systolic: 130, pulse: 85, temperature: 37 },
      score: 3,
      risk: 'low-medium',
      three: true,
    },
    {
      name: 'scale 2 on oxygen with SpO2 97: 3 + 2 for oxygen',
      input: { scale: 2, respRate: 18, spo2: 97, onOxygen: true, systolic: 130, pulse: 85, temperature: 37 },
      score: 5,
      risk: 'medium',
      three: true,
    },
    {
      name: 'new confusion adds 3',
      input: { scale: 1, respRate: 18, spo2: 97, systolic: 130, pulse: 85, temperature: 37, consciousness: 'C' },
      score: 3,
      risk: 'low-medium',
      three: true,
    },
    {
      name: 'very unwell: RR 30, SpO2 88, SBP 88, HR 135, 39.5 °C',
      input: { scale: 1, respRate: 30, spo2: 88, systolic: 88, pulse: 135, temperature: 39.5 },
      score: 14,
      risk: 'high',
      three: true,
    },
  ];
  for (const ex of examples) {
    test(ex.name, () => {
      const r = news2(ex.input);
      assert.equal(r.complete, true);
      assert.equal(r.score, ex.score);
      assert.equal(r.risk, ex.risk);
      assert.equal(r.anyParameterThree, ex.three);
      if (ex.parts) assert.deepEqual(r.parts, ex.parts);
    });
  }

  test('incomplete when a home vital is missing; defaults are Alert and air', () => {
    const r = news2({ scale: 1, respRate: 22, spo2: 93, pulse: 102, temperature: 38.4 });
    assert.equal(r.complete, false);
    assert.equal(r.score, 6);
    assert.deepEqual(r.parts, { respRate: 2, spo2: 2, airOrOxygen: 0, pulse: 1, consciousness: 0, temperature: 1 });
  });

  const riskTable: [number, boolean, string][] = [
    [0, false, 'low'],
    [4, false, 'low'],
    [3, true, 'low-medium'],
    [5, false, 'medium'],
    [6, true, 'medium'],
    [7, false, 'high'],
    [20, true, 'high'],
  ];
  for (const [score, three, risk] of riskTable) {
    test(`risk(${score}, single 3: ${three}) = ${risk}`, () => assert.equal(news2Risk(score, three), risk));
  }

  test('property: the score is the sum of the parts and each part is 0–3', () => {
    fc.assert(
      fc.property(
        fc.record({
          respRate: fc.integer({ min: 4, max: 60 }),
          spo2: fc.integer({ min: 50, max: 100 }),
          systolic: fc.integer({ min: 50, max: 280 }),
          pulse: fc.integer({ min: 20, max: 250 }),
          temperature: fc.integer({ min: 300, max: 440 }).map((x) => x / 10),
          scale: fc.constantFrom(1 as const, 2 as const),
          onOxygen: fc.boolean(),
        }),
        (input) => {
          const r = news2(input);
          const parts = Object.values(r.parts);
          assert.equal(r.score, parts.reduce((a, b) => a + b, 0));
          assert.ok(parts.every((p) => p >= 0 && p <= 3));
          assert.equal(r.anyParameterThree, parts.includes(3));
          assert.equal(r.complete, true);
        },
      ),
    );
  });
});
