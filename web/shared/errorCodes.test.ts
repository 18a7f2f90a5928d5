import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/api/errors.js';
import { ERROR_CODE_TEXT, errorCodeText } from './errorCodes.js';

test('every error code of the contract has a sentence in nb, nn and en, and nothing else is listed', () => {
  assert.deepEqual(Object.keys(ERROR_CODE_TEXT).sort(), [...ERROR_CODES].sort());
  for (const [code, t] of Object.entries(ERROR_CODE_TEXT)) {
    for (const lang of ['nb', 'nn', 'en'] as const) assert.ok(t[lang].trim().length > 5, `${code} ${lang}`);
    // nn is its own written form, not a copy of bokmål, wherever the sentence has words that differ.
    assert.ok(t.en !== t.nb, `${code}: en is not nb`);
  }
  assert.equal(errorCodeText('alerts_changed', 'nn'), 'Varsla er endra i mellomtida. Sjå over og prøv igjen.');
  assert.equal(errorCodeText('http_502', 'nb'), null);
  assert.equal(errorCodeText('toString', 'nb'), null);
});
