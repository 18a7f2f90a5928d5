/**
 * `npm run bench`: throughput and latency of the ingest (app API and FHIR), worklist and trend
 * paths and the missing-measurement sweep on PGlite and on PostgreSQL, against a real server
 * process (spawned, so its RSS and CPU are its own) loaded with a simulated cohort (10 000
 * patients, ~200 000 observations).
 *
 *   npm run bench [-- --only pglite|postgres] [--patients N] [--days D] [--seconds S] [--json FILE|-] [--keep] [--phases a,b] [--at HH:MM] [--statements] [--huge-pages]
 *
 * `--json` writes one object per store with (among others) single.perS, batch.obsPerS,
 * fhirSingle.perS, fhirBatch.obsPerS, worklist.p99, sweep.seconds and rssPeakMb; `-` prints it.
 *
 * PostgreSQL comes from BENCH_DATABASE_URL, else TEST_DATABASE_URL, else a throwaway cluster is
 * started from the local binaries (durable defaults: fsync on); without any, that column is skipped.
 * `--keep` leaves the PostgreSQL database behind (BENCH_DATABASE_URL or TEST_DATABASE_URL) and prints its URL.
 * `--statements` (PostgreSQL with pg_stat_statements: the throwaway cluster preloads it then) adds
 * each phase's statements and trigger functions, most database time first, its WAL and its buffer
 * use per request, to the log and the JSON. The throwaway cluster's shared memory goes on 2 MB huge
 * pages, as docs/SCALING.md asks of a primary, when this process may reserve them (root) for the
 * run; `--huge-pages` insists, BENCH_HUGE_PAGES=off declines (bench/postgres.ts#HugePages).
 * Everything is bounded: each load phase runs for a fixed time and request count.
 */
import { latestPastUtc } from './at.js';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createSession, SESSION_COOKIE } from '../src/server/auth/session.js';
import { openDb } from '../src/server/db/open.js';
import type { Db } from '../src/server/db/port.js';
import { spawnServer, processStats, REPO_ROOT, type ChildServer } from '../src/sim/child-server.js';
import { simPatient, sittingOn, type CohortOptions, type SimMeasurement } from '../src/sim/cohort.js';
import { loadCohort } from '../src/sim/load.js';
import { sweepMissing } from '../src/server/triage/missing-job.js';
import { CATALOGUE } from '../src/domain/catalogue.js';
import { DEFAULT_OPENING_HOURS, OpeningHoursSchema } from '../src/domain/opening-hours.js';
import { loadClient, percentile, runLoad, type LoadClient, type LoadResult } from './http-load.js';
import { measureCommitFloor, measureFloor, type CommitFloor, type Floor } from './floor.js';
import { benchPostgres, hugePagesMode, hugePagesNote, pgSchedulingMode, type PgServer } from './postgres.js';
import { adminQuery, dropDatabase } from '../src/server/testing/pg-cluster.js';

/** How the FHIR phases name the patient: `reference` (Patient/[id], the default) or `identifier` (fødselsnummer). */
const FHIR_SUBJECT = process.env.BENCH_FHIR_SUBJECT === 'identifier' ? 'identifier' : 'reference';
/**
 * BENCH_FHIR_DEVICE=1: each FHIR Observation names the device it came from (`Device/[id]`), as PHD
 * gateways do; every patient gets a device of the gateway's organisation at setup.
 * BENCH_FHIR_DEVICE=identifier names it by identifier (its serial) instead, a logical reference.
 */
const FHIR_DEVICE = process.env.BENCH_FHIR_DEVICE === '1' || process.env.BENCH_FHIR_DEVICE === 'identifier';
const FHIR_DEVICE_BY_IDENTIFIER = process.env.BENCH_FHIR_DEVICE === 'identifier';
const FNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
/**
 * BENCH_BATCH=backlog: each batched upload is one patient's backlog (a device back online after
 * days away: 100 sittings of one patient, 40 minutes apart, oldest first) instead of one sitting
 * each of 100 patients.
 */
const BATCH_BACKLOG = process.env.BENCH_BATCH === 'backlog';
/** BENCH_FHIR_FULLURL=1: every transaction Bundle entry has a `urn:uuid` fullUrl, as FHIR clients commonly send (R4 Bundle.entry.fullUrl). */
const FHIR_FULLURL = process.env.BENCH_FHIR_FULLURL === '1';
/** BENCH_FHIR_CONDITIONAL=1: every FHIR Observation create is conditional on its identifier (If-None-Exist), as the PHD IG asks. */
const FHIR_CONDITIONAL = process.env.BENCH_FHIR_CONDITIONAL === '1';
/**
 * BENCH_HOURS=1: every follow-up service has its opening hours configured, as a municipal service
 * keeps them: the default weekly hours (so triage decides as with the defaults) plus three years of
 * closed dates (julaften, romjul, a summer week). Without, the services have none and use the
 * defaults, which the episode lock does not send.
 */
const SERVICE_HOURS = process.env.BENCH_HOURS === '1';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' }, patients: { type: 'string' }, days: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'string' },
    phases: { type: 'string' }, keep: { type: 'boolean' }, at: { type: 'string' }, statements: { type: 'boolean' }, 'huge-pages': { type: 'boolean' },
    concurrency: { type: 'string' },
  },
});
const PATIENTS = Number(args.patients ?? 10_000);
const DAYS = Number(args.days ?? 6);
const SECONDS = Number(args.seconds ?? 10);
/** `--phases single,fhirSingle` runs only those load phases (all by default); for profiling one path. */
const PHASES = new Set((args.phases ?? 'floor,single,batch,fhirSingle,fhirBatch,worklist,trend').split(',').map((x) => x.trim()));
const want = (p: string) => PHASES.has(p);
/**
 * `--at HH:MM`: the cohort ends, and the all-due sweep runs, at the latest such UTC time not after
 * now, instead of now. What an all-due sweep raises, and so how many alert chips the worklist's
 * first page carries, depends on whether the day's deadlines have passed (after 13:00 UTC: about 5
 * open alerts per episode, the first page ~330 kB in all three languages; just after midnight in
 * Oslo: ~1.7, ~190 kB), so runs at different hours compare only with the same `--at`. The server's
 * clock stays real.
 */
const AT = args.at === undefined ? undefined : latestPastUtc(args.at);
/**
 * V8 flags of the server process, as docs/SCALING.md recommends for production (and `npm start`
 * uses): a young generation of 8 MB per semi-space instead of V8's default keeps ~40–70 MB of
 * short-lived request garbage from staying resident, and an explicit old-generation limit keeps V8
 * from letting the old generation grow to four times its live size between major collections
 * (docs/SCALING.md, "Server memory"). BENCH_HEAP_DEFAULTS=1 measures V8's defaults;
 * BENCH_SEMI_SPACE=N another young generation (bench/README.md, round 12: 32 MB cut the worklist's
 * old-generation collections but raised the peak RSS by ~50 MB).
 */
