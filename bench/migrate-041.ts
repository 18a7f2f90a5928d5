/**
 * What migration 041 (audit events partitioned by month) costs on a populated database: applies
 * migrations 001–040 to a fresh database, logs `rows` synthetic audit events over 700 days, then
 * times 041 (through migrate(), as a deploy runs it) and, for comparison, a plain copy of the same
 * rows into a new table (the least a migration that moved the rows, as 027 did, would cost).
 * For docs/SCALING.md ("Audit events"); not part of `npm run bench`.
 *
 *   BENCH_DATABASE_URL=postgres://… node --import tsx bench/migrate-041.ts [rows]
 */
import { migrate } from '../src/server/db/migrate.js';
import { openPostgres } from '../src/server/db/postgres.js';
import { migrateBelow } from '../src/server/testing/migrations.js';
import { withBenchDatabase } from './postgres.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);

await withBenchDatabase('varde_mig41', async (url, server) => {
  const db = await openPostgres(url);
  await migrateBelow(db, 41);
  const seconds = (t: number) => Math.round((performance.now() - t) / 10) / 100;
  let t = performance.now();
  // 200 nurses looking at 10 000 patients; a tenth of the rows are inbox views with details.
  await db.query(
    `insert into audit_events (at, actor_kind, actor_id, actor_name, role, action, resource_type, patient_id, route, details)
     select now() - (g % 700) * interval '1 day' - (g % 86400) * interval '1 second', 'personnel', 'nurse-' || (g % 200),
            'Synthetic Nurse', 'nurse', 'read', 'Patient', md5((g % 10000)::text)::uuid, '/api/worklist',
            case when g % 10 = 0 then '{"view":"inbox"}'::jsonb end
       from generate_series(1, $1::int) g`, [ROWS]);
  await db.exec('vacuum analyze audit_events');
  const loadS = seconds(t);
  const mb = async (rel: string) => Math.round(Number((await db.query<{ b: string }>(`select pg_total_relation_size('${rel}') as b`)).rows[0]!.b) / 1e5) / 10;
  const sizeBefore = await mb('audit_events');

  const cpu0 = server.cpuMs?.();
  t = performance.now();
  const applied = await migrate(db);
  const migrationS = seconds(t);
  const cpu = server.cpuMs && cpu0 !== undefined ? server.cpuMs() - cpu0 : undefined;
  const parts = (await db.query<{ name: string; rows: number }>(
    `select c.relname as name, (select count(*)::int from audit_events a where a.tableoid = c.oid) as rows
       from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_events'::regclass order by 1`)).rows;
  const after = parts.reduce((n, p) => n + p.rows, 0);
  if (after !== ROWS) throw new Error(`rows before ${ROWS}, after ${after}`);
  t = performance.now();
  await db.exec('create table audit_copy_probe as select * from audit_events');
  const copyS = seconds(t);
  console.log(JSON.stringify({
    applied, rows: ROWS, loadSeconds: loadS, sizeMbBefore: sizeBefore,
    migrationSeconds: migrationS, databaseCpuMs: cpu ?? null, plainCopySeconds: copyS, partitions: parts,
  }, null, 1));
  await db.close();
});
