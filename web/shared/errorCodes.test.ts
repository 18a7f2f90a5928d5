import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/api/errors.js';
import { ERROR_CODE_KEYS, errorKey, errorMessage, fieldErrors } from './errorCodes.js';
import { CATALOGUES, LANGS, textOf } from './i18n.js';

test('every error code of the contract maps to a catalogue sentence in nb, nn and en, and nothing else is listed', () => {
  assert.deepEqual(Object.keys(ERROR_CODE_KEYS).sort(), [...ERROR_CODES].sort());
  for (const code of ERROR_CODES) {
    const key = ERROR_CODE_KEYS[code];
    assert.equal(errorKey({ status: 400, code }), key, code);
    for (const lang of LANGS) {
      const text = CATALOGUES[lang][key];
      assert.equal(typeof text, 'string', `${code} ${lang}`);
      assert.ok((text as string).trim().length > 5, `${code} ${lang}`);
    }
    assert.notEqual(CATALOGUES.en[key], CATALOGUES.nb[key], `${code}: en is not nb`);
  }
});

test('the code decides the sentence; without a code of ours, the status does', () => {
  assert.equal(textOf({ key: errorKey({ status: 409, code: 'alerts_changed' }) }, CATALOGUES.nn), 'Varsla er endra i mellomtida. Sjå over og prøv igjen.');
  assert.equal(errorKey({ status: 0, code: 'network_error' }), 'errorNetwork');
  assert.equal(errorKey({ status: 403, code: 'http_403' }), 'errorForbidden');
  assert.equal(errorKey({ status: 404, code: 'http_404' }), 'errorNotFound');
  assert.equal(errorKey({ status: 502, code: 'http_502' }), 'errorGeneric');
  assert.equal(errorKey({ status: 500, code: 'toString' }), 'errorGeneric', 'an inherited property is not a code');
});

test('no English reaches a Norwegian page: messages and field errors are translated or replaced', () => {
  // A message the apps know is shown (it names the device); an unknown English one gives way to the code's sentence.
  const known = errorMessage({ status: 409, code: 'conflict', message: 'A device with serial number SN-1 is already registered.' });
  assert.equal(textOf(known, CATALOGUES.nb), 'Et apparat med serienummer SN-1 er allerede registrert.');
  const unknown = errorMessage({ status: 409, code: 'invalid_transition', message: 'Cannot pause an episode that is referred.' });
  assert.equal(textOf(unknown, CATALOGUES.nb), 'Forløpet kan ikke gå til dette steget nå.');
  const fields = fieldErrors({ fields: { 'note.text': 'Too small: expected string to have >=3 characters', phone: 'Phone number: 8–15 digits', lang: 'Invalid option: expected one of "nb"|"nn"|"en"' } });
  assert.equal(textOf(fields['note.text']!, CATALOGUES.nn), 'Skriv minst 3 teikn.');
  assert.equal(textOf(fields['lang']!, CATALOGUES.nb), 'Velg et av alternativene.');
  for (const text of Object.values(fields)) assert.doesNotMatch(textOf(text, CATALOGUES.nb), /\b(expected|must|Invalid|Too small)\b/);
});

test("the contract's own field messages (src/api) never reach a bokmål or nynorsk page as written", () => {
  const messages = [
    'Phone number: 8–15 digits', 'HPR number: 7–9 digits', 'Write a message', 'Must be a number', 'Enter at least one measurement',
    'Choose how you were in contact with the patient', 'Unknown time zone: use an IANA name such as Europe/Oslo',
    // No translation of its own: a generic sentence in the user's language instead.
    'Give exactly one of patientId and patientIdentifier', 'Label: at most 100 characters',
  ];
  for (const m of messages) {
    for (const lang of ['nb', 'nn'] as const) assert.notEqual(textOf(fieldErrors({ fields: { f: m } })['f']!, CATALOGUES[lang]), m, `${lang}: ${m}`);
  }
});
