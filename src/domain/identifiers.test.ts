import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DNR_SYSTEM, FNR_SYSTEM, centuryYear, controlDigits, parseNorwegianId, syntheticFnr } from './identifiers.js';

describe('parseNorwegianId', () => {
  // Control digits below were computed by hand with the Skatteetaten weights.
  const valid: [string, string, { kind: 'fnr' | 'dnr'; value: string; birthDate: string; synthetic: boolean; sex: 'male' | 'female' }][] = [
    ['fødselsnummer, 1990, individual 000 (female)', '01019000083', { kind: 'fnr', value: '01019000083', birthDate: '1990-01-01', synthetic: false, sex: 'female' }],
    ['spaces are ignored', '010190 000 83', { kind: 'fnr', value: '01019000083', birthDate: '1990-01-01', synthetic: false, sex: 'female' }],
    ['D-number: day + 40', '41019000077', { kind: 'dnr', value: '41019000077', birthDate: '1990-01-01', synthetic: false, sex: 'female' }],
    ['synthetic: month + 80', '01819000049', { kind: 'fnr', value: '01819000049', birthDate: '1990-01-01', synthetic: true, sex: 'female' }],
  ];
  for (const [name, input, expected] of valid) {
    test(`valid: ${name}`, () => assert.deepEqual(parseNorwegianId(input), { ok: true, value: expected }));
  }

  test('synthetic D-number and 21st-century numbers parse via the generator', () => {
    const n = syntheticFnr('2015-07-31', 501);
    const r = parseNorwegianId(n);
    assert.ok(r.ok);
    assert.equal(r.value.birthDate, '2015-07-31');
    assert.equal(r.value.sex, 'male');
    assert.ok(Number(n.slice(6, 9)) >= 500);
  });

  const invalid: [string, string, string][] = [
    ['too short', '0101900008', 'invalid_format'],
    ['letters', '0101900008X', 'invalid_format'],
    ['wrong first control digit', '01019000093', 'invalid_checksum'],
    ['wrong second control digit', '01019000084', 'invalid_checksum'],
    ['all zeros is not a date', '00000000000', 'invalid_date'],
  ];
  for (const [name, input, code] of invalid) {
    test(`invalid: ${name}`, () => {
      const r = parseNorwegianId(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, code);
    });
  }

  /** First valid 11-digit number for a 6-digit date part, searching individual numbers from `from`. */
  function withValidControl(date6: string, from: number): string {
    for (let ind = from; ind < from + 250; ind++) {
      const nine = `${date6}${String(ind).padStart(3, '0')}`;
      const cd = controlDigits(nine);
      if (cd !== null) return `${nine}${cd[0]}${cd[1]}`;
    }
    throw new Error(`no valid number for ${date6}`);
  }

  const impossible: [string, number, string][] = [
    ['310490', 0, '31 April'],
    ['290201', 500, '29 February 2001 (not a leap year)'],
    ['290200', 0, '29 February 1900 (century year, not a leap year)'],
    ['011390', 0, 'month 13'],
    ['014190', 0, 'month + 40 (H-number) is not accepted'],
    ['720190', 0, 'D-number day 32'],
    ['019390', 0, 'synthetic month 13'],
  ];
  for (const [date6, from, why] of impossible) {
    test(`impossible date with valid control digits: ${why}`, () => {
      const r = parseNorwegianId(withValidControl(date6, from));
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, 'invalid_date');
    });
  }

  test('29 February 2000 (leap year) and 1945 with individual 9xx are fine', () => {
    const leap = parseNorwegianId(withValidControl('290200', 500));
    assert.ok(leap.ok);
    assert.equal(leap.value.birthDate, '2000-02-29');
    const n45 = parseNorwegianId(withValidControl('150645', 900));
    assert.ok(n45.ok);
    assert.equal(n45.value.birthDate, '1945-06-15');
  });

  test('individual number not issued for the year is rejected', () => {
    const r = parseNorwegianId(withValidControl('150645', 600));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'invalid_individual_number');
  });

  test('century rules from the individual number', () => {
    const rows: [number, number, number | null][] = [
      [90, 0, 1990],
      [90, 499, 1990],
      [60, 600, 1860],
      [10, 600, 2010],
      [39, 999, 2039],
      [45, 950, 1945],
      [45, 600, null],
      [0, 0, 1900],
    ];
    for (const [yy, ind, year] of rows) assert.equal(centuryYear(yy, ind), year, `${yy}/${ind}`);
  });

  test('identifier systems', () => {
    assert.equal(FNR_SYSTEM, 'urn:oid:2.16.578.1.12.4.1.4.1');
    assert.equal(DNR_SYSTEM, 'urn:oid:2.16.578.1.12.4.1.4.2');
  });
});

describe('syntheticFnr', () => {
  test('deterministic without rng', () => {
    assert.equal(syntheticFnr('1990-01-01', 0), '01819000049');
    assert.equal(syntheticFnr('1990-01-01', 0), syntheticFnr('1990-01-01', 0));
  });

  test('rejects dates that cannot be encoded', () => {
    assert.throws(() => syntheticFnr('2040-01-01', 0), RangeError);
    assert.throws(() => syntheticFnr('1990-02-30', 0), RangeError);
  });

  test('property: always parses back as a synthetic fnr with the same birth date, keeping the parity of `individual`', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1854, 0, 1), max: Date.UTC(2039, 11, 31) }).map((ms) => new Date(ms).toISOString().slice(0, 10)),
        fc.integer({ min: 0, max: 999 }),
        fc.option(fc.double({ min: 0, max: 0.9999, noNaN: true }), { nil: undefined }),
        (birthDate, individual, r) => {
          const n = syntheticFnr(birthDate, individual, r === undefined ? undefined : () => r);
          const parsed = parseNorwegianId(n);
          assert.ok(parsed.ok, `${birthDate} → ${n}`);
          assert.equal(parsed.value.kind, 'fnr');
          assert.equal(parsed.value.synthetic, true);
          assert.equal(parsed.value.birthDate, birthDate);
          assert.equal(Number(n.slice(2, 4)) > 80, true);
          assert.equal(parsed.value.sex, individual % 2 === 1 ? 'male' : 'female');
        },
      ),
      { numRuns: 500 },
    );
  });
});