const SERVER_NODE_OPTIONS = process.env.BENCH_HEAP_DEFAULTS === '1' ? '' : `--max-semi-space-size=${process.env.BENCH_SEMI_SPACE ?? 8} --max-old-space-size=2000`;
/**
 * The worklist phase's request: the first page in the nurse's language, as the clinic app asks for
 * it. BENCH_WORKLIST_QUERY='' asks for all three languages (as clients before `lang` did).
 */
const WORKLIST_QUERY = process.env.BENCH_WORKLIST_QUERY ?? 'lang=nb';
const WORKLIST_PATH = `/api/worklist${WORKLIST_QUERY ? `?${WORKLIST_QUERY}` : ''}`;
/**
 * The server runs compiled (`npm run build:server`, built at the start of the bench), as `npm start`
 * and production run it; BENCH_TSX=1 runs the TypeScript through tsx instead (~48 MB more RSS).
 */
const COMPILED = process.env.BENCH_TSX !== '1';
/**
 * Requests in flight in the single-request phases (single, fhirSingle, fhirPhd), and so in the HTTP
 * floor and the commit floor's connections, which must match them. 32, as every round and the peer's
 * measurement ran; `--concurrency N` measures the same phases under a heavier closed loop (a capacity
 * curve, bench/README.md "Round 32"), not the issue's figures.
 */
const SINGLE_CONCURRENCY = Number(args.concurrency ?? 32);
if (!Number.isInteger(SINGLE_CONCURRENCY) || SINGLE_CONCURRENCY < 1 || SINGLE_CONCURRENCY > 1024) throw new Error('--concurrency must be a whole number from 1 to 1024');
const CLIENT_ID = 'bench-gateway';
const CLIENT_SECRET = randomBytes(18).toString('base64url');
/**
 * The reference: a FHIR server (Medplum 5.1) measured once, side by side with Varde, when issue 15
 * was filed, on the AMD EPYC VM of rounds 1–9, whose HTTP floor round 9 measured at ~15 800 req/s
 * (bench/README.md). Not re-measured since: on other machines the "× peer" figures are only
 * indicative; compare through the floor instead (`--phases floor`).
 */
const PEER = { singlePerS: 240, batchObsPerS: 250, floorPerS: 15_800 };
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const IDEMPOTENCY_SYSTEM = 'urn:varde:idempotency';
const DEVICE_SERIAL_SYSTEM = 'urn:varde:device-serial';
/**
 * BENCH_PHD=full: the PHD phase's Bundles as the IG's bundle-example-1 in full: also the gateway
 * (PHG) as a conditional Device entry, a coincident time stamp Observation of the device, and on
 * each reading the gatewayDevice and CoincidentTimeStampReference extensions and the MDC code.
 */
const PHD_FULL = process.env.BENCH_PHD === 'full';
/** IEEE 11073-10101 codes of the measures the FHIR phases send (PHD readings carry them beside LOINC). */
const MDC_CODE: Record<string, string> = { spo2: '150456', heart_rate: '149530', weight: '188736' };
/** A gateway's own system for its Observation identifiers (the PHD IG leaves the system to the gateway). */
const PHD_OBSERVATION_SYSTEM = 'urn:oid:2.999.1.2.3.4.5.6.7.8.10.1';
/** Measures sent as single FHIR Observations (blood pressure would need a panel). */
const CATALOGUE_LOINC = new Map(
  (['spo2', 'heart_rate', 'weight'] as const).map((c) => [c as string, CATALOGUE[c].loinc.code]),
);

/** One store's figures, as `--json` writes them (bench/repeat.ts reads them back). */
export interface Figures {
  store: string;
  note: string;
  loaded: { patients: number; observations: number; alerts: number; seconds: number };
  single?: Phase;
  batch?: Phase & { obsPerS: number; obsPerUpload: number };
  fhirSingle?: Phase;
  fhirBatch?: Phase & { obsPerS: number; obsPerBundle: number };
  /** `--phases fhirPhd` only: one transaction Bundle per sitting, shaped as the HL7 PHD IG's gateways send them. */
  fhirPhd?: Phase & { obsPerS: number; obsPerBundle: number };
  worklist?: Phase & { items: number; bytes: number; total: number };
  /** The missing-measurement sweep, run from the bench process on the loaded store: the first (every episode due) and the next minute's. */
  sweep?: { at: string; seconds: number; episodes: number; raised: number; failed: number; nextSeconds: number; nextEpisodes: number };
  trend?: Phase & { observationsInDb: number };
  rssIdleMb?: number;
  rssPeakMb?: number;
  /** The machine's HTTP floor (`--phases floor`), the same for every store of one run. */
  floor?: Floor;
  /** The load generator's HTTP client (BENCH_CLIENT; http-load.ts): undici since round 32, node-http before. */
  client: LoadClient;
  /** PostgreSQL only (`--phases floor`): single-row durable commits/s on this database, before the cohort is loaded. */
  commitFloor?: CommitFloor;
}
interface Phase {
  /** CPU over the phase, % of one core: server process, database cluster, load generator, everything else. */
  cpu: { server: number; db: number; bench: number; other: number };
  /**
   * CPU milliseconds per successful request of the server process and of the database cluster
   * (throwaway cluster only). Far less sensitive than throughput to other jobs on a shared machine:
   * compare these across runs made under different load.
   */
  cpuMsPerRequest: { server: number; db: number };
  perS: number;
  p50: number;
  p99: number;
  n: number;
  errors: number;
  concurrency: number;
  rssMb: number;
  samples: string[];
  /** `--statements`: the phase's statements and trigger functions, most database time first. */
  statements?: PhaseStatements;
}

const log = (s: string) => console.error(s);

