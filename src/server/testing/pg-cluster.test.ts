import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { TEST_DB_KIND } from './db.js';
import { adminQuery, databaseUrl, dropDatabase, findPgBin, pgToolsBlocked, startCluster, type Cluster } from './pg-cluster.js';

/*
 * Every PostgreSQL test drops its database on close. CI's role may create databases but is not a
 * superuser, and `drop database … with (force)` failed there (42501) when an autovacuum worker
 * happened to be in the database: a browser test file failed in its `after` hook.
 */

const exists = async (adminUrl: string, name: string) =>
  (await withClient(adminUrl, (c) => c.query(`select 1 from pg_database where datname = $1`, [name]))).rowCount === 1;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('dropDatabase on the test server', { skip: TEST_DB_KIND !== 'postgres' && 'runs in the PostgreSQL pass' }, () => {
  test('drops a database that a session of the same role still holds open', async () => {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const name = `varde_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(adminUrl, `create database ${name}`);
    const left = new pg.Client({ connectionString: databaseUrl(adminUrl, name) });
    left.on('error', () => undefined);
    await left.connect();
    await dropDatabase(adminUrl, name);
    assert.equal(await exists(adminUrl, name), false);
    await assert.rejects(left.query('select 1'));
    await left.end().catch(() => undefined);
  });
  test('a database that is not there is no error', async () => {
    await dropDatabase(process.env.TEST_DATABASE_URL!, `varde_test_absent_${randomBytes(4).toString('hex')}`);
  });
});

const BIN = findPgBin('pg_ctl');
const skip = TEST_DB_KIND !== 'postgres'
  ? 'runs in the PostgreSQL pass (it starts a cluster of its own)'
  : !BIN ? 'no PostgreSQL binaries under /usr/lib/postgresql/*/bin' : (pgToolsBlocked() ?? false);

describe('dropDatabase as a role that is not a superuser, with an autovacuum worker in the database', { skip }, () => {
  let cluster: Cluster | undefined;
  let superUrl = '';
  let plainUrl = '';
  before(async () => {
    // An autovacuum worker that starts within a second and then crawls (one page per 100 ms), so
    // it is still in the database when it is dropped.
    cluster = await startCluster(BIN!, 'varde-dropdb-', ['autovacuum_naptime=1', 'autovacuum_vacuum_cost_delay=100', 'autovacuum_vacuum_cost_limit=1']);
    superUrl = cluster.adminUrl;
    const plain = new URL(superUrl);
    plain.username = 'plain';
    plainUrl = plain.href;
    await adminQuery(superUrl, 'create role plain login createdb');
  });
  after(() => cluster?.stop());

  /** A database of role `plain` with an autovacuum worker in it (waits up to 30 s for one). */
  async function vacuumedDatabase(): Promise<string> {
    const name = `varde_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(plainUrl, `create database ${name}`);
    await withClient(databaseUrl(plainUrl, name), async (c) => {
      await c.query('create table t as select g from generate_series(1, 50000) g');
      await c.query('delete from t');
    });
    for (let i = 0; i < 300; i++) {
      const r = await withClient(superUrl, (c) => c.query(`select 1 from pg_stat_activity where datname = $1 and backend_type = 'autovacuum worker'`, [name]));
      if (r.rowCount) return name;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`no autovacuum worker came to ${name} within 30 s`);
  }

  test('dropDatabase drops it', async () => {
    const name = await vacuumedDatabase();
    await dropDatabase(plainUrl, name);
    assert.equal(await exists(superUrl, name), false);
  });

  test('why: `with (force)` refuses to signal the worker (42501 on PostgreSQL 15, as in CI)', async (t) => {
    const name = await vacuumedDatabase();
    const force = await adminQuery(plainUrl, `drop database ${name} with (force)`).then(() => 'dropped', (err: { code?: string }) => err.code);
    if (force === 'dropped') t.diagnostic('this PostgreSQL let a role that is not a superuser force the worker out');
    else assert.equal(force, '42501');
    await dropDatabase(plainUrl, name);
    assert.equal(await exists(superUrl, name), false);
  });
});
