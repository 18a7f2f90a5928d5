import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { useTestServer } from '../testing/server.js';
import { arrayLiteral, withArrayLiterals } from './array-literal.js';

// node-pg's own serialisation, the reference: PostgreSQL must read the same array from both.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (v: unknown) => string };

const env = useTestServer({ dbOnly: true });

/** What the database reads from both literals, as `type`; both are sent as plain text. */
async function both(values: unknown[], type: string): Promise<{ ours: unknown; pgs: unknown }> {
  const ours = arrayLiteral(values);
  assert.ok(ours !== undefined, 'serialised here');
  const r = await env.db.query<{ ours: unknown; pgs: unknown }>(`select $1::text::${type} as ours, $2::text::${type} as pgs`, [ours, prepareValue(values)]);
  return r.rows[0]!;
}

// Text without NUL (PostgreSQL text cannot hold it), with what array_in treats specially.
const special = fc.constantFrom('', ' ', 'NULL', 'null', 'Null', '"', '\\', '{', '}', ',', 'a b', ' lead', 'trail ', '\t', '\n', 'æøå', '{"a":1}', 'x\\"y', 'NULLs');
const text = fc.oneof(special, fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\0/g, '')), fc.uuid());

test('arrayLiteral: text arrays read back exactly as node-pg sends them (quotes, backslashes, braces, spaces, NULL, unicode)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 12 }), async (xs) => {
      const { ours, pgs } = await both(xs, 'text[]');
      assert.deepEqual(ours, pgs);
      assert.deepEqual(ours, xs);
    }),
    { numRuns: 300 },
  );
});

test('arrayLiteral: numbers, booleans and times read back as node-pg sends them, undefined as NULL', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.option(fc.double(), { nil: null }), { maxLength: 10 }), async (xs) => {
      const { ours, pgs } = await both(xs, 'float8[]');
      assert.deepEqual(ours, pgs);
    }),
    { numRuns: 200 },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.option(fc.integer(), { nil: undefined }), { maxLength: 10 }), async (xs) => {
      const { ours, pgs } = await both(xs, 'int8[]');
      assert.deepEqual(ours, pgs);
    }),
    { numRuns: 100 },
  );
  const { ours: b } = await both([true, false, null], 'bool[]');
  assert.deepEqual(b, [true, false, null]);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), { maxLength: 8 }), async (xs) => {
      // The same instant twice in a row takes the shortcut for a sitting's shared time.
      const withRepeats = xs.flatMap((d) => [d, new Date(d.getTime())]);
      const r = await env.db.query<{ ours: string[]; pgs: string[] }>(
        `select array(select (x at time zone 'UTC')::text from unnest($1::text::timestamptz[]) x) as ours,
                array(select (x at time zone 'UTC')::text from unnest($2::text::timestamptz[]) x) as pgs`,
        [arrayLiteral(withRepeats), prepareValue(withRepeats)],
      );
      assert.deepEqual(r.rows[0]!.ours, r.rows[0]!.pgs);
    }),
    { numRuns: 100 },
  );
});

test('arrayLiteral: two-dimensional arrays; what it does not serialise is left to node-pg', async () => {
  const { ours, pgs } = await both([['a', 'b c'], [null, '"']], 'text[]');
  assert.deepEqual(ours, pgs);
  assert.deepEqual(ours, [['a', 'b c'], [null, '"']]);
  assert.equal(arrayLiteral([{ a: 1 }]), undefined);
  assert.equal(arrayLiteral([Buffer.from('x')]), undefined);
  assert.equal(arrayLiteral([new Date(Number.NaN)]), undefined);
  assert.equal(arrayLiteral([new Date('+010000-01-01T00:00:00Z')]), undefined);
  assert.equal(arrayLiteral([new Date('0000-12-31T23:59:59.999Z')]), undefined, 'year 0 is 1 BC to PostgreSQL');
  assert.equal(arrayLiteral([new Date('0001-01-01T00:00:00.000Z')]), '{0001-01-01T00:00:00.000Z}');
  assert.equal(arrayLiteral([['a'], [{}]]), undefined);
  const params = [1, ['x'], [{ a: 1 }], 'y'];
  assert.deepEqual(withArrayLiterals(params), [1, '{x}', [{ a: 1 }], 'y']);
  const plain = [1, 'y'];
  assert.equal(withArrayLiterals(plain), plain, 'no copy when nothing changes');
});