async function main(): Promise<void> {
  log(`Varde bench: ${PATIENTS} patients × ${DAYS} days, ${SECONDS} s per load phase, ${cpus().length} CPUs, Node ${process.version}`);
  if (COMPILED) {
    log('building the server (npm run build:server); BENCH_TSX=1 runs it through tsx instead');
    execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const results: Figures[] = [];
  if (want('floor')) {
    log(`HTTP floor (a bare fastify route, no database): ${SINGLE_CONCURRENCY} concurrent, ${SECONDS} s`);
    floor = await measureFloor({ seconds: SECONDS, concurrency: SINGLE_CONCURRENCY, nodeOptions: SERVER_NODE_OPTIONS, make: floorRequest });
    log(`  ${floor.perS.toFixed(0)}/s, p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms; CPU ms per request: server ${floor.cpuMsPerRequest.server.toFixed(3)}, load generator ${floor.cpuMsPerRequest.bench.toFixed(3)}`);
  }
  if (args.only !== 'postgres') results.push(await benchStore('pglite'));
  if (args.only !== 'pglite') {
    const server = await benchPostgres({ statements: args.statements, hugePages: hugePagesMode(args['huge-pages']), scheduling: pgSchedulingMode() });
    if (!server) log('\nPostgreSQL: skipped — set BENCH_DATABASE_URL or TEST_DATABASE_URL, or install postgresql (initdb) for a throwaway cluster.');
    else {
      try {
        if (server.cpuMs) dbCpuMs = server.cpuMs;
        results.push(await benchStore('postgres', server));
      } finally {
        server.stop();
      }
    }
  }
  // With `--json -` stdout carries the JSON alone (the table goes to stderr), so it can be piped.
  if (args.json === '-') {
    console.error(report(results));
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(report(results));
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
}

/** The HTTP floor, measured once per run before the stores (`--phases floor`, on by default). */
let floor: Floor | undefined;

/** The floor's request: the single phase's body (one reading of one measurement) with made-up ids. */
function floorRequest(i: number) {
  const body = {
    sentAt: new Date().toISOString(),
    readings: [{ readingId: `floor-${i}`, patientId: randomUUID(), effectiveAt: new Date(Date.now() - 1000).toISOString(), measurements: [{ code: 'spo2', value: 94 + (i % 5), unit: '%' }] }],
  };
  return { method: 'POST' as const, path: '/floor', headers: { 'content-type': 'application/json', authorization: 'Bearer floor-0123456789abcdef0123456789abcdef' }, body: JSON.stringify(body) };
}

async function benchStore(kind: 'pglite' | 'postgres', pgServer?: PgServer): Promise<Figures> {
  log(`\n== ${kind}`);
  const cohortOpts: CohortOptions = { patients: PATIENTS, days: DAYS, seed: 1, end: AT ?? new Date() };
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  let note: string;
  let db: Db;
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'varde-bench-pglite-'));
    env = { PGLITE_DIR: dir };
    db = await openDb({ PGLITE_DIR: dir, DATABASE_URL: undefined });
    // The server inherits this environment, so these are its PGlite memory settings (src/server/db/pglite.ts).
    const sb = (await db.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]!.shared_buffers;
    note = `embedded, on disk (tmp), in the server process; shared_buffers=${sb}, WebAssembly tier-up ${process.env.VARDE_PGLITE_WASM_TIERUP === '1' ? 'on' : 'off'}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `varde_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgServer!.adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const settings = await admin.query<{ name: string; setting: string }>(
      `select name, current_setting(name) as setting from pg_settings where name in ('fsync', 'synchronous_commit', 'server_version', 'shared_buffers', 'max_wal_size', 'wal_compression', 'checkpoint_timeout') order by name`,
    );
    await admin.end();
    const url = new URL(pgServer!.adminUrl);
    url.pathname = `/${name}`;
    env = { DATABASE_URL: url.href };
    db = await openDb({ DATABASE_URL: url.href, PGLITE_DIR: '' });
    if (args.statements) {
      await db.exec('create extension if not exists pg_stat_statements');
      statementsUrl = url.href;
    }
    note = `${pgServer!.source}; ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}${hugePagesNote(pgServer!)}`;
    cleanup = async () => {
      // `--keep`: leave the database (as the phases left it) for EXPLAIN and the like.
      if (args.keep) return log(`kept ${url.href}`);
      await dropDatabase(pgServer!.adminUrl, name);
    };
  }

  let server: ChildServer | undefined;
  try {
    let commitFloor: CommitFloor | undefined;
    if (kind === 'postgres' && want('floor')) {
      // At most 40 connections: the throwaway cluster allows 50 (max_connections), and the bench's own pool needs some.
      const cf = { seconds: 5, connections: Math.min(SINGLE_CONCURRENCY, 40) };
      log(`commit floor (one-row inserts, autocommit): ${cf.connections} connections, ${cf.seconds} s`);
      commitFloor = await measureCommitFloor({ url: env.DATABASE_URL!, ...cf, dbCpuMs: () => dbCpuMs() });
      log(`  ${commitFloor.commitsPerS.toFixed(0)} commits/s; CPU ms per commit: database ${commitFloor.cpuMsPerCommit.db.toFixed(3)}, bench ${commitFloor.cpuMsPerCommit.bench.toFixed(3)}`);
    }
    log(`loading the cohort (${note})`);
    const loaded = await loadCohort(db, { ...cohortOpts, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, log: (l) => log(l) });
    if (SERVICE_HOURS) {
      const closedDates = [2025, 2026, 2027].flatMap((y) => ['07-14', '07-15', '07-16', '07-17', '07-18', '12-24', '12-27', '12-28', '12-29', '12-30', '12-31'].map((d) => `${y}-${d}`));
      const hours = OpeningHoursSchema.parse({ ...DEFAULT_OPENING_HOURS, closedDates, publicHolidays: true });
      const n = await db.query(`update organisations set opening_hours = $1 where id in (select follow_up_org from episodes)`, [JSON.stringify(hours)]);
      log(`opening hours with ${closedDates.length} closed dates set on ${n.rowCount} follow-up services (BENCH_HOURS=1)`);
    }
    const nurseCookie = `${SESSION_COOKIE}=${await createSession(db, { subjectKind: 'personnel', subjectId: loaded.nurseId, organisationId: loaded.organisationId, role: 'nurse', ttlHours: 2 })}`;
    const ids = new Map((await db.query<{ id: string; identifier: string }>('select id, identifier from patients')).rows.map((r) => [r.identifier, r.id]));
    // The store as a deploy finds it, not as the bulk load just left it: statistics gathered, the
    // load's 2 M rows vacuumed and its dirty pages written out. Otherwise autovacuum and analyze of
    // the freshly loaded tables and the load's checkpoint share the two cores with the sweep timed
    // below (at 100 000 patients: 25–26 s with them, bench/README.md "End of round 6").
    let t0 = performance.now();
    await db.exec('vacuum analyze');
    if (db.kind === 'postgres') await db.exec('checkpoint');
    log(`vacuum analyze${db.kind === 'postgres' ? ' and checkpoint' : ''} after the load: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    flushToDisk();
    // The sweep as the server runs it every minute, timed here so no load phase shares the machine
    // with it: first with every episode due (as after start-up), then a minute later.
    log(`missing-measurement sweep: every episode due, at ${(AT ?? new Date()).toISOString()}${AT ? ' (--at)' : ''}`);
    t0 = performance.now();
    const at = AT ?? new Date();
    const first = await sweepMissing(db, at);
    const sweepSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const next = await sweepMissing(db, new Date(at.getTime() + 60_000));
    const sweep = { at: at.toISOString(), seconds: sweepSeconds, ...first, nextSeconds: (performance.now() - t0) / 1000, nextEpisodes: next.episodes };
    log(`  ${sweep.episodes} episode schedules due, ${sweep.raised} alerts raised, ${sweep.failed} skipped in ${sweepSeconds.toFixed(2)} s; a minute later ${sweep.nextEpisodes} in ${sweep.nextSeconds.toFixed(3)} s`);
    // The all-due sweep wrote hundreds of thousands of alert and schedule rows at once: without
    // this, autovacuum and analyze of those tables run during the first load phases (at 100 000
    // patients they took most of the database's CPU in the single-ingest phase) and PGlite, which
    // has no autovacuum, plans without statistics. An operator does the same after a bulk import.
    t0 = performance.now();
    await db.exec('vacuum analyze');
    if (db.kind === 'postgres') await db.exec('checkpoint');
    log(`vacuum analyze${db.kind === 'postgres' ? ' and checkpoint' : ''} after the sweep: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // One device per patient (their own cuff or oximeter), registered to the gateway's organisation.
    const deviceOf = new Map<string, string>();
    if (FHIR_DEVICE || want('fhirPhd')) {
      const r = await db.query<{ id: string; patient_id: string }>(
        `with d as (insert into devices (organisation_id, serial, model, kind)
                    select $1, 'BENCH-' || p.identifier, 'UA-651BLE', 'blood_pressure' from patients p returning id, serial)
         select d.id, p.id as patient_id from d join patients p on 'BENCH-' || p.identifier = d.serial`,
        [loaded.organisationId],
      );
      for (const x of r.rows) deviceOf.set(x.patient_id, x.id);
      // Each home's gateway (a phone or hub) too, once it has sent its first Bundle.
      if (PHD_FULL) {
        await db.query(`insert into devices (organisation_id, serial, model, kind) select $1, 'PHG-' || p.identifier, 'Hub', 'gateway' from patients p`, [loaded.organisationId]);
      }
      // As after the sweep: statistics and the identifiers' GIN index (its pending list) as they
      // are once autovacuum has seen a bulk registration, not as it left them.
      await db.exec('vacuum analyze devices');
      log(`${deviceOf.size} devices registered (${FHIR_DEVICE ? 'BENCH_FHIR_DEVICE' : 'the PHD phase'})`);
    }
    await db.close();
    flushToDisk();

    // Patients with device measures, in a scattered order so consecutive requests hit different rows.
    // One patient at a time: 100 000 plans at once would be hundreds of MB in this process.
    const people: { id: string; identifier: string; code: SimMeasurement['code']; today: ReturnType<typeof sittingOn> }[] = [];
    for (let i = 0; i < PATIENTS; i++) {
      const p = simPatient((i * 7919) % PATIENTS, cohortOpts);
      if (p.plan.measures.length === 0) continue;
      people.push({ id: ids.get(p.identifier)!, identifier: p.identifier, code: p.plan.measures[0]!.code, today: sittingOn(p, DAYS, { ...cohortOpts, adherence: 1 }) });
    }

    // A fresh server process for every phase: the missing-measurement sweep starts 60 s after
    // start-up and, with 10 000 episodes, runs for minutes (on PGlite it holds the only connection),
    // which would land in whichever phase happens to be running then. See README.md.
    let peakKb = 0;
    const fresh = async (): Promise<ChildServer> => {
      if (server) {
        peakKb = Math.max(peakKb, processStats(server.pid)?.hwmKb ?? 0);
        await server.stop();
      }
      // The server runs with the heap setting docs/SCALING.md gives for production (SERVER_NODE_OPTIONS);
      // BENCH_SERVER_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is added for the server only.
      const nodeOptions = [SERVER_NODE_OPTIONS, process.env.BENCH_SERVER_NODE_OPTIONS ?? ''].join(' ').trim();
      server = await spawnServer(nodeOptions ? { ...env, NODE_OPTIONS: nodeOptions } : env, { compiled: COMPILED });
      const st = processStats(server.pid);
      log(`server pid ${server.pid} at ${server.url}${st ? `, RSS ${(st.rssKb / 1024).toFixed(0)} MB (peak so far ${(st.hwmKb / 1024).toFixed(0)} MB)` : ''}`);
      return server;
    };
    let srv = await fresh();
    const token = await fetchToken(srv.url);
    const idle = processStats(srv.pid);
    const fig: Figures = {
      store: kind === 'pglite' ? 'PGlite' : 'PostgreSQL', note,
      loaded: { patients: loaded.patients, observations: loaded.observations, alerts: loaded.alerts, seconds: loaded.ms / 1000 },
      rssIdleMb: idle ? idle.rssKb / 1024 : undefined,
      sweep,
      floor,
      commitFloor,
      client: loadClient(),
    };
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const reading = (n: string, p: (typeof people)[number], measurements: SimMeasurement[]) => ({
      readingId: n, patientId: p.id, effectiveAt: new Date(Date.now() - 1000).toISOString(), measurements,
    });
    const single = (tag: string) => (i: number) => {
      const p = people[i % people.length]!;
      const m = p.today?.measurements[0] ?? { code: p.code, value: 0, unit: '' };
      return { method: 'POST' as const, path: '/api/ingest/observations', headers: auth, body: JSON.stringify({ sentAt: new Date().toISOString(), readings: [reading(`${tag}-${i}`, p, [m])] }) };
    };

    // Warm-up: JIT, connection pool, caches.
    const warm = (tag: string) => runLoad({ base: srv.url, concurrency: 4, durationMs: 3000, maxRequests: 300, make: single(tag) });
    await warm('warm1');

    const conc = SINGLE_CONCURRENCY;
    if (want('single')) {
      log(`single-observation ingest: ${conc} concurrent, ${SECONDS} s`);
      fig.single = await phase(srv, conc, () => runLoad({ base: srv.url, concurrency: conc, durationMs: SECONDS * 1000, maxRequests: 200_000, make: single('one') }));
    }

    const perUpload = 100;
    const batchConc = 4;
    let obsSent = 0;
    if (want('batch')) {
      srv = await fresh();
      await warm('warm2');
      log(`batched ingest: ${perUpload} readings per upload, ${batchConc} concurrent, ${SECONDS} s`);
      const batchPhase = await phase(srv, batchConc, () =>
        runLoad({
          base: srv.url, concurrency: batchConc, durationMs: SECONDS * 1000, maxRequests: 10_000,
          make: (i) => {
            const readings = Array.from({ length: perUpload }, (_, k) => {
              const p = people[BATCH_BACKLOG ? (i * 7) % people.length : (i * perUpload + k) % people.length]!;
              const ms = p.today?.measurements ?? [{ code: p.code, value: 0, unit: '' }];
              obsSent += ms.length;
              const r = reading(`many-${i}-${k}`, p, ms);
              return BATCH_BACKLOG ? { ...r, effectiveAt: new Date(Date.now() - (perUpload - k) * 40 * 60_000).toISOString() } : r;
            });
            return { method: 'POST', path: '/api/ingest/observations', headers: auth, body: JSON.stringify({ sentAt: new Date().toISOString(), device: { serial: 'BENCH-1' }, readings }) };
          },
        }),
      );
      const uploads = batchPhase.n;
      const obsPerUpload = uploads + batchPhase.errors > 0 ? obsSent / (uploads + batchPhase.errors) : 0;
      fig.batch = { ...batchPhase, obsPerUpload, obsPerS: batchPhase.perS * obsPerUpload };
    }

    // FHIR: the same readings as Observation resources, one per POST and 100 per transaction Bundle.
    // BENCH_FHIR_SUBJECT=identifier names the patient by fødselsnummer (subject.identifier), as
    // gateways that know no server ids do, instead of Patient/[id].
    const fhirAuth = { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' };
    const observation = (key: string, p: (typeof people)[number]) => {
      const m = p.today?.measurements[0];
      const loinc = m ? CATALOGUE_LOINC.get(m.code) : undefined;
      const value = loinc && m ? m.value : 96;
      const unit = loinc && m ? CATALOGUE[m.code].unit : '%';
      return {
        resourceType: 'Observation',
        identifier: [{ system: IDEMPOTENCY_SYSTEM, value: key }],
        status: 'final',
        code: { coding: [{ system: LOINC, code: loinc ?? '59408-5' }] },
        subject: FHIR_SUBJECT === 'identifier' ? { identifier: { system: FNR_SYSTEM, value: p.identifier } } : { reference: `Patient/${p.id}` },
        ...(FHIR_DEVICE_BY_IDENTIFIER ? { device: { identifier: { system: DEVICE_SERIAL_SYSTEM, value: `BENCH-${p.identifier}` } } }
          : FHIR_DEVICE ? { device: { reference: `Device/${deviceOf.get(p.id)}` } } : {}),
        effectiveDateTime: new Date(Date.now() - 1000).toISOString(),
        valueQuantity: { value, unit, system: UCUM, code: unit },
      };
    };
    if (want('fhirSingle')) {
      srv = await fresh();
      await warm('warm3');
      log(`FHIR single create (POST /fhir/Observation): ${conc} concurrent, ${SECONDS} s${FHIR_SUBJECT === 'identifier' ? ', subject by fødselsnummer' : ''}${FHIR_DEVICE ? ', naming the device' : ''}`);
      fig.fhirSingle = await phase(srv, conc, () =>
        runLoad({
          base: srv.url, concurrency: conc, durationMs: SECONDS * 1000, maxRequests: 200_000,
          make: (i) => ({
            method: 'POST', path: '/fhir/Observation', body: JSON.stringify(observation(`fhir-one-${i}`, people[(i * 13) % people.length]!)),
            headers: FHIR_CONDITIONAL ? { ...fhirAuth, 'if-none-exist': `identifier=${IDEMPOTENCY_SYSTEM}|fhir-one-${i}` } : fhirAuth,
          }),
        }),
      );
    }
    const perBundle = 100;
    if (want('fhirBatch')) {
      if (!want('fhirSingle')) {
        srv = await fresh();
        await warm('warm3');
      }
      log(`FHIR transaction Bundle: ${perBundle} Observations per Bundle, ${batchConc} concurrent, ${SECONDS} s${FHIR_SUBJECT === 'identifier' ? ', subject by fødselsnummer' : ''}${FHIR_DEVICE ? ', naming the device' : ''}`);
      const fhirBatch = await phase(srv, batchConc, () =>
        runLoad({
          base: srv.url, concurrency: batchConc, durationMs: SECONDS * 1000, maxRequests: 10_000,
          make: (i) => ({
            method: 'POST', path: '/fhir', headers: fhirAuth,
            body: JSON.stringify({
              resourceType: 'Bundle', type: 'transaction',
              entry: Array.from({ length: perBundle }, (_, k) => ({
                ...(FHIR_FULLURL ? { fullUrl: `urn:uuid:${randomUUID()}` } : {}),
                resource: observation(`fhir-tx-${i}-${k}`, people[(i * perBundle + k * 7) % people.length]!),
                request: { method: 'POST', url: 'Observation', ...(FHIR_CONDITIONAL ? { ifNoneExist: `identifier=${IDEMPOTENCY_SYSTEM}|fhir-tx-${i}-${k}` } : {}) },
              })),
            }),
          }),
        }),
      );
      fig.fhirBatch = { ...fhirBatch, obsPerBundle: perBundle, obsPerS: fhirBatch.perS * perBundle };
    }

    // What a Personal Health Gateway sends (HL7 PHD IG, Bundle-bundle-example-1 and "The Observation
    // Identifier"): one transaction Bundle per sitting of one patient, the Patient and the Device as
    // conditional creates with urn:uuid fullUrls, each Observation a conditional create on its own
    // identifier and pointing at both by fullUrl. Many gateways at once, so the single phase's
    // concurrency. Not in the default phases: `--phases fhirPhd` (devices are registered at setup).
    if (want('fhirPhd')) {
      srv = await fresh();
      await warm('warm4');
      log(`FHIR PHD Bundles (Patient, Device${PHD_FULL ? ', gateway, time stamp' : ''}, a sitting's Observations, all conditional): ${conc} concurrent, ${SECONDS} s`);
      let obsInPhd = 0;
      let phdBundles = 0;
      const phd = await phase(srv, conc, () =>
        runLoad({
          base: srv.url, concurrency: conc, durationMs: SECONDS * 1000, maxRequests: 200_000,
          make: (i) => {
            const p = people[(i * 13) % people.length]!;
            const serial = `BENCH-${p.identifier}`;
            const at = new Date(Date.now() - 1000).toISOString();
            const measured = (p.today?.measurements ?? []).filter((m) => CATALOGUE_LOINC.has(m.code));
            const ms = measured.length ? measured : [{ code: 'spo2' as const, value: 96, unit: '%' }];
            const patientUrl = `urn:uuid:${randomUUID()}`;
            const deviceUrl = `urn:uuid:${randomUUID()}`;
            const phgUrl = `urn:uuid:${randomUUID()}`;
            const ctsUrl = `urn:uuid:${randomUUID()}`;
            const phg = `PHG-${p.identifier}`;
            const conditional = (system: string, value: string) => `identifier=${system}|${value}`;
            const full = PHD_FULL ? [
              { fullUrl: phgUrl, resource: { resourceType: 'Device', identifier: [{ system: DEVICE_SERIAL_SYSTEM, value: phg }], serialNumber: phg, modelNumber: 'Hub' },
                request: { method: 'POST', url: 'Device', ifNoneExist: conditional(DEVICE_SERIAL_SYSTEM, phg) } },
              { fullUrl: ctsUrl, resource: {
                  resourceType: 'Observation', status: 'final', identifier: [{ system: PHD_OBSERVATION_SYSTEM, value: `${serial}-67975-${at}-${i}` }],
                  code: { coding: [{ system: 'urn:iso:std:iso:11073:10101', code: '67975' }] },
                  subject: { reference: deviceUrl }, device: { reference: phgUrl }, effectiveDateTime: at, valueDateTime: at },
                request: { method: 'POST', url: 'Observation', ifNoneExist: conditional(PHD_OBSERVATION_SYSTEM, `${serial}-67975-${at}-${i}`) } },
            ] : [];
            obsInPhd += ms.length;
            phdBundles++;
            return {
              method: 'POST', path: '/fhir', headers: fhirAuth,
              body: JSON.stringify({
                resourceType: 'Bundle', type: 'transaction',
                entry: [
                  { fullUrl: patientUrl, resource: { resourceType: 'Patient', identifier: [{ system: FNR_SYSTEM, value: p.identifier }] },
                    request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${FNR_SYSTEM}|${p.identifier}` } },
                  { fullUrl: deviceUrl, resource: { resourceType: 'Device', identifier: [{ system: DEVICE_SERIAL_SYSTEM, value: serial }], serialNumber: serial, modelNumber: 'UA-651BLE' },
                    request: { method: 'POST', url: 'Device', ifNoneExist: `identifier=${DEVICE_SERIAL_SYSTEM}|${serial}` } },
                  ...full,
                  ...ms.map((m, k) => {
                    const ident = `${serial}-${CATALOGUE_LOINC.get(m.code)}-${at}-${i}-${k}`;
                    return {
                      fullUrl: `urn:uuid:${randomUUID()}`,
                      resource: {
                        resourceType: 'Observation', status: 'final',
                        identifier: [{ system: PHD_OBSERVATION_SYSTEM, value: ident }],
                        ...(PHD_FULL ? {
                          extension: [
                            { url: 'http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice', valueReference: { reference: phgUrl } },
                            { url: 'http://hl7.org/fhir/uv/phd/StructureDefinition/CoincidentTimeStampReference', valueReference: { reference: ctsUrl } },
                          ],
                        } : {}),
                        code: { coding: [...(PHD_FULL ? [{ system: 'urn:iso:std:iso:11073:10101', code: MDC_CODE[m.code]! }] : []), { system: LOINC, code: CATALOGUE_LOINC.get(m.code)! }] },
                        subject: { reference: patientUrl }, device: { reference: deviceUrl },
                        effectiveDateTime: at,
                        valueQuantity: { value: m.value, unit: CATALOGUE[m.code].unit, system: UCUM, code: CATALOGUE[m.code].unit },
                      },
                      request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${PHD_OBSERVATION_SYSTEM}|${ident}` },
                    };
                  }),
                ],
              }),
            };
          },
        }),
      );
      const obsPerBundle = phdBundles > 0 ? obsInPhd / phdBundles : 0;
      fig.fhirPhd = { ...phd, obsPerBundle, obsPerS: phd.perS * obsPerBundle };
    }

    if (want('worklist')) {
      srv = await fresh();
      log(`worklist first page (${PATIENTS} patients in the service) as the nurse: sequential`);
      let items = 0;
      let bytes = 0;
      let total = 0;
      {
        const res = await fetch(`${srv.url}${WORKLIST_PATH}`, { headers: { cookie: nurseCookie } });
        const text = await res.text();
        bytes = text.length;
        const body = JSON.parse(text) as { items: unknown[]; counts?: { all: number } };
        items = body.items.length;
        total = body.counts?.all ?? items;
    }
    const wl = await phase(srv, 1, () =>
      runLoad({ base: srv.url, concurrency: 1, durationMs: SECONDS * 1000, maxRequests: 2000, make: () => ({ method: 'GET', path: WORKLIST_PATH, headers: { cookie: nurseCookie } }) }),
    );
    fig.worklist = { ...wl, items, bytes, total };
    }

    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const trendConc = 16;
    if (want('trend')) {
      srv = await fresh();
      log(`patient trend query: ${trendConc} concurrent, ${SECONDS} s`);
      const trend = await phase(srv, trendConc, () =>
        runLoad({
          base: srv.url, concurrency: trendConc, durationMs: SECONDS * 1000, maxRequests: 100_000,
          make: (i) => {
            const p = people[(i * 31) % people.length]!;
            return { method: 'GET', path: `/api/patients/${p.id}/observations?code=${p.code}&from=${encodeURIComponent(from)}`, headers: { cookie: nurseCookie } };
          },
        }),
      );
      fig.trend = {
        ...trend,
        observationsInDb: loaded.observations + (fig.single?.n ?? 0) + Math.round((fig.batch?.obsPerS ?? 0) * SECONDS) + (fig.fhirSingle?.n ?? 0) + (fig.fhirBatch?.n ?? 0) * perBundle,
      };
    }
    peakKb = Math.max(peakKb, processStats(srv.pid)?.hwmKb ?? 0);
    fig.rssPeakMb = peakKb > 0 ? peakKb / 1024 : undefined;
    return fig;
  } finally {
    await server?.stop();
    await cleanup();
  }
}

