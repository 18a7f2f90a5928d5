import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from './port.js';
import { TEST_DB_KIND, testDb } from '../testing/db.js';
import { withRetry } from '../ingest/queue.js';
import { triageContext } from '../observations/repo.js';
import { seedFixture } from '../testing/fixtures.js';

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
  const mode = (q: Pick<Db, 'query'>) => q.query<{ m: string }>("select current_setting('plan_cache_mode') || ' ' || current_setting('enable_seqscan') as m where $1::int = 1", [1]).then((r) => r.rows[0]!.m);
  assert.equal(await db.tx((tx) => mode(tx), { genericPlans: true }), 'force_generic_plan off');
  assert.equal(await db.tx((tx) => mode(tx)), 'auto on');
  await assert.rejects(db.tx(async (tx) => {
    assert.equal(await mode(tx), 'force_generic_plan off');
    throw new Error('roll back');
  }, { genericPlans: true }));
  // Every pooled connection, whichever ran the transactions above, is back to the default.
  const after = await Promise.all(Array.from({ length: 12 }, () => db.tx((tx) => mode(tx))));
  assert.deepEqual(new Set(after), new Set(['auto on']));
});

test('a group commit probes the month partition by index even when its plan was built while the partition was empty', pgOnly, async () => {
  // The bench on 1 December: ANALYZE ran while December's partition was empty, the pooled
  // connections built their generic plans then, and the triage-context read scanned the whole
  // partition on every probe as readings filled it (db/postgres.ts#GENERIC_PLAN_TX).
  const f = await seedFixture(db);
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  // A day long history range that reaches into this month, whatever the day of the month.
  const since = new Date(Math.max(monthStart.getTime(), now.getTime() - 86_400_000));
  const context = (tx: Pick<Db, 'query'>) => triageContext(tx, [{ patientId: f.patient.id, key: 'k-1' }], [f.patient.episodeId],
    [{ patientId: f.patient.id, episodeId: f.patient.episodeId, code: 'spo2', since }], new Date(now.getTime() + 86_400_000));
  // Migration 027 names a month's partition after its UTC month.
  const partition = `observations_${monthStart.toISOString().slice(0, 7).replace('-', '_')}`;
  assert.ok((await db.query<{ r: string | null }>('select to_regclass($1)::text as r', [partition])).rows[0]!.r, `${partition} exists`);
  await db.exec(`analyze observations`);
  assert.equal((await db.query<{ n: number }>(`select count(*)::int as n from ${partition}`)).rows[0]!.n, 0);
  // Every pooled connection builds its plan now (each transaction holds its connection a moment).
  const everyConnection = (fn: (tx: Pick<Db, 'query'>) => Promise<number>) => Promise.all(Array.from({ length: 5 }, () =>
    db.tx(async (tx) => {
      const n = await fn(tx);
      await tx.query('select pg_sleep(0.1)');
      return n;
    }, { genericPlans: true })));
  await everyConnection(async (tx) => (await context(tx)).history.length);
  // Readings fill the partition (another patient's: the probe's own range stays small).
  await db.query(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by)
     select $1, $2, 'spo2', 95, '%', $3::timestamptz + make_interval(secs => g), 'device', 'test' from generate_series(1, 3000) g`,
    [f.otherPatient.id, f.otherPatient.episodeId, since],
  );
  // The backend's counts not yet reported (PostgreSQL 15 reports at most once a second), so the difference across the read.
  const scans = async (tx: Pick<Db, 'query'>) =>
    (await tx.query<{ n: number }>('select coalesce(sum(seq_scan), 0)::int as n from pg_stat_xact_user_tables where relname = $1', [partition])).rows[0]!.n;
  const seqScans = await everyConnection(async (tx) => {
    const before = await scans(tx);
    assert.equal((await context(tx)).history.length, 0);
    return (await scans(tx)) - before;
  });
  assert.deepEqual(seqScans, [0, 0, 0, 0, 0]);
});
