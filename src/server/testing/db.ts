import { randomBytes } from 'node:crypto';
import { migrate } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';
import type { Db } from '../db/port.js';
import { openPostgres } from '../db/postgres.js';
import { adminQuery, databaseUrl, dropDatabase } from './pg-cluster.js';

/** Which store the suite runs on: `VARDE_TEST_DB=postgres` with `TEST_DATABASE_URL`, else PGlite. */
export const TEST_DB_KIND: 'pglite' | 'postgres' = process.env.VARDE_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or a new database on the test
 * PostgreSQL server that is dropped again on close. Each file gets its own, so files run in parallel.
 */
export async function testDb(): Promise<Db> {
  if (TEST_DB_KIND === 'pglite') {
    const db = await openPglite();
    await migrate(db);
    return db;
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('VARDE_TEST_DB=postgres needs TEST_DATABASE_URL (a role that may CREATE DATABASE)');
  const name = `varde_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const db = await openPostgres(databaseUrl(adminUrl, name), { max: 5 });
  await migrate(db);
  return {
    ...db,
    kind: db.kind,
    query: db.query,
    tx: db.tx,
    exec: db.exec,
    listen: db.listen,
    async close() {
      await db.close();
      await dropDatabase(adminUrl, name);
    },
  };
}
