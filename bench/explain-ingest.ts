/**
 * Where the time of one ingest write goes, statement by statement, with trigger times (EXPLAIN
 * ANALYZE of the matching statements in a savepoint that is rolled back, then the statement
 * itself). Loads a small cohort into a fresh database of BENCH_DATABASE_URL, runs the sweep (as
 * the bench does), then stores a few groups of single readings through the real group-commit path
 * and prints the plans. GROUP=n uploads at once (default 8); READINGS=100 makes each upload carry
 * that many readings of different patients with their whole sitting (the bench's batched phase).
 * For bench/README.md's profiles; not part of `npm run bench`.
 *
 *   BENCH_DATABASE_URL=postgres://… node --import tsx bench/explain-ingest.ts [patients]
 *   GROUP=1 READINGS=100 node --import tsx bench/explain-ingest.ts 10000
 *
 * WAL=1 explains nothing and instead prints the WAL the rounds wrote (pg_walinspect, superuser),
 * per relation and record type, per reading stored: a count that does not move with the machine's
 * load, for comparing two versions of the write path. ROUNDS=n rounds (default 3).
 *
 *   WAL=1 ROUNDS=20 GROUP=13 AT=14:00 node --import tsx bench/explain-ingest.ts 2000
 *
 * WAL_DETAIL=<regex> (with WAL=1) also lists the first 120 records whose "manager/type relation"
 * matches, e.g. WAL_DETAIL=' (alerts|episode_state)$': which statement locked or moved which row.
 *
 * EXPLAIN_DB_URL=<database> uses an already loaded database instead (e.g. 100 000 patients from
 * `varde simulate`; patients = its cohort size), loads nothing, drops nothing, and runs the sweep
 * first only with EXPLAIN_SWEEP=1. EXPLAIN_RE picks the statements to explain ('.' = all).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb } from '../src/server/db/open.js';
import { loadConfig } from '../src/server/config/index.js';
import { loadCohort } from '../src/sim/load.js';
import { sweepMissing } from '../src/server/triage/missing-job.js';
import { simPatient, sittingOn } from '../src/sim/cohort.js';
import { ingestReadings } from '../src/server/ingest/service.js';
import type { Ctx } from '../src/server/context.js';
import { latestPastUtc } from './at.js';
import { benchPostgres } from './postgres.js';

/** The WAL records since $1 (an LSN), each with the relation its first block belongs to ('-': none). */
const WAL_RECORDS = `
  select w.start_lsn, w.xid, w.resource_manager as rm, w.record_type as type, w.record_length, w.fpi_length, w.description,
         coalesce(pg_filenode_relation(0, (regexp_match(w.block_ref, 'rel \\d+/\\d+/(\\d+)'))[1]::oid)::text,
                  case when w.block_ref is null then '-' else 'filenode ' || (regexp_match(w.block_ref, 'rel \\d+/\\d+/(\\d+)'))[1] end) as rel,
         regexp_replace(w.block_ref, 'rel \\d+/\\d+/\\d+ fork main ', '', 'g') as blocks
    from pg_get_wal_records_info($1::pg_lsn, pg_current_wal_flush_lsn()) w`;

