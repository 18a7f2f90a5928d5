import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from './port.js';
import { TEST_DB_KIND, testDb } from '../testing/db.js';
import { withRetry } from '../ingest/queue.js';

/*
 * db/postgres.ts prepares parameterised statements once per connection. When another node
 * migrates during a rolling deploy, a prepared `select *` of a table that gained a column fails
 * with "cached plan must not change result type" on every connection that prepared it; the
 * adapter must prepare it afresh instead of failing for good.
 */
const pgOnly = TEST_DB_KIND === 'postgres' ? {} : { skip: 'PostgreSQL only: PGlite prepares nothing across calls' };

let db: Db;
before(async () => {
  db = await testDb();
  await db.exec('create table prep_t (a int); insert into prep_t values (1)');
});
after(async () => {
  await db?.close();
});

test('a prepared statement outdated by a schema change is prepared again, in and out of a transaction', pgOnly, async () => {
  const sql = 'select * from prep_t where a = $1';
  // Every pooled connection gets to prepare it.
  await Promise.all(Array.from({ length: 6 }, () => db.query(sql, [1])));
  await db.exec('alter table prep_t add column b int');
  const r = await db.query<{ a: number; b: number | null }>(sql, [1]);
  assert.deepEqual(r.rows, [{ a: 1, b: null }]);
  await db.exec('alter table prep_t add column c int');
  const inTx = await withRetry(() => db.tx((tx) => tx.query<{ c: number | null }>(sql, [1])));
  assert.deepEqual(inTx.rows, [{ a: 1, b: null, c: null }]);
  for (let i = 0; i < 6; i++) assert.equal((await db.query(sql, [1])).rows.length, 1);
});

test('genericPlans holds for its own transaction only, committed or rolled back', pgOnly, async () => {
  const mode = (q: Pick<Db, 'query'>) => q.query<{ m: string }>("select current_setting('plan_cache_mode') as m where $1::int = 1", [1]).then((r) => r.rows[0]!.m);
  assert.equal(await db.tx((tx) => mode(tx), { genericPlans: true }), 'force_generic_plan');
  assert.equal(await db.tx((tx) => mode(tx)), 'auto');
  await assert.rejects(db.tx(async (tx) => {
    assert.equal(await mode(tx), 'force_generic_plan');
    throw new Error('roll back');
  }, { genericPlans: true }));
  // Every pooled connection, whichever ran the transactions above, is back to the default.
  const after = await Promise.all(Array.from({ length: 12 }, () => db.tx((tx) => mode(tx))));
  assert.deepEqual(new Set(after), new Set(['auto']));
});
