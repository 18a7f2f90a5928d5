import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BP_PANEL_LOINC, CATALOGUE, MEASURE_CODES, type MeasureCode, SYMPTOM_FORM_MAX_SCORE, checkSittingPlausibility, normaliseMeasurement, roundTo } from './catalogue.js';
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
  type In = { code: string; value?: number; unit?: string; interpretation?: string };
  type Out = { code: string; value: number; unit: string; interpretation?: string };
  const accepted: [string, In, Out][] = [
    ['canonical unit', { code: 'spo2', value: 95, unit: '%' }, { code: 'spo2', value: 95, unit: '%' }],
    // Values are stored exactly as measured: "red below 86" must see 85.5 (DESIGN §2: rounding is for display).
    ['omitted unit means canonical, exact value kept', { code: 'weight', value: 82.34 }, { code: 'weight', value: 82.34, unit: 'kg' }],
    ['empty unit means canonical, no rounding', { code: 'heart_rate', value: 71.6, unit: '' }, { code: 'heart_rate', value: 71.6, unit: '/min' }],
    ['SpO2 85.5 stays 85.5', { code: 'spo2', value: 85.5 }, { code: 'spo2', value: 85.5, unit: '%' }],
    ['mmHg synonym', { code: 'bp_systolic', value: 132, unit: 'mmHg' }, { code: 'bp_systolic', value: 132, unit: 'mm[Hg]' }],
    ['glucose mg/dL ÷ 18', { code: 'glucose', value: 126, unit: 'mg/dL' }, { code: 'glucose', value: 7, unit: 'mmol/L' }],
    ['glucose mg/dL kept exact', { code: 'glucose', value: 100, unit: 'mg/dL' }, { code: 'glucose', value: 100 / 18, unit: 'mmol/L' }],
    ['pounds to kg', { code: 'weight', value: 180, unit: '[lb_av]' }, { code: 'weight', value: 180 * 0.45359237, unit: 'kg' }],
    ['lb alias', { code: 'weight', value: 200, unit: 'lb' }, { code: 'weight', value: 200 * 0.45359237, unit: 'kg' }],
    ['Fahrenheit to Celsius', { code: 'temperature', value: 100.4, unit: '[degF]' }, { code: 'temperature', value: ((100.4 - 32) * 5) / 9, unit: 'Cel' }],
    ['upper limit inclusive', { code: 'spo2', value: 100 }, { code: 'spo2', value: 100, unit: '%' }],
    ['score', { code: 'phq9', value: 27, unit: '{score}' }, { code: 'phq9', value: 27, unit: '{score}' }],
    // ADA/Kitabchi 2009: ≥ 33.3 mmol/L is a hyperglycaemic crisis — triaged red, never refused.
    ['glucose 35 mmol/L (hyperosmolar range)', { code: 'glucose', value: 35 }, { code: 'glucose', value: 35, unit: 'mmol/L' }],
    ['glucose 900 mg/dL (50 mmol/L)', { code: 'glucose', value: 900, unit: 'mg/dL' }, { code: 'glucose', value: 50, unit: 'mmol/L' }],
    ['glucose 1.2 mmol/L (severe hypoglycaemia)', { code: 'glucose', value: 1.2 }, { code: 'glucose', value: 1.2, unit: 'mmol/L' }],
    ['SpO2 45 % (dying, not impossible)', { code: 'spo2', value: 45 }, { code: 'spo2', value: 45, unit: '%' }],
    ['heart rate 280/min (flutter 1:1)', { code: 'heart_rate', value: 280 }, { code: 'heart_rate', value: 280, unit: '/min' }],
    // Meter flags (ISO 15197 meters show HI above 33.3, LO below 0.6 mmol/L): stored at the edge with the flag.
    ['glucose meter HI without a value', { code: 'glucose', interpretation: 'HI' }, { code: 'glucose', value: 33.3, unit: 'mmol/L', interpretation: 'HI' }],
    ['glucose meter LO without a value', { code: 'glucose', interpretation: 'LO' }, { code: 'glucose', value: 0.6, unit: 'mmol/L', interpretation: 'LO' }],
    ['thermometer Hi with its edge value', { code: 'temperature', value: 42.9, interpretation: 'HI' }, { code: 'temperature', value: 42.9, unit: 'Cel', interpretation: 'HI' }],
  ];
  for (const [name, input, expected] of accepted) {
    test(`accepts: ${name}`, () => {
      assert.deepEqual(normaliseMeasurement(input), { ok: true, value: expected });
    });
  }

  const rejected: [string, In, string, RegExp | string][] = [
    ['SpO2 above 100', { code: 'spo2', value: 104 }, 'implausible_value', 'SpO2 of 104 % is not possible: must be between 20 and 100 %'],
    ['SpO2 100.4 (not rounded into range)', { code: 'spo2', value: 100.4 }, 'implausible_value', /SpO2 of 100.4 %/],
    ['zero weight', { code: 'weight', value: 0 }, 'implausible_value', /Weight of 0 kg is not possible: must be between 10 and 650 kg/],
    ['negative weight', { code: 'weight', value: -70 }, 'implausible_value', /Weight/],
    ['NaN', { code: 'heart_rate', value: Number.NaN }, 'implausible_value', /Heart rate must be a finite number/],
    ['no value and no flag', { code: 'heart_rate' }, 'implausible_value', /finite number/],
    ['Infinity', { code: 'temperature', value: Number.POSITIVE_INFINITY }, 'implausible_value', /finite/],
    ['glucose of zero', { code: 'glucose', value: 0 }, 'implausible_value', /between 0\.1 and 150 mmol\/L/],
    ['glucose in mg/dL beyond any survived value', { code: 'glucose', value: 3600, unit: 'mg/dL' }, 'implausible_value', /Blood glucose of 200 mmol\/L \(3600 mg\/dL\) is not possible/],
    ['gram for weight', { code: 'weight', value: 80000, unit: 'g' }, 'unit_not_accepted', /Unit "g" is not accepted for Weight/],
    ['Fahrenheit for SpO2', { code: 'spo2', value: 95, unit: '[degF]' }, 'unit_not_accepted', /SpO2/],
    ['unknown code', { code: 'cholesterol', value: 5 }, 'unknown_measure', /cholesterol/],
    ['score above instrument maximum', { code: 'gad7', value: 22 }, 'implausible_value', 'GAD-7 of 22 is not possible: must be between 0 and 21'],
    ['HI flag on a measure without a meter range', { code: 'spo2', interpretation: 'HI' }, 'flag_not_accepted', /no HI\/LO flag/],
    ['unknown flag', { code: 'glucose', interpretation: 'H' }, 'flag_not_accepted', /"H" is not a meter flag/],
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

  test('every measure cites the source of its limits; critical limits and device ranges lie inside them', () => {
    for (const code of MEASURE_CODES) {
      const def = CATALOGUE[code];
      assert.ok(def.limitsSource.length > 10, code);
      if (def.critical) {
        assert.ok(def.critical.source.length > 10, code);
        for (const v of [def.critical.redBelow, def.critical.redFrom]) if (v !== undefined) assert.ok(v > def.min && v <= def.max, code);
      }
      if (def.deviceRange) assert.ok(def.deviceRange.lo >= def.min && def.deviceRange.hi <= def.max, code);
    }
  });

  test('property: kg → lb → kg round-trips within floating point', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 3500 }), (tenths) => {
        const kg = tenths / 10;
        const r = normaliseMeasurement({ code: 'weight', value: kg / 0.45359237, unit: '[lb_av]' });
        assert.ok(r.ok);
        assert.ok(Math.abs(r.value.value - kg) < 1e-9);
      }),
    );
  });

  test('property: mmol/L → mg/dL → mmol/L round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), (tenths) => {
        const mmol = tenths / 10;
        const r = normaliseMeasurement({ code: 'glucose', value: mmol * 18, unit: 'mg/dL' });
        assert.ok(r.ok);
        assert.ok(Math.abs(r.value.value - mmol) < 1e-9);
      }),
    );
  });

  test('property: °C → °F → °C round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 250, max: 460 }), (tenths) => {
        const c = tenths / 10;
        const r = normaliseMeasurement({ code: 'temperature', value: (c * 9) / 5 + 32, unit: '[degF]' });
        assert.ok(r.ok);
        assert.ok(Math.abs(r.value.value - c) < 1e-9);
      }),
    );
  });

  test('property: accepted values are exactly the input and inside the limits; the rest are rejected', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MEASURE_CODES), fc.double({ min: -50, max: 700, noNaN: true }), (code, value) => {
        const def = CATALOGUE[code];
        const r = normaliseMeasurement({ code, value });
        if (value >= def.min && value <= def.max) {
          assert.deepEqual(r, { ok: true, value: { code, value, unit: def.unit } });
        } else {
          assert.equal(r.ok, false);
          if (!r.ok) assert.equal(r.error.code, 'implausible_value');
        }
      }),
    );
  });
});

