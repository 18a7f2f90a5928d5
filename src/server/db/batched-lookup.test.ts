import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchedLookup } from './batched-lookup.js';
import type { Db } from './port.js';

/** A read that answers only when told to, recording what it was asked. */
function controlledRead() {
  const calls: { scope: string; keys: string[]; answer(m: Record<string, string>): void; fail(err: Error): void }[] = [];
  const read = (_db: Db, scope: string, keys: string[]) =>
    new Promise<ReadonlyMap<string, string>>((resolve, reject) => {
      calls.push({ scope, keys, answer: (m) => resolve(new Map(Object.entries(m))), fail: reject });
    });
  return { calls, read };
}
const tick = () => new Promise((r) => setImmediate(r));
const db = {} as Db;

test('concurrent lookups of one scope share the next read; another scope never shares it; a read already sent is not joined', async () => {
  const { calls, read } = controlledRead();
  const lookup = batchedLookup(read);
  const first = lookup(db, 'org-a', 'k1');
  await tick();
  // While the first read runs: two more of org-a (one key twice) and one of org-b.
  const second = lookup(db, 'org-a', 'k2');
  const again = lookup(db, 'org-a', 'k2');
  const other = lookup(db, 'org-b', 'k3');
  await tick();
  assert.deepEqual(calls.map((c) => [c.scope, c.keys]), [['org-a', ['k1']], ['org-b', ['k3']]]);
  calls[1]!.answer({ k3: 'b3' });
  assert.equal(await other, 'b3');
  calls[0]!.answer({ k1: 'a1' });
  assert.equal(await first, 'a1');
  await tick();
  assert.deepEqual(calls.map((c) => [c.scope, c.keys]), [['org-a', ['k1']], ['org-b', ['k3']], ['org-a', ['k2']]]);
  calls[2]!.answer({});
  assert.deepEqual([await second, await again], [undefined, undefined]);
});

test('a failed read fails only its own lookups; the next ones are read', async () => {
  const { calls, read } = controlledRead();
  const lookup = batchedLookup(read);
  const first = lookup(db, 's', 'k1');
  await tick();
  const next = lookup(db, 's', 'k2');
  calls[0]!.fail(new Error('connection lost'));
  await assert.rejects(first, /connection lost/);
  await tick();
  assert.deepEqual(calls[1]!.keys, ['k2']);
  calls[1]!.answer({ k2: 'v2' });
  assert.equal(await next, 'v2');
});