/** Busy CPU time of the whole machine so far, ms (from /proc/stat: user, nice, system, irq, softirq, steal). */
function machineBusyMs(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0) + (cpu[5] ?? 0) + (cpu[6] ?? 0) + (cpu[7] ?? 0)) * 10;
  } catch {
    return NaN;
  }
}

let dbCpuMs: () => number = () => NaN;

/**
 * Waits until the kernel has written every dirty page out (`sync`). The load, the sweep and the
 * vacuums leave gigabytes of written-but-unflushed files at 100 000 patients (the sweep's WAL alone
 * ~1.3 GB); without this the kernel's writeback of them ran during the timed work that followed:
 * most of a core outside the server and the database, and every commit's fsync queued behind it
 * (bench/README.md, "Round 15"). A deployed store has long been flushed.
 */
function flushToDisk(): void {
  const t0 = performance.now();
  execFileSync('sync');
  log(`sync (the kernel's dirty pages written out): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Set by `--statements` for the PostgreSQL database under test. */
let statementsUrl: string | undefined;

interface PhaseStatements {
  /** Top statements by total execution time (nested ones inside trigger functions included, so times overlap). */
  statements: { calls: number; totalMs: number; msPerRequest: number; meanMs: number; rows: number; query: string }[];
  /** Top PL/pgSQL functions (triggers) by total time: `selfMs` excludes the functions they call. */
  functions: { name: string; calls: number; totalMs: number; selfMs: number; msPerRequest: number }[];
  /** WAL written per request (the whole cluster): records, full-page images, bytes. */
  wal: { records: number; fpi: number; bytes: number };
  /** Buffer pool per request (this database): pages found in shared_buffers, and read from the OS (its page cache or disk). */
  blocks: { hit: number; read: number };
}

/** Zeroes the statement, function, database and WAL statistics before a phase. */
async function resetStatements(): Promise<void> {
  if (statementsUrl) await adminQuery(statementsUrl, `select pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared('wal')`);
}

/** The phase's statistics since resetStatements, per request (`requests` of them). */
async function phaseStatements(requests: number): Promise<PhaseStatements | undefined> {
  if (!statementsUrl) return undefined;
  const c = new pg.Client({ connectionString: statementsUrl });
  await c.connect();
  try {
    // pg_stat_reset's function counters reach the view through the statistics collector's snapshot.
    await c.query('select pg_stat_clear_snapshot()');
    const per = (ms: number) => (requests > 0 ? ms / requests : NaN);
    const st = await c.query<{ calls: string; total: number; mean: number; rows: string; query: string }>(
      `select calls, total_exec_time as total, mean_exec_time as mean, rows, regexp_replace(query, '[[:space:]]+', ' ', 'g') as query
         from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
          and query not like '%pg_stat_statements%' and query not like '%pg_stat_reset%'
        order by total_exec_time desc limit $1`,
      // BENCH_STATEMENTS_TOP: how many statements to list (12 by default).
      [Number(process.env.BENCH_STATEMENTS_TOP ?? 12)],
    );
    const fn = await c.query<{ name: string; calls: string; total: number; self: number }>(
      `select funcname as name, calls, total_time as total, self_time as self from pg_stat_user_functions order by total_time desc limit 10`,
    );
    const wal = (await c.query<{ records: string; fpi: string; bytes: string }>('select wal_records as records, wal_fpi as fpi, wal_bytes as bytes from pg_stat_wal')).rows[0]!;
    const blk = (await c.query<{ hit: string; read: string }>('select blks_hit as hit, blks_read as read from pg_stat_database where datname = current_database()')).rows[0]!;
    return {
      blocks: { hit: per(Number(blk.hit)), read: per(Number(blk.read)) },
      wal: { records: per(Number(wal.records)), fpi: per(Number(wal.fpi)), bytes: per(Number(wal.bytes)) },
      statements: st.rows.map((r) => ({ calls: Number(r.calls), totalMs: r.total, msPerRequest: per(r.total), meanMs: r.mean, rows: Number(r.rows), query: r.query.slice(0, 160) })),
      functions: fn.rows.map((r) => ({ name: r.name, calls: Number(r.calls), totalMs: r.total, selfMs: r.self, msPerRequest: per(r.total) })),
    };
  } finally {
    await c.end();
  }
}

/** Runs one load phase and adds the server's CPU use and RSS over it (and, with `--statements`, the database's statistics). */
async function phase(server: ChildServer, concurrency: number, run: () => Promise<LoadResult>): Promise<Phase> {
  await resetStatements();
  const before = processStats(server.pid);
  const db0 = dbCpuMs();
  const bench0 = process.cpuUsage();
  const machine0 = machineBusyMs();
  const r = await run();
  const after = processStats(server.pid);
  const benchUs = process.cpuUsage(bench0);
  const pct = (ms: number) => (ms / r.elapsedMs) * 100;
  const serverPct = before && after ? pct(after.cpuMs - before.cpuMs) : NaN;
  const dbPct = pct(dbCpuMs() - db0);
  const benchPct = pct((benchUs.user + benchUs.system) / 1000);
  const machinePct = pct(machineBusyMs() - machine0);
  const n = r.latencies.length;
  const out: Phase = {
    // Clamped: the four are sampled a moment apart, so a quiet machine can come out a hair below zero.
    cpu: { server: serverPct, db: dbPct, bench: benchPct, other: Math.max(0, machinePct - serverPct - (Number.isNaN(dbPct) ? 0 : dbPct) - benchPct) },
    cpuMsPerRequest: { server: n > 0 ? (serverPct * r.elapsedMs) / 100 / n : NaN, db: n > 0 ? (dbPct * r.elapsedMs) / 100 / n : NaN },
    perS: (n / r.elapsedMs) * 1000,
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    n, errors: r.errors, concurrency,
    rssMb: after ? after.rssKb / 1024 : NaN,
    samples: r.samples,
    statements: await phaseStatements(n),
  };
  log(`  ${n} ok, ${r.errors} failed, ${out.perS.toFixed(0)}/s, p50 ${out.p50.toFixed(1)} ms, p99 ${out.p99.toFixed(1)} ms, CPU % server ${out.cpu.server.toFixed(0)} db ${out.cpu.db.toFixed(0)} bench ${out.cpu.bench.toFixed(0)} other ${out.cpu.other.toFixed(0)}${r.samples.length ? `\n  e.g. ${r.samples.join('\n  ')}` : ''}`);
  if (out.statements) {
    const w = out.statements.wal;
    log(`  WAL per request: ${w.records.toFixed(1)} records, ${w.fpi.toFixed(2)} full-page images, ${(w.bytes / 1024).toFixed(1)} kB; buffers: ${out.statements.blocks.hit.toFixed(1)} hit, ${out.statements.blocks.read.toFixed(2)} read`);
    log('  statements, database ms per request (total ms, calls):');
    for (const x of out.statements.statements) log(`    ${x.msPerRequest.toFixed(3).padStart(8)}  (${x.totalMs.toFixed(0)}, ${x.calls})  ${x.query.slice(0, 110)}`);
    log('  functions, ms per request total / self (calls):');
    for (const x of out.statements.functions) log(`    ${x.msPerRequest.toFixed(3).padStart(8)} / ${(x.selfMs / Math.max(1, n)).toFixed(3)}  (${x.calls})  ${x.name}`);
  }
  return out;
}

async function fetchToken(base: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'observation.write' }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${res.status}`);
  return body.access_token;
}