const existing = process.env.EXPLAIN_DB_URL;
const server = process.env.BENCH_DATABASE_URL || existing ? null : await benchPostgres();
const admin = existing ?? process.env.BENCH_DATABASE_URL ?? server?.adminUrl;
if (!admin) throw new Error('no PostgreSQL: set BENCH_DATABASE_URL or install the binaries');
const PATIENTS = Number(process.argv[2] ?? 2000);
let closeDb = async () => undefined as void;
const name = `varde_explain_${randomBytes(4).toString('hex')}`;
const a = new pg.Client({ connectionString: admin });
await a.connect();
if (!existing) await a.query(`create database ${name}`);
const url = new URL(admin);
if (!existing) url.pathname = `/${name}`;
try {
  const db = await openDb({ DATABASE_URL: url.href, PGLITE_DIR: '' });
  // AT=HH:MM: the cohort ends and the sweep runs at the latest such UTC time, as the bench's --at
  // (at 14:00 every reading then answers a missing-measurement alert).
  const end = process.env.AT ? latestPastUtc(process.env.AT) : new Date();
  const opts = { patients: PATIENTS, days: 6, seed: 1, end };
  const loaded = existing
    ? { observations: NaN, organisationId: (await db.query<{ id: string }>("select organisation_id::text as id from care_team limit 1")).rows[0]!.id }
    : await loadCohort(db, { ...opts, clientId: 'explain', clientSecret: 'x'.repeat(24) });
  const sw = !existing || process.env.EXPLAIN_SWEEP === '1' ? await sweepMissing(db, end) : { raised: NaN };
  console.error(`loaded ${loaded.observations} observations, sweep raised ${sw.raised}`);
  await db.close();
  const { openPostgres } = await import('../src/server/db/postgres.js');
  const db2 = await openPostgres(url.href);
  const pool = db2;
  closeDb = () => db2.close();
  // Statements matching EXPLAIN_RE are first run under EXPLAIN ANALYZE in a savepoint (rolled back).
  const wal = process.env.WAL === '1';
  const re = wal ? /(?!)/ : new RegExp(process.env.EXPLAIN_RE ?? '^\\s*with ins as');
  const explaining = (q: { query: typeof db2.query }) => ({
    async query(sql: string, p?: readonly unknown[]) {
      if (re.test(sql)) {
        await q.query('savepoint x');
        const t0 = performance.now();
        const plan = await q.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, p);
        console.log(`---- ${(performance.now() - t0).toFixed(1)} ms: ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
        await q.query('rollback to savepoint x');
      }
      return q.query(sql, p);
    },
  });
  const qdb = { ...db2, query: db2.query, tx: <T>(fn: (tx: { query: typeof db2.query }) => Promise<T>) => db2.tx((tx) => fn(explaining(tx) as never)) } as unknown as Ctx['db'];
  const ids = new Map((await pool.query<{ id: string; identifier: string }>('select id, identifier from patients')).rows.map((r) => [r.identifier, r.id]));
  const ctx: Ctx = { db: qdb, actor: { kind: 'client', clientId: 'explain', organisationId: loaded.organisationId, scopes: ['observation.write'] }, now: () => new Date(), log: console as never, config: loadConfig({}), route: 'POST /api/ingest/observations' } as Ctx;
  const group = Number(process.env.GROUP ?? 8);
  // READINGS=100: each upload carries that many readings of different patients, every measurement
  // of their sitting (the bench's batched phase) instead of one single-measurement reading.
  const perUpload = Number(process.env.READINGS ?? 1);
  const rounds = Number(process.env.ROUNDS ?? 3);
  if (wal) await pool.query('create extension if not exists pg_walinspect');
  // The WAL of the rounds only: after a checkpoint, so each page's first change writes a full-page image (counted apart).
  if (wal) await pool.query('checkpoint');
  const walStart = wal ? (await pool.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn')).rows[0]!.lsn : '';
  for (let round = 0; round < rounds; round++) {
    console.log(`==== round ${round}: ${group} uploads of ${perUpload} reading(s) at once`);
    await Promise.all(Array.from({ length: group }, async (_, k) => {
      const readings = Array.from({ length: perUpload }, (_, r) => {
        let i = ((round * group + k) * perUpload + r) * 7;
        let p = simPatient(i % PATIENTS, opts);
        while (p.plan.measures.length === 0) p = simPatient(++i % PATIENTS, opts);
        const s = sittingOn(p, 6, { ...opts, adherence: 1 });
        const ms = s?.measurements ?? [{ code: p.plan.measures[0]!.code, value: 0, unit: '' }];
        return { readingId: `x-${round}-${k}-${r}`, patientId: ids.get(p.identifier)!, effectiveAt: new Date(Date.now() - 1000).toISOString(), measurements: (perUpload === 1 ? ms.slice(0, 1) : ms) as never };
      });
      await ingestReadings(ctx, { sentAt: new Date().toISOString(), readings } as never, new Date());
    }));
  }
  if (wal) await printWal(pool, walStart, rounds * group * perUpload, process.env.WAL_DETAIL);
} catch (err) {
  console.error('FAILED', err);
} finally {
  await closeDb();
  if (!existing) await a.query(`drop database if exists ${name} with (force)`);
  await a.end();
  server?.stop();
}

/**
 * The WAL written since `start` by this cluster, per relation and record type, divided by the
 * readings stored (a throwaway cluster runs nothing else). `detail`: a regex over
 * "manager/type relation"; the first 120 matching records are listed one by one.
 */
async function printWal(q: { query: <T>(sql: string, p?: readonly unknown[]) => Promise<{ rows: T[] }> }, start: string, readings: number, detail?: string): Promise<void> {
  const rows = (await q.query<{ rel: string; rm: string; type: string; n: number; bytes: number; fpi: number }>(
    `select rel, rm, type, count(*)::int as n, sum(record_length)::int as bytes, sum(fpi_length)::int as fpi
       from (${WAL_RECORDS}) w group by 1, 2, 3 order by count(*) desc, 1, 2, 3`,
    [start],
  )).rows;
  const total = rows.reduce((t, x) => ({ n: t.n + x.n, bytes: t.bytes + x.bytes - x.fpi, fpi: t.fpi + x.fpi }), { n: 0, bytes: 0, fpi: 0 });
  console.log(`WAL per reading (${readings} readings): ${(total.n / readings).toFixed(2)} records, ${(total.bytes / readings).toFixed(0)} bytes without full-page images (those: ${(total.fpi / readings).toFixed(0)} bytes)`);
  console.log('records/reading  bytes/reading  relation  record');
  for (const x of rows) {
    console.log(`${(x.n / readings).toFixed(3).padStart(15)}  ${((x.bytes - x.fpi) / readings).toFixed(0).padStart(13)}  ${x.rel}  ${x.rm}/${x.type}`);
  }
  if (!detail) return;
  const d = await q.query<{ start_lsn: string; xid: string; type: string; rel: string; description: string; blocks: string | null }>(
    `select start_lsn::text, xid::text, type, rel, description, blocks from (${WAL_RECORDS}) w where rm || '/' || type || ' ' || rel ~ $2 order by w.start_lsn limit 120`,
    [start, detail],
  );
  for (const x of d.rows) console.log(x.start_lsn, x.xid, x.type, x.rel, x.description, x.blocks ?? '');
}
