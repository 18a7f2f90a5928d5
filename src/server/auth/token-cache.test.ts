import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Queryable, QueryResult } from '../db/port.js';
import { TokenActorCache } from './token-cache.js';

/** A store that knows one token and counts lookups. */
function store() {
  const s = {
    lookups: 0,
    valid: true,
    q: {
      async query<T>(): Promise<QueryResult<T>> {
        s.lookups++;
        const rows = s.valid ? [{ client_id: 'gw', scopes: ['observation.write'], organisation_id: 'org' }] : [];
        return { rows: rows as T[], rowCount: rows.length };
      },
    } as Queryable,
  };
  return s;
}

test('a known token is looked up once per TTL; concurrent first requests share one lookup', async () => {
  const s = store();
  let now = 1_000;
  const cache = new TokenActorCache(5_000, () => now);
  const [a, b] = await Promise.all([cache.actorFor(s.q, 't1'), cache.actorFor(s.q, 't1')]);
  assert.deepEqual(a, { kind: 'client', clientId: 'gw', organisationId: 'org', scopes: ['observation.write'] });
  assert.deepEqual(b, a);
  assert.equal(s.lookups, 1);
  now += 4_999;
  await cache.actorFor(s.q, 't1');
  assert.equal(s.lookups, 1);
  // After the TTL the store decides again: a disabled client or an expired token is refused.
  s.valid = false;
  now += 1;
  assert.equal(await cache.actorFor(s.q, 't1'), null);
  assert.equal(s.lookups, 2);
});

test('unknown tokens are never cached, so a guessing caller cannot fill the cache and a new token works at once', async () => {
  const s = store();
  s.valid = false;
  const cache = new TokenActorCache(5_000, () => 0);
  assert.equal(await cache.actorFor(s.q, 'guess'), null);
  s.valid = true;
  assert.ok(await cache.actorFor(s.q, 'guess'));
  assert.equal(s.lookups, 2);
});

test('peek answers only what actorFor would answer from the cache: nothing before a lookup, nothing after the TTL, nothing for a refused token', async () => {
  const s = store();
  let now = 1_000;
  const cache = new TokenActorCache(5_000, () => now);
  assert.equal(cache.peek('t1'), undefined, 'never looked up');
  await cache.actorFor(s.q, 't1');
  assert.deepEqual(cache.peek('t1'), { kind: 'client', clientId: 'gw', organisationId: 'org', scopes: ['observation.write'] });
  now += 5_000;
  assert.equal(cache.peek('t1'), undefined, 'expired: the HTTP layer must ask the store again');
  s.valid = false;
  assert.equal(await cache.actorFor(s.q, 't1'), null);
  assert.equal(cache.peek('t1'), undefined, 'a refused token is not cached');
  s.valid = true;
  await cache.actorFor(s.q, 't2');
  cache.clear();
  assert.equal(cache.peek('t2'), undefined, 'cleared');
});
