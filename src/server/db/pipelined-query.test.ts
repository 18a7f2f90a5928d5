import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from './port.js';
import { TEST_DB_KIND, testDb } from '../testing/db.js';

/*
 * db/postgres.ts sends a transaction's `begin` in the same round trip as its first parameterised
 * statement (pipelined-query.ts). The transaction must behave exactly as with `begin` sent alone:
 * one transaction from the first statement to commit, all or nothing, errors of the first
 * statement reported as such, and the pooled connection left clean whatever happened.
 */
const pgOnly = TEST_DB_KIND === 'postgres' ? {} : { skip: 'PostgreSQL only: PGlite has no wire protocol' };

let db: Db;
before(async () => {
  db = await testDb();
  await db.exec('create table pipe_t (id int primary key, v text not null)');
});
after(async () => {
  await db?.close();
});

/** Whether the pooled connections are all outside any transaction (none left open or aborted). */
async function poolIsClean(): Promise<void> {
  const states = await Promise.all(Array.from({ length: 12 }, () => db.query<{ s: boolean }>('select txid_current_if_assigned() is null and $1::int = 1 as s', [1])));
  assert.ok(states.every((r) => r.rows[0]!.s));
}

test('the first statement and the rest run in one transaction, which commits', pgOnly, async () => {
  const r = await db.tx(async (tx) => {
    const a = await tx.query<{ x: string; t: Date }>('insert into pipe_t (id, v) values ($1, $2) returning txid_current()::text as x, now() as t', [1, 'one']);
    const b = await tx.query<{ x: string; t: Date; n: number }>('select txid_current()::text as x, now() as t, (select count(*) from pipe_t where id = $1)::int as n', [1]);
    return { a: a.rows[0]!, b: b.rows[0]!, count: a.rowCount };
  });
  assert.equal(r.count, 1);
  assert.equal(r.a.x, r.b.x, 'one transaction id');
  assert.equal(r.a.t.getTime(), r.b.t.getTime(), 'one transaction start');
  assert.equal(r.b.n, 1);
  assert.equal((await db.query<{ v: string }>('select v from pipe_t where id = $1', [1])).rows[0]?.v, 'one');
});

test('a throw after the first statement rolls it back', pgOnly, async () => {
  await assert.rejects(
    db.tx(async (tx) => {
      await tx.query('insert into pipe_t (id, v) values ($1, $2)', [2, 'two']);
      throw new Error('changed my mind');
    }),
    /changed my mind/,
  );
  assert.equal((await db.query('select 1 from pipe_t where id = $1', [2])).rowCount, 0);
  await poolIsClean();
});

test("the first statement's own error is the transaction's, and nothing of it stays", pgOnly, async () => {
  await assert.rejects(
    db.tx(async (tx) => {
      await tx.query('insert into pipe_t (id, v) values ($1, $2)', [1, 'duplicate']);
      await tx.query('insert into pipe_t (id, v) values ($1, $2)', [3, 'never']);
    }),
    (err: { code?: string }) => err.code === '23505',
  );
  assert.equal((await db.query('select 1 from pipe_t where id = $1', [3])).rowCount, 0);
  assert.equal((await db.query<{ v: string }>('select v from pipe_t where id = $1', [1])).rows[0]?.v, 'one');
  await poolIsClean();
});

test('a statement that failed after its parse in a pipelined first place is not parsed twice', pgOnly, async () => {
  // Its Parse succeeded (the server keeps the prepared statement), its Execute failed.
  const sql = 'insert into pipe_t (id, v) values ($1::int, $2) on conflict do nothing returning 1 / ($1::int - 7) as q';
  await assert.rejects(db.tx((tx) => tx.query(sql, [7, 'x'])), (err: { code?: string }) => err.code === '22012');
  for (let i = 0; i < 12; i++) await db.tx((tx) => tx.query(sql, [1, 'exists already']));
  await poolIsClean();
});

test('a statement whose parse failed in a pipelined first place is parsed again next time', pgOnly, async () => {
  // The Parse of a prepared statement fails while its table does not exist; once it does, the
  // same text must work on every pooled connection (not "prepared statement does not exist").
  const sql = 'select v from pipe_later where id = $1';
  for (let i = 0; i < 12; i++) await assert.rejects(db.tx((tx) => tx.query(sql, [1])), (err: { code?: string }) => err.code === '42P01');
  await db.exec("create table pipe_later (id int, v text); insert into pipe_later values (1, 'here')");
  const rows = await Promise.all(Array.from({ length: 12 }, () => db.tx((tx) => tx.query<{ v: string }>(sql, [1]))));
  assert.ok(rows.every((r) => r.rows[0]?.v === 'here'));
  await poolIsClean();
});

test('a transaction that runs no statement, or starts with one without parameters, still works', pgOnly, async () => {
  assert.equal(await db.tx(async () => 42), 42);
  await db.tx(async (tx) => {
    await tx.query("insert into pipe_t (id, v) values (10, 'a'), (11, 'b')");
    await tx.query('update pipe_t set v = $1 where id = $2', ['c', 11]);
  });
  assert.deepEqual((await db.query<{ v: string }>('select v from pipe_t where id = any($1::int[]) order by id', [[10, 11]])).rows.map((r) => r.v), ['a', 'c']);
  await poolIsClean();
});

test('many transactions at once on the pool each commit their own rows', pgOnly, async () => {
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      db.tx(async (tx) => {
        await tx.query('insert into pipe_t (id, v) values ($1, $2)', [100 + i, `r${i}`]);
        await tx.query('update pipe_t set v = v || $1 where id = $2', ['!', 100 + i]);
      }),
    ),
  );
  const r = await db.query<{ n: number }>("select count(*)::int as n from pipe_t where id >= 100 and v like 'r%!'");
  assert.equal(r.rows[0]!.n, 40);
  await poolIsClean();
});
