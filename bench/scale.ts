/**
 * How the worklist and the missing-measurement sweep scale with the number of patients, measured
 * in-process against the store (no HTTP): the worklist service's first page (and filtered pages)
 * for a nurse whose service follows every patient, and the sweep with every episode due and a
 * minute later. Complements `npm run bench` (which does the HTTP phases) for 100 000 patients,
 * where loading the whole bench again would take most of an hour on a small machine.
 *
 *   node --import tsx bench/scale.ts [--patients N] [--days D] [--requests R] [--only pglite|postgres]
 *
 * PostgreSQL as in run.ts: BENCH_DATABASE_URL, TEST_DATABASE_URL or a throwaway cluster (fsync on).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/server/config/index.js';
import type { Ctx } from '../src/server/context.js';
import { openDb } from '../src/server/db/open.js';
import type { Db } from '../src/server/db/port.js';
import { sweepMissing } from '../src/server/triage/missing-job.js';
import { worklist, type WorklistQuery } from '../src/server/worklist/service.js';
import { loadCohort } from '../src/sim/load.js';
import { percentile } from './http-load.js';
import { benchPostgres } from './postgres.js';
import { dropDatabase } from '../src/server/testing/pg-cluster.js';

const { values: args } = parseArgs({ options: { patients: { type: 'string' }, days: { type: 'string' }, requests: { type: 'string' }, only: { type: 'string' } } });
const PATIENTS = Number(args.patients ?? 10_000);
const DAYS = Number(args.days ?? 6);
const REQUESTS = Number(args.requests ?? 200);
const log = (s: string) => console.error(s);

async function main(): Promise<void> {
  if (args.only !== 'postgres') await run('pglite');
  if (args.only !== 'pglite') {
    const server = await benchPostgres();
    if (!server) log('PostgreSQL: skipped (no BENCH_DATABASE_URL, TEST_DATABASE_URL or local binaries)');
    else {
      try {
        await run('postgres', server.adminUrl);
      } finally {
        server.stop();
      }
    }
  }
}

async function run(kind: 'pglite' | 'postgres', adminUrl?: string): Promise<void> {
  let db: Db;
  let cleanup: () => Promise<void>;
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'varde-scale-'));
    db = await openDb({ PGLITE_DIR: dir, DATABASE_URL: undefined });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `varde_scale_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    db = await openDb({ DATABASE_URL: url.href, PGLITE_DIR: '' });
    cleanup = () => dropDatabase(adminUrl!, name);
  }
  try {
    log(`\n== ${kind}: ${PATIENTS} patients × ${DAYS} days`);
    const loaded = await loadCohort(db, { patients: PATIENTS, days: DAYS, seed: 1, end: new Date(), log });
    log(`loaded ${loaded.patients} patients, ${loaded.observations} observations in ${(loaded.ms / 1000).toFixed(1)} s`);
    if (kind === 'postgres') await db.query('analyze');

    let t = performance.now();
    const first = await sweepMissing(db, new Date());
    const sweepS = (performance.now() - t) / 1000;
    t = performance.now();
    const next = await sweepMissing(db, new Date(Date.now() + 60_000));
    const nextS = (performance.now() - t) / 1000;
    log(`sweep: ${first.episodes} episodes due, ${first.raised} raised, ${first.failed} skipped in ${sweepS.toFixed(2)} s; a minute later ${next.episodes} due in ${nextS.toFixed(3)} s`);

    const nurse = (await db.query<{ id: string; name: string; hpr_number: string; organisation_id: string; org_name: string }>(
      `select p.id, p.name, p.hpr_number, m.organisation_id, o.name as org_name from personnel p join memberships m on m.personnel_id = p.id
         join organisations o on o.id = m.organisation_id where m.role = 'nurse' and o.kind = 'municipality' limit 1`,
    )).rows[0]!;
    const ctx: Ctx = {
      db, now: () => new Date(), log: pino({ level: 'silent' }), config: loadConfig({}, { LOG_LEVEL: 'silent' }), route: 'GET /api/worklist',
      actor: { kind: 'personnel', personnelId: nurse.id, name: nurse.name, hpr: nurse.hpr_number, organisationId: nurse.organisation_id, organisationName: nurse.org_name, organisationKind: 'municipality', role: 'nurse' },
    };
    const someone = (await db.query<{ name: string }>('select name from patients order by identifier limit 1 offset 17')).rows[0]!.name.split(' ')[0]!;
    const cases: [string, WorklistQuery][] = [
      ['first page', {}],
      ['status = red', { status: 'red' }],
      ['status = missing', { status: 'missing' }],
      [`search "${someone}"`, { q: someone }],
    ];
    for (const [label, q] of cases) {
      const ms: number[] = [];
      let page = await worklist(ctx, q);
      for (let i = 0; i < REQUESTS; i++) {
        const s = performance.now();
        page = await worklist(ctx, q);
        ms.push(performance.now() - s);
      }
      log(`worklist ${label}: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms (${page.items.length} rows of ${page.counts.all}; red ${page.counts.red}, yellow ${page.counts.yellow}, missing ${page.counts.missing})`);
    }
  } finally {
    await db.close();
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
