import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUES, CATALOGUE_AREAS, LANGS } from './i18n.js';

// The catalogue is merged from one file per area with object spread, so a key defined in two
// areas would silently take the later text; the compiler cannot see that, this test does.
test('no catalogue key is defined in two areas', () => {
  const seen = new Map<string, string>();
  for (const [area, texts] of Object.entries(CATALOGUE_AREAS)) {
    for (const key of Object.keys(texts.nb)) {
      assert.equal(seen.get(key), undefined, `${key} is defined in both ${seen.get(key)} and ${area}`);
      seen.set(key, area);
    }
  }
});

test('every area has the same keys in nb, nn and en, none empty', () => {
  for (const [area, texts] of Object.entries(CATALOGUE_AREAS)) {
    const keys = Object.keys(texts.nb).sort();
    assert.deepEqual(Object.keys(texts.nn).sort(), keys, `${area}: nn differs from nb`);
    assert.deepEqual(Object.keys(texts.en).sort(), keys, `${area}: en differs from nb`);
  }
  for (const lang of LANGS) {
    for (const [key, value] of Object.entries(CATALOGUES[lang])) {
      if (typeof value === 'string') assert.notEqual(value.trim(), '', `${lang}.${key} is empty`);
    }
  }
});
