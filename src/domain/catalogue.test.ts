import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BP_PANEL_LOINC, CATALOGUE, MEASURE_CODES, SYMPTOM_FORM_MAX_SCORE, normaliseMeasurement, roundTo } from './catalogue.js';
import { QUESTIONNAIRES } from './questionnaires.js';

describe('catalogue', () => {
  test('every code has a definition keyed by itself, canonical UCUM unit and sane limits', () => {
    const units = new Set(['%', '/min', 'mm[Hg]', 'kg', 'Cel', 'mmol/L', '{score}']);
    assert.equal(MEASURE_CODES.length, 12);
    for (const code of MEASURE_CODES) {
      const def = CATALOGUE[code];
      assert.equal(def.code, code);
      assert.ok(units.has(def.unit), `${code} unit ${def.unit}`);
      assert.ok(def.min < def.max, code);
      assert.ok(def.display.nb && def.display.nn && def.display.en, code);
    }
  });

  test('LOINC codes from the design catalogue', () => {
    const expected: [string, string, string][] = [
      ['spo2', 'http://loinc.org', '59408-5'],
      ['heart_rate', 'http://loinc.org', '8867-4'],
      ['resp_rate', 'http://loinc.org', '9279-1'],
      ['bp_systolic', 'http://loinc.org', '8480-6'],
      ['bp_diastolic', 'http://loinc.org', '8462-4'],
      ['weight', 'http://loinc.org', '29463-7'],
      ['temperature', 'http://loinc.org', '8310-5'],
      ['glucose', 'http://loinc.org', '14743-9'],
      ['phq9', 'http://loinc.org', '44261-6'],
      ['gad7', 'http://loinc.org', '70274-6'],
      ['cat', 'urn:varde:codes', 'cat-total'],
      ['symptoms', 'urn:varde:codes', 'symptom-score'],
    ];
    for (const [code, system, loinc] of expected) {
      const def = CATALOGUE[code as keyof typeof CATALOGUE];
      assert.equal(def.loinc.system, system, code);
      assert.equal(def.loinc.code, loinc, code);
    }
    assert.equal(BP_PANEL_LOINC, '85354-9');
  });

  test('score ranges match the questionnaires', () => {
    assert.equal(CATALOGUE.phq9.max, QUESTIONNAIRES.phq9.maxScore);
    assert.equal(CATALOGUE.gad7.max, QUESTIONNAIRES.gad7.maxScore);
    assert.equal(CATALOGUE.cat.max, QUESTIONNAIRES.cat.maxScore);
    assert.equal(CATALOGUE.symptoms.max, QUESTIONNAIRES.symptoms.maxScore);
    assert.equal(SYMPTOM_FORM_MAX_SCORE, QUESTIONNAIRES.symptoms.maxScore);
  });
});

