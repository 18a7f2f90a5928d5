import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { contentHash, lexemeOf, parseFhir, stringifyFhir } from './json.js';

/*
 * FHIR decimals keep the text they were written with (json.ts). parseFhir skips its reviver when
 * no number in the text needs remembering; these check that the shortcut never loses a lexeme,
 * whatever numbers and number-like strings the text holds.
 */

type Tree = { num: string } | string | boolean | null | Tree[] | { obj: [string, Tree][] };

/** Number lexemes as clients write them: plain, with trailing zeros, exponents, -0, beyond double precision. */
const lexeme = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
  fc.constantFrom('37.0', '0.10', '1e2', '1E+2', '-0', '100.50', '12345678901234567890', '0.000001', '1e-7', '2.5', '48.0', '0', '-1.25'),
);
/** Object keys print in insertion order unless they are array indices ("0", "12"): those are left out. */
const key = (k: string) => k !== '__proto__' && !/^(0|[1-9]\d*)$/.test(k);
/** Strings that look like numbers in value position (times, lists) besides arbitrary text. */
const text = fc.oneof(fc.string(), fc.constantFrom('10:05', '2026-11-30T15:58:05.040Z', 'a:5, b]', '[1,2]', ':07}', ',0.50]'));

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    lexeme.map((num) => ({ num })),
    text,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(text.filter(key), tie('tree')), { maxLength: 4, selector: ([k]) => k }).map((obj) => ({ obj })),
  ),
}));

function render(t: Tree): string {
  if (t === null || typeof t === 'boolean') return String(t);
  if (typeof t === 'string') return JSON.stringify(t);
  if (Array.isArray(t)) return `[${t.map(render).join(',')}]`;
  if ('num' in t) return t.num;
  return `{${t.obj.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`;
}

test('parseFhir then stringifyFhir gives back the text as written, every number as its own lexeme', () => {
  fc.assert(
    fc.property(fc.oneof(fc.array(tree, { maxLength: 4 }), fc.uniqueArray(fc.tuple(fc.string().filter(key), tree), { maxLength: 5, selector: ([k]) => k }).map((obj) => ({ obj }))), (t) => {
      const s = render(t as Tree);
      const parsed = parseFhir(s);
      assert.deepEqual(parsed, JSON.parse(s));
      assert.equal(stringifyFhir(parsed), s);
    }),
    { numRuns: 500 },
  );
});

test('decimals next to number-like strings: the written text is kept (table)', () => {
  const cases = [
    // A time whose seconds look like a number with a leading zero, then a decimal that needs its text.
    { text: '{"effectiveDateTime":"2026-11-30T15:58:05.040Z","valueQuantity":{"value":37.0,"unit":"Cel"}}', key: 'value', lexeme: '37.0' },
    // Nothing to remember: integers and decimals that print as written.
    { text: '{"valueQuantity":{"value":96,"unit":"%"},"component":[{"v":80.5}]}', key: 'value', lexeme: undefined },
    { text: '{"valueQuantity":{"value":-0}}', key: 'value', lexeme: '-0' },
    { text: '{"valueQuantity":{"value" : 1E+2 }}', key: 'value', lexeme: '1E+2' },
  ];
  for (const c of cases) {
    const r = parseFhir(c.text) as { valueQuantity: object };
    assert.equal(lexemeOf(r.valueQuantity, c.key), c.lexeme, c.text);
    assert.equal(stringifyFhir(r), c.text.replace(/ /g, ''), c.text);
  }
});

/** contentHash as it was written before it was tuned (arrays and joins per level, a Hash object). */
function referenceHash(resource: Record<string, unknown>): string {
  const canonical = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v && typeof v === 'object') {
      return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };
  const { id: _id, meta: _meta, text: _text, ...rest } = resource;
  return createHash('sha256').update(canonical(rest)).digest('base64url');
}

test('contentHash is the reference hash for any content, undefined members and odd numbers included (fast-check)', () => {
  const value = fc.anything({ withNullPrototype: false, withBigInt: false, withDate: false, withMap: false, withSet: false, withTypedArray: false, withSparseArray: true, maxDepth: 4 });
  fc.assert(fc.property(fc.dictionary(fc.string(), value), (resource) => {
    assert.equal(contentHash(resource), referenceHash(resource));
  }), { numRuns: 2000 });
  const obs = parseFhir('{"resourceType":"Observation","id":"x","meta":{"versionId":"2"},"valueQuantity":{"value":37.0,"unit":"Cel"},"component":[null,{"b":1,"a":[1,2]}]}') as Record<string, unknown>;
  assert.equal(contentHash(obs), referenceHash(obs));
});
