import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { splitStatements } from '../db/migrate.js';
import type { Db } from '../db/port.js';
import { openPostgres } from '../db/postgres.js';
import { TEST_DB_KIND } from './db.js';
import { seedFixture, type Fixture } from './fixtures.js';
import { adminQuery, databaseUrl, dropDatabase } from './pg-cluster.js';

// For tests of a migration on a populated database: an empty store, migrated up to just before the
// migration under test, filled, then migrate() applies the rest.

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), '../db/migrations');

/** A database of the test store's kind with nothing in it (not migrated), dropped again by its close. */
export async function emptyDb(): Promise<Db> {
  if (TEST_DB_KIND === 'pglite') return (await import('../db/pglite.js')).openPglite();
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `varde_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const db = await openPostgres(databaseUrl(adminUrl, name), { max: 3 });
  return { ...db, kind: db.kind, query: db.query, tx: db.tx, exec: db.exec, listen: db.listen,
    async close() { await db.close(); await dropDatabase(adminUrl, name); } };
}

/** Applies the migrations numbered below `upTo`, recorded as migrate() records them. */
export async function migrateBelow(db: Db, upTo: number): Promise<void> {
  await db.exec(`create table if not exists schema_migrations (
    version int primary key, name text not null, applied_at timestamptz not null default now())`);
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  await db.tx(async (tx) => {
    for (const file of files) {
      const version = Number(file.slice(0, 3));
      if (version >= upTo) continue;
      for (const stmt of splitStatements(readFileSync(join(MIGRATIONS, file), 'utf8'))) await tx.query(stmt);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [version, file]);
    }
  });
}

/**
 * A test file's (or suite's) store migrated up to just before `version`, with the standard
 * fixture; closed after. Fields are set in `before`: read them inside tests.
 */
export function useStoreBelow(version: number): { db: Db; f: Fixture } {
  const env = {} as { db: Db; f: Fixture };
  before(async () => {
    env.db = await emptyDb();
    await migrateBelow(env.db, version);
    env.f = await seedFixture(env.db);
  });
  after(async () => env.db?.close());
  return env;
}