describe('normaliseMeasurement', () => {
  const accepted: [string, { code: string; value: number; unit?: string }, { code: string; value: number; unit: string }][] = [
    ['canonical unit', { code: 'spo2', value: 95, unit: '%' }, { code: 'spo2', value: 95, unit: '%' }],
    ['omitted unit means canonical', { code: 'weight', value: 82.34 }, { code: 'weight', value: 82.3, unit: 'kg' }],
    ['empty unit means canonical', { code: 'heart_rate', value: 71.6, unit: '' }, { code: 'heart_rate', value: 72, unit: '/min' }],
    ['mmHg synonym', { code: 'bp_systolic', value: 132, unit: 'mmHg' }, { code: 'bp_systolic', value: 132, unit: 'mm[Hg]' }],
    ['glucose mg/dL ÷ 18', { code: 'glucose', value: 126, unit: 'mg/dL' }, { code: 'glucose', value: 7, unit: 'mmol/L' }],
    ['glucose mg/dL rounds to 1 decimal', { code: 'glucose', value: 100, unit: 'mg/dL' }, { code: 'glucose', value: 5.6, unit: 'mmol/L' }],
    ['pounds to kg', { code: 'weight', value: 180, unit: '[lb_av]' }, { code: 'weight', value: 81.6, unit: 'kg' }],
    ['lb alias', { code: 'weight', value: 200, unit: 'lb' }, { code: 'weight', value: 90.7, unit: 'kg' }],
    // 220.5724 lb = 100.04996 kg with the exact international pound; a rounded factor (0.4536) would give 100.1.
    ['exact pound factor', { code: 'weight', value: 220.5724, unit: '[lb_av]' }, { code: 'weight', value: 100, unit: 'kg' }],
    ['Fahrenheit to Celsius', { code: 'temperature', value: 100.4, unit: '[degF]' }, { code: 'temperature', value: 38, unit: 'Cel' }],
    ['upper limit inclusive', { code: 'spo2', value: 100 }, { code: 'spo2', value: 100, unit: '%' }],
    ['rounding happens before the plausibility check', { code: 'spo2', value: 100.4 }, { code: 'spo2', value: 100, unit: '%' }],
    ['score', { code: 'phq9', value: 27, unit: '{score}' }, { code: 'phq9', value: 27, unit: '{score}' }],
  ];
  for (const [name, input, expected] of accepted) {
    test(`accepts: ${name}`, () => {
      assert.deepEqual(normaliseMeasurement(input), { ok: true, value: expected });
    });
  }

  const rejected: [string, { code: string; value: number; unit?: string }, string, RegExp | string][] = [
    ['SpO2 above 100', { code: 'spo2', value: 104 }, 'implausible_value', 'SpO2 of 104 % is not possible: must be between 50 and 100 %'],
    ['zero weight', { code: 'weight', value: 0 }, 'implausible_value', /Weight of 0 kg is not possible: must be between 20 and 350 kg/],
    ['negative weight', { code: 'weight', value: -70 }, 'implausible_value', /Weight/],
    ['NaN', { code: 'heart_rate', value: Number.NaN }, 'implausible_value', /Heart rate must be a finite number/],
    ['Infinity', { code: 'temperature', value: Number.POSITIVE_INFINITY }, 'implausible_value', /finite/],
    ['glucose in mg/dL out of meter range', { code: 'glucose', value: 900, unit: 'mg/dL' }, 'implausible_value', /Blood glucose of 50 mmol\/L \(900 mg\/dL\) is not possible: must be between 0\.6 and 33\.3 mmol\/L/],
    ['glucose given as mg/dL without a unit', { code: 'glucose', value: 110 }, 'implausible_value', /between 0\.6 and 33\.3/],
    ['gram for weight', { code: 'weight', value: 80000, unit: 'g' }, 'unit_not_accepted', /Unit "g" is not accepted for Weight/],
    ['Fahrenheit for SpO2', { code: 'spo2', value: 95, unit: '[degF]' }, 'unit_not_accepted', /SpO2/],
    ['unknown code', { code: 'cholesterol', value: 5 }, 'unknown_measure', /cholesterol/],
    ['score above instrument maximum', { code: 'gad7', value: 22 }, 'implausible_value', 'GAD-7 of 22 is not possible: must be between 0 and 21'],
  ];
  for (const [name, input, code, message] of rejected) {
    test(`rejects: ${name}`, () => {
      const r = normaliseMeasurement(input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, code);
      if (typeof message === 'string') assert.equal(r.error.message, message);
      else assert.match(r.error.message, message);
    });
  }

  test('property: kg → lb → kg round-trips within rounding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 3500 }), (tenths) => {
        const kg = tenths / 10;
        const r = normaliseMeasurement({ code: 'weight', value: kg / 0.45359237, unit: '[lb_av]' });
        assert.ok(r.ok);
        assert.equal(r.value.value, kg);
      }),
    );
  });

  test('property: mmol/L → mg/dL → mmol/L round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 333 }), (tenths) => {
        const mmol = tenths / 10;
        const r = normaliseMeasurement({ code: 'glucose', value: mmol * 18, unit: 'mg/dL' });
        assert.ok(r.ok);
        assert.equal(r.value.value, mmol);
      }),
    );
  });

  test('property: °C → °F → °C round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 300, max: 440 }), (tenths) => {
        const c = tenths / 10;
        const r = normaliseMeasurement({ code: 'temperature', value: (c * 9) / 5 + 32, unit: '[degF]' });
        assert.ok(r.ok);
        assert.equal(r.value.value, c);
      }),
    );
  });

  test('property: accepted values are rounded and inside the limits; the rest are rejected', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MEASURE_CODES), fc.double({ min: -50, max: 500, noNaN: true }), (code, value) => {
        const def = CATALOGUE[code];
        const r = normaliseMeasurement({ code, value });
        const rounded = roundTo(value, def.decimals);
        if (rounded >= def.min && rounded <= def.max) {
          assert.deepEqual(r, { ok: true, value: { code, value: rounded, unit: def.unit } });
        } else {
          assert.equal(r.ok, false);
          if (!r.ok) assert.equal(r.error.code, 'implausible_value');
        }
      }),
    );
  });

  test('roundTo rounds half away from zero despite binary floating point', () => {
    assert.equal(roundTo(1.005, 2), 1.01);
    assert.equal(roundTo(2.45, 1), 2.5);
    assert.equal(roundTo(-2.45, 1), -2.5);
    assert.equal(roundTo(7.04999, 1), 7);
  });
});