function report(rs: Figures[]): string {
  const f = (x: number | undefined, d = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const cpuCell = (p?: Phase) => (p ? `${f(p.cpu.server)} / ${f(p.cpu.db)} / ${f(p.cpu.bench)} / ${f(p.cpu.other)} (of 200); per request, ms: server ${f(p.cpuMsPerRequest.server, 2)}, db ${f(p.cpuMsPerRequest.db, 2)}` : '–');
  const lat = (p?: Phase) => (p ? `${f(p.p50, 1)} / ${f(p.p99, 1)}` : '–');
  // A throughput against the floor: its share of it, and what it comes to at the floor of the VM
  // where the peer was measured and the targets set (~15 800 req/s). Only indicative: the database
  // and fsync need not scale as HTTP does.
  // A share of the floor only for one request per reading (an upload of 100 is not one request's work).
  // PEER.floorPerS was node:http's floor (the client of rounds 1–31), so the scaled figure is only
  // printed for runs with that client (BENCH_CLIENT=node-http).
  const vsFloor = (r: Figures, x?: number, share = true) => {
    if (!r.floor || x === undefined) return '';
    const parts = [
      ...(share ? [`${f((x / r.floor.perS) * 100, 1)} % of floor`] : []),
      ...(r.client === 'node-http' ? [`≈ ${f((x * PEER.floorPerS) / r.floor.perS)} at a floor of ${PEER.floorPerS}`] : []),
    ];
    return parts.length > 0 ? `; ${parts.join(', ')}` : '';
  };
  const rows: [string, ...string[]][] = [
    ['HTTP floor (bare fastify route, no database), req/s', ...rs.map((r) => (r.floor ? `${f(r.floor.perS)}; p50 / p99 ${f(r.floor.p50, 1)} / ${f(r.floor.p99, 1)} ms; CPU ms per request: server ${f(r.floor.cpuMsPerRequest.server, 3)}, load generator ${f(r.floor.cpuMsPerRequest.bench, 3)}` : '–'))],
    ['database commit floor (one-row inserts, autocommit), commits/s', ...rs.map((r) => (r.commitFloor ? `${f(r.commitFloor.commitsPerS)} @ ${r.commitFloor.connections} connections; CPU ms per commit: database ${f(r.commitFloor.cpuMsPerCommit.db, 3)}, bench ${f(r.commitFloor.cpuMsPerCommit.bench, 3)}` : '–'))],
    ['cohort loaded (patients / observations / open alerts)', ...rs.map((r) => `${r.loaded.patients} / ${r.loaded.observations} / ${r.loaded.alerts} in ${f(r.loaded.seconds, 1)} s`)],
    ['single-observation ingest over HTTP, req/s (= obs/s)', ...rs.map((r) => `${f(r.single?.perS)} (${f((r.single?.perS ?? NaN) / PEER.singlePerS, 1)}× peer${vsFloor(r, r.single?.perS)})`)],
    ['  latency p50 / p99, ms', ...rs.map((r) => `${lat(r.single)} @ ${r.single?.concurrency} concurrent`)],
    ['  CPU %: server / database / load generator / other', ...rs.map((r) => cpuCell(r.single))],
    ['batched ingest, obs/s (100 readings per upload)', ...rs.map((r) => `${f(r.batch?.obsPerS)} (${f((r.batch?.obsPerS ?? NaN) / PEER.batchObsPerS, 1)}× peer${vsFloor(r, r.batch?.obsPerS, false)})`)],
    ['  uploads/s, latency p50 / p99, ms', ...rs.map((r) => `${f(r.batch?.perS, 1)}/s, ${lat(r.batch)} @ ${r.batch?.concurrency} concurrent`)],
    ['  CPU %: server / database / load generator / other', ...rs.map((r) => cpuCell(r.batch))],
    ['FHIR single create (POST /fhir/Observation), req/s', ...rs.map((r) => `${f(r.fhirSingle?.perS)} (${f((r.fhirSingle?.perS ?? NaN) / PEER.singlePerS, 1)}× peer${vsFloor(r, r.fhirSingle?.perS)})`)],
    ['  latency p50 / p99, ms', ...rs.map((r) => `${lat(r.fhirSingle)} @ ${r.fhirSingle?.concurrency} concurrent`)],
    ['  CPU %: server / database / load generator / other', ...rs.map((r) => cpuCell(r.fhirSingle))],
    ['FHIR transaction Bundle (100 Observations), obs/s', ...rs.map((r) => `${f(r.fhirBatch?.obsPerS)} (${f((r.fhirBatch?.obsPerS ?? NaN) / PEER.batchObsPerS, 1)}× peer${vsFloor(r, r.fhirBatch?.obsPerS, false)})`)],
    ['  bundles/s, latency p50 / p99, ms', ...rs.map((r) => `${f(r.fhirBatch?.perS, 1)}/s, ${lat(r.fhirBatch)} @ ${r.fhirBatch?.concurrency} concurrent`)],
    ['  CPU %: server / database / load generator / other', ...rs.map((r) => cpuCell(r.fhirBatch))],
    ...(rs.some((r) => r.fhirPhd) ? [
      ['FHIR PHD Bundle (Patient, Device, a sitting), obs/s', ...rs.map((r) => `${f(r.fhirPhd?.obsPerS)} (${f(r.fhirPhd?.obsPerBundle, 2)} per Bundle)`)],
      ['  bundles/s, latency p50 / p99, ms', ...rs.map((r) => `${f(r.fhirPhd?.perS, 1)}/s, ${lat(r.fhirPhd)} @ ${r.fhirPhd?.concurrency} concurrent`)],
      ['  CPU %: server / database / load generator / other', ...rs.map((r) => cpuCell(r.fhirPhd))],
    ] as [string, ...string[]][] : []),
    [`worklist first page, ${PATIENTS} patients: p50 / p99, ms`, ...rs.map((r) => `${lat(r.worklist)} (${r.worklist?.items} of ${r.worklist?.total} rows, ${f((r.worklist?.bytes ?? 0) / 1e3, 1)} kB, n=${r.worklist?.n}; ${WORKLIST_PATH})`)],
    ['  CPU %: server / database / load generator / other', ...rs.map((r) => cpuCell(r.worklist))],
    ['patient trend query: p50 / p99, ms', ...rs.map((r) => `${lat(r.trend)} @ ${r.trend?.concurrency} concurrent, ${f(r.trend?.perS)}/s`)],
    ['  observations in the database', ...rs.map((r) => `≥ ${r.trend?.observationsInDb ?? '–'}`)],
    ['missing-measurement sweep, all episodes due: s', ...rs.map((r) => (r.sweep ? `${f(r.sweep.seconds, 2)} (${r.sweep.episodes} episodes, ${r.sweep.raised} raised, ${r.sweep.failed} skipped; at ${r.sweep.at.slice(11, 16)} UTC)` : '–'))],
    ['  the next minute\'s sweep: s', ...rs.map((r) => (r.sweep ? `${f(r.sweep.nextSeconds, 3)} (${r.sweep.nextEpisodes} episodes due)` : '–'))],
    ['server RSS idle / peak, MB', ...rs.map((r) => `${f(r.rssIdleMb)} / ${f(r.rssPeakMb)}`)],
    ['failed requests (all phases)', ...rs.map((r) => String((r.single?.errors ?? 0) + (r.batch?.errors ?? 0) + (r.fhirSingle?.errors ?? 0) + (r.fhirBatch?.errors ?? 0) + (r.fhirPhd?.errors ?? 0) + (r.worklist?.errors ?? 0) + (r.trend?.errors ?? 0)))],
  ];
  const header: [string, ...string[]] = ['', ...rs.map((r) => r.store)];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  out.push('', `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}. Load generator, server and database share these CPUs.`);
  out.push(`Load generator: closed loop over keep-alive connections, client ${loadClient()} (BENCH_CLIENT=node-http: node:http, the client of rounds 1–31).`);
  for (const r of rs) out.push(`${r.store}: ${r.note}.`);
  out.push(`Server process: NODE_OPTIONS=${SERVER_NODE_OPTIONS || '(V8 defaults)'}.`);
  out.push('CPU: 100 = one core; "database" is only measured for a throwaway cluster (PGlite runs inside the server); "other" is everything else on the machine.');
  out.push(`Reference (peer FHIR server, Medplum 5.1, measured when issue 15 was filed on a VM whose HTTP floor was ~${PEER.floorPerS} req/s, not on this machine): ~${PEER.singlePerS} single Observation creates/s, ~${PEER.batchObsPerS} Observations/s in bundles.`);
  return out.join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
