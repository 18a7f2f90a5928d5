import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openAsBlob, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../db/migrate.js';
import type { Db } from '../db/port.js';
import { openPostgres } from '../db/postgres.js';
import { databaseUrl, dropDatabase } from './pg-cluster.js';

/** Which store the suite runs on: `VARDE_TEST_DB=postgres` with `TEST_DATABASE_URL`, else PGlite. */
export const TEST_DB_KIND: 'pglite' | 'postgres' = process.env.VARDE_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'db', 'migrations');
/** Names the way the PGlite tarball is made (pgliteTemplate); part of the digest. */
const PGLITE_TEMPLATE_FORMAT = 'pglite-template-2: template0 and template1 dropped, checkpointed';
/** Arbitrary constant: serialises building the PostgreSQL template between test processes. */
const TEMPLATE_LOCK = 7_211_409;

/**
 * What a migrated empty database depends on: every migration file and the PGlite build. A
 * template made from other migrations is never used (its name differs).
 */
function schemaDigest(): string {
  const h = createHash('sha256');
  // How pgliteTemplate makes its dump; a change here must not reuse a tarball made the old way.
  h.update(`${PGLITE_TEMPLATE_FORMAT}\n`);
  // The package does not export its package.json; it sits above its dist/ entry point.
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  h.update(readFileSync(join(dirname(entry), '..', 'package.json')));
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) h.update(`${f}\n`).update(readFileSync(join(MIGRATIONS_DIR, f)));
  return h.digest('hex').slice(0, 16);
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or a new database on the test
 * PostgreSQL server that is dropped again on close. Each file gets its own, so files run in parallel.
 *
 * Both start from a template migrated once per suite run (and per change of the migrations), not
 * from an empty cluster: PGlite's initdb and the 40 migrations took ~3 s of every test file's
 * start (a load from the dump 0.5–0.6 s), PostgreSQL's migrations ~0.45 s (a copy ~55 ms).
 * `migrate` still runs after (nothing to apply), so a template that lags the migrations could not
 * go unnoticed.
 */
export async function testDb(): Promise<Db> {
  const digest = schemaDigest();
  if (TEST_DB_KIND === 'pglite') {
    // Imported here: the PostgreSQL pass has no use for PGlite's ~0.3 s of module loading.
    const { openPglite } = await import('../db/pglite.js');
    const db = await openPglite(undefined, { loadDataDir: await pgliteTemplate(digest) });
    await migrate(db);
    return db;
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('VARDE_TEST_DB=postgres needs TEST_DATABASE_URL (a role that may CREATE DATABASE)');
  const name = `varde_test_${randomBytes(6).toString('hex')}`;
  await createFromTemplate(adminUrl, name, digest);
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

/**
 * The migrated PGlite data directory as a tarball in the temporary directory, made by the first
 * test process that needs it (written aside and renamed, so a process never reads half a file;
 * two processes racing both write the same content).
 */
async function pgliteTemplate(digest: string): Promise<Blob> {
  const file = join(tmpdir(), `varde-test-pglite-${digest}.tar`);
  if (!existsSync(file)) {
    const { openPglite } = await import('../db/pglite.js');
    const db = await openPglite();
    try {
      await migrate(db);
      // The tests use the database 'postgres' only. template0 and template1 were a third of the
      // tarball each (7.5 MB), which every test file read, copied and unpacked again: dropped, the
      // dump is 28 MB instead of 43 and a load ~0.3 s shorter.
      for (const t of ['template0', 'template1']) {
        await db.exec(`alter database ${t} is_template false`);
        await db.exec(`drop database ${t}`);
      }
      await db.exec('checkpoint');
      const tar = Buffer.from(await (await db.dumpDataDir()).arrayBuffer());
      const part = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(part, tar);
      renameSync(part, file);
      dropStaleTarballs(file);
    } finally {
      await db.close();
    }
  }
  // A Blob backed by the file: PGlite reads it once with arrayBuffer(). A Blob made from the
  // file's bytes (new Blob([readFileSync(file)])) was copied twice more and read back in chunks:
  // ~0.4 s of CPU for 43 MB in every test file.
  return openAsBlob(file);
}

/**
 * Tarballs of other migrations (28 MB each) older than a day: every change of a migration leaves
 * one behind. A day's grace spares a suite of another checkout that is running right now.
 */
function dropStaleTarballs(keep: string): void {
  const day = Date.now() - 86_400_000;
  for (const f of readdirSync(tmpdir())) {
    const path = join(tmpdir(), f);
    if (!/^varde-test-pglite-[0-9a-f]{16}\.tar$/.test(f) || path === keep) continue;
    try {
      if (statSync(path).mtimeMs < day) rmSync(path, { force: true });
    } catch {
      // Gone already (another process cleaning up).
    }
  }
}

/**
 * `create database name template varde_tpl_<digest>`, building that template first if this
 * server lacks it. The template takes no connections (`allow_connections false`): CREATE
 * DATABASE refuses a template someone is connected to, autovacuum included.
 */
async function createFromTemplate(adminUrl: string, name: string, digest: string): Promise<void> {
  const template = `varde_tpl_${digest}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const exists = async () => (await c.query('select 1 from pg_database where datname = $1', [template])).rowCount === 1;
    if (!(await exists())) {
      await c.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
      try {
        if (!(await exists())) await buildTemplate(c, adminUrl, template);
      } finally {
        await c.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(template)}`);
        return;
      } catch (e) {
        // 55006: the template is being accessed (a CREATE DATABASE of another file copying it).
        if ((e as { code?: string }).code !== '55006' || attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await c.end();
  }
}

/**
 * Migrates a new template. Templates of other migrations (one per change of them) are dropped
 * once a day old, as the PGlite tarballs: a suite of another checkout may be copying one now.
 * A template's comment is when it was built.
 */
async function buildTemplate(c: pg.Client, adminUrl: string, template: string): Promise<void> {
  const old = await c.query<{ datname: string }>(
    `select d.datname from pg_database d, lateral (select shobj_description(d.oid, 'pg_database') as built) b
      where d.datname like 'varde\\_tpl\\_%' and d.datname <> $1
        and case when b.built ~ '^\\d{4}-\\d\\d-\\d\\dT' then b.built::timestamptz < now() - interval '1 day' else true end`,
    [template],
  );
  for (const { datname } of old.rows) await dropDatabase(adminUrl, datname).catch(() => undefined);
  const building = `${template}_build`;
  await dropDatabase(adminUrl, building);
  await c.query(`create database ${pg.escapeIdentifier(building)}`);
  const db = await openPostgres(databaseUrl(adminUrl, building), { max: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  await c.query(`alter database ${pg.escapeIdentifier(building)} rename to ${pg.escapeIdentifier(template)}`);
  await c.query(`alter database ${pg.escapeIdentifier(template)} with allow_connections false`);
  await c.query(`comment on database ${pg.escapeIdentifier(template)} is ${pg.escapeLiteral(new Date().toISOString())}`);
}
