import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOGUE, MEASURE_CODES } from '../../src/domain/catalogue.js';
import { readingCrossing } from '../../src/domain/triage.js';
import { CRITICAL, readingZone } from './zones.js';

test("the app's critical limits are the catalogue's", () => {
  for (const code of MEASURE_CODES) {
    const c = CATALOGUE[code].critical;
    assert.deepEqual(CRITICAL[code] ?? null, c ? { ...(c.redBelow !== undefined ? { redBelow: c.redBelow } : {}), ...(c.redFrom !== undefined ? { redFrom: c.redFrom } : {}) } : null, code);
  }
});

test('the preliminary offline zone agrees with the server for glucose around every limit', () => {
  const th = { redBelow: 3.0, yellowBelow: 3.9, yellowAbove: 13.9, redAbove: 20 };
  for (const value of [0.5, 2.9, 2.99, 3.0, 3.5, 3.9, 10, 14, 20, 25, 33.2, 33.3, 40]) {
    for (const limits of [th, null]) {
      const server = readingCrossing(limits ?? undefined, { code: 'glucose', value })?.zone ?? 'green';
      assert.equal(readingZone(limits, 'glucose', value), server, `${value} ${limits ? 'planned' : 'unplanned'}`);
    }
  }
});
