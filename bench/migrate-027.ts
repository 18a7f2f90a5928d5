/**
 * What migration 027 (observations partitioned by month) costs on a populated database: applies
 * migrations 001–026 to a fresh database, loads a simulated cohort (the bench loader, readings over
 * `days` days), then times 027 alone and reports rows per second and the partitions it made.
 * For docs/SCALING.md ("Cost of the migration"); not part of `npm run bench`.
 *
 *   BENCH_DATABASE_URL=postgres://… node --import tsx bench/migrate-027.ts [patients] [days]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitStatements } from '../src/server/db/migrate.js';
import { openPostgres } from '../src/server/db/postgres.js';
import { observationPartitions } from '../src/server/observations/partitions.js';
import { withBenchDatabase } from './postgres.js';

const PATIENTS = Number(process.argv[2] ?? 2000);
const DAYS = Number(process.argv[3] ?? 30);
const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), '../src/server/db/migrations');

await withBenchDatabase('varde_mig27', async (url, server) => {
  const db = await openPostgres(url);
  await db.exec(`create table schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())`);
  /** Applies the migration files numbered from..to in one transaction, as migrate() would. */
  const applyRange = (from: number, to: number) => db.tx(async (tx) => {
    const done: string[] = [];
    for (const file of readdirSync(MIGRATIONS).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort()) {
      const version = Number(file.slice(0, 3));
      if (version < from || version > to) continue;
      for (const stmt of splitStatements(readFileSync(join(MIGRATIONS, file), 'utf8'))) await tx.query(stmt);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [version, file]);
      done.push(file);
    }
    return done;
  });
  await applyRange(1, 26);
  // Synthetic readings over DAYS days (3 a patient-day, each with an idempotency key as ingest gives
  // them), inserted through 026's table and triggers; not the bench loader, which needs 027.
  const f = await db.query<{ org: string }>(`insert into organisations (org_number, name, kind, helsefellesskap) values ('999000001', 'Bench', 'municipality', 'Bench') returning id as org`);
  const org = f.rows[0]!.org;
  const pers = (await db.query<{ id: string }>(`insert into personnel (hpr_number, name) values ('9990001', 'Bench') returning id`)).rows[0]!.id;
  await db.query(
    `with p as (insert into patients (identifier, identifier_system, name, birth_date, sex, lang)
                select 'bench-' || g, 'fnr', 'Bench ' || g, '1940-01-01', 'female', 'nb' from generate_series(1, $1) g returning id)
     insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at)
     select id, 'medium', now() - make_interval(days => $2), $3, $4, now() - make_interval(days => $2) from p`,
    [PATIENTS, DAYS + 1, pers, org]);
  const t0 = Date.now();
  await db.query(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key, zone)
     select e.patient_id, e.id, c.code, 90 + (d % 7), '%', now() - make_interval(days => d) + make_interval(mins => (hashtext(e.id::text) & 255)),
            'device', 'client:bench', 'bench-' || d || '-' || e.id, 'green'
       from episodes e cross join generate_series(0, $1 - 1) d
       cross join (values ('spo2'), ('heart_rate'), ('weight')) c(code)`, [DAYS]);
  const rows = (await db.query<{ n: number }>('select count(*)::int as n from observations')).rows[0]!.n;
  await db.exec('vacuum analyze observations');
  console.error(`loaded ${rows} observations in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const mb = (x: string | number) => Math.round(Number(x) / 1e5) / 10;
  const sizeBefore = (await db.query<{ total: string; idem: string }>(
    `select pg_total_relation_size('observations') as total, pg_relation_size('observations_idempotency') as idem`)).rows[0]!;

  const cpu0 = server.cpuMs?.();
  const t1 = Date.now();
  const applied = await applyRange(27, 27);
  const ms = Date.now() - t1;
  const cpu = server.cpuMs && cpu0 !== undefined ? server.cpuMs() - cpu0 : undefined;
  const parts = await observationPartitions(db);
  const after = (await db.query<{ n: number }>('select count(*)::int as n from observations')).rows[0]!.n;
  if (after !== rows) throw new Error(`rows before ${rows}, after ${after}`);
  await db.exec('vacuum analyze observations');
  await db.exec('vacuum analyze observation_keys');
  const sizeAfter = (await db.query<{ total: string; keys: string }>(
    `select (select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'observations'::regclass) as total,
            pg_total_relation_size('observation_keys') as keys`)).rows[0]!;
  console.log(JSON.stringify({
    sizeMb: {
      before: { observations: mb(sizeBefore.total), idempotencyIndex: mb(sizeBefore.idem) },
      after: { observations: mb(sizeAfter.total), observationKeys: mb(sizeAfter.keys) },
      bytesPerRowBefore: Math.round(Number(sizeBefore.total) / rows),
      bytesPerRowAfter: Math.round((Number(sizeAfter.total) + Number(sizeAfter.keys)) / rows),
    },
    applied, rows, seconds: ms / 1000, rowsPerS: Math.round(rows / (ms / 1000)), databaseCpuMs: cpu ?? null,
    partitions: parts.map((p) => p.name),
  }, null, 1));
  await db.close();
});