describe('checkSittingPlausibility', () => {
  const rows: [string, { code: MeasureCode; value: number }[], boolean][] = [
    ['systolic above diastolic', [{ code: 'bp_systolic', value: 130 }, { code: 'bp_diastolic', value: 80 }], true],
    ['systolic below diastolic (swapped)', [{ code: 'bp_diastolic', value: 130 }, { code: 'bp_systolic', value: 80 }], false],
    ['only one of the two', [{ code: 'bp_systolic', value: 60 }], true],
    ['no blood pressure', [{ code: 'spo2', value: 90 }], true],
  ];
  for (const [name, ms, okay] of rows) {
    test(name, () => {
      const r = checkSittingPlausibility(ms);
      assert.equal(r.ok, okay);
      if (!r.ok) {
        assert.equal(r.error.code, 'implausible_value');
        assert.equal(r.error.field, '1.value');
        assert.match(r.error.message, /Systolic blood pressure 80 mmHg is below diastolic 130 mmHg/);
      }
    });
  }
});

describe('roundTo', () => {
  test('roundTo rounds half away from zero despite binary floating point', () => {
    assert.equal(roundTo(1.005, 2), 1.01);
    assert.equal(roundTo(2.45, 1), 2.5);
    assert.equal(roundTo(-2.45, 1), -2.5);
    assert.equal(roundTo(7.04999, 1), 7);
  });
});
