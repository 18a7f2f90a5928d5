import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { spawnServer, type ChildServer } from '../../sim/child-server.js';
import { loadConfig } from '../config/index.js';
import { deviceToken, seedDeviceSetting } from '../ingest/fault-helpers.js';
import { startServer, type Server } from '../server.js';
import { cookiesFor, type Fixture } from '../testing/fixtures.js';
import { TEST_DB_KIND } from '../testing/db.js';
import { blockData, openWorklistStream, type WorklistStream } from '../testing/sse.js';
import { clusterDir, findPgBin, freePort, pgToolsBlocked, runPgTool } from '../testing/pg-cluster.js';
import { openDb } from './open.js';
import type { Db } from './port.js';
import { lsnBytes, openReadRouter } from './read.js';

/*
 * Read routing on real engines: a PostgreSQL primary and a streaming replica made from it with
 * pg_basebackup -R, both from the Debian binaries, on 127.0.0.1 and free ports. Each logs every
 * statement (log_statement=all), so the test sees in the servers' own logs which one answered.
 *
 * Replication lag, as chosen (docs/SCALING.md): a caller who has just written reads from the
 * primary (read-your-writes, per app process, DATABASE_READ_STICKY_MS); anyone else may read a
 * replica that is at most DATABASE_READ_MAX_LAG_MS behind. The test waits for replay before it
 * checks what another caller sees on the replica.
 */

describe('DATABASE_READ_URL configuration', () => {
  const refusal = (o: Record<string, string>) => {
    try {
      loadConfig({}, o);
    } catch (err) {
      return (err as Error).message;
    }
    return assert.fail('accepted');
  };
  test('unset: reads go to the primary; set: needs a primary, a postgres URL and not the primary itself', () => {
    assert.equal(loadConfig({}).DATABASE_READ_URL, undefined);
    const ok = loadConfig({}, { DATABASE_URL: 'postgres://a@10.0.0.1/varde', DATABASE_READ_URL: 'postgres://a@10.0.0.2/varde' });
    assert.equal(ok.DATABASE_READ_URL, 'postgres://a@10.0.0.2/varde');
    assert.equal(ok.DATABASE_READ_STICKY_MS, 5000);
    assert.equal(ok.DATABASE_READ_MAX_LAG_MS, 10000);
    assert.match(refusal({ DATABASE_READ_URL: 'postgres://a@10.0.0.2/varde' }), /DATABASE_READ_URL: a read replica needs DATABASE_URL/);
    assert.match(refusal({ DATABASE_URL: 'postgres://a@h/v', DATABASE_READ_URL: 'mysql://a@h/v' }), /DATABASE_READ_URL: must be a postgres:\/\/ URL/);
    assert.match(refusal({ DATABASE_URL: 'postgres://a@h/v', DATABASE_READ_URL: 'postgres://a@h/v' }), /DATABASE_READ_URL: is the primary itself/);
    assert.match(refusal({ DATABASE_URL: 'postgres://a@h/v', DATABASE_READ_URL: 'postgres://a@r/v', DATABASE_READ_MAX_LAG_MS: '0' }), /DATABASE_READ_MAX_LAG_MS/);
  });
  test('WAL positions compare as numbers across the 4 GB boundary', () => {
    assert.ok(lsnBytes('1/0') > lsnBytes('0/FFFFFFFF'));
    assert.equal(lsnBytes('0/16B3748'), 0x16b3748n);
  });
});

const BIN = findPgBin('pg_basebackup');
const blocked = pgToolsBlocked();
const skip = TEST_DB_KIND !== 'postgres'
  ? 'runs in the PostgreSQL pass (VARDE_TEST_DB=postgres): it starts its own primary and replica'
  : !BIN
    ? 'no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql): primary + replica test skipped'
    : blocked
      ? `${blocked}: primary + replica test skipped`
      : false;

/** Runs a PostgreSQL tool of BIN (testing/pg-cluster.ts#runPgTool). */
const pgRun = (tool: string, args: string[]): void => runPgTool(BIN!, tool, args);

/** One cluster's log, read from where the last look ended. */
class Log {
  private at = 0;
  constructor(readonly path: string) {}
  /** Skips what was written so far. */
  mark(): void {
    this.at = existsSync(this.path) ? statSync(this.path).size : 0;
  }
  /** What was written since the last mark. */
  since(): string {
    return readFileSync(this.path, 'utf8').slice(this.at);
  }
}

let dir = '';
let primaryUrl = '';
let replicaUrl = '';
let primaryLog: Log;
let replicaLog: Log;
let seedDb: Db | undefined;
let server: Server | undefined;
let f: Fixture;
let cookies: Awaited<ReturnType<typeof cookiesFor>>;
let client: { clientId: string; clientSecret: string };
let replicaAdmin: pg.Client | undefined;

// Statements only these paths send (observations/repo.ts#listForPatient, reports/repo.ts#reportTimes, fhir/repo.ts#patientObservationsByIds, the page of a FHIR search).
const TREND_SQL = 'from observations o left join devices d on d.id = o.device_id';
const REPORT_SQL = 'select episode_id, code, effective_at from observations where episode_id = any';
const FHIR_SQL = 'select * from observations where patient_id = $1';

before(async () => {
  if (skip) return;
  dir = clusterDir('varde-replica-');
  const [p1, p2] = [await freePort(), await freePort()];
  const opts = (port: number) => `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c log_statement=all -c max_connections=60`;
  pgRun('initdb', ['-D', join(dir, 'primary'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  pgRun('pg_ctl', ['-D', join(dir, 'primary'), '-l', join(dir, 'primary.log'), '-w', '-o', opts(p1), 'start']);
  // -R: standby.signal and primary_conninfo, so it starts as a hot standby streaming from the primary.
  pgRun('pg_basebackup', ['-h', '127.0.0.1', '-p', String(p1), '-U', 'postgres', '-D', join(dir, 'replica'), '-R', '-X', 'stream', '-c', 'fast']);
  pgRun('pg_ctl', ['-D', join(dir, 'replica'), '-l', join(dir, 'replica.log'), '-w', '-o', opts(p2), 'start']);
  primaryUrl = `postgres://postgres@127.0.0.1:${p1}/postgres`;
  replicaUrl = `postgres://postgres@127.0.0.1:${p2}/postgres`;
  primaryLog = new Log(join(dir, 'primary.log'));
  replicaLog = new Log(join(dir, 'replica.log'));

  seedDb = await openDb({ DATABASE_URL: primaryUrl, PGLITE_DIR: '' });
  ({ f, client } = await seedDeviceSetting(seedDb, 0));
  cookies = await cookiesFor(seedDb, f);
  replicaAdmin = new pg.Client({ connectionString: replicaUrl });
  // The last test stops the replica under this connection.
  replicaAdmin.on('error', () => undefined);
  await replicaAdmin.connect();
  const config = loadConfig({}, {
    DATABASE_URL: primaryUrl, DATABASE_READ_URL: replicaUrl, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent',
    // Long enough that the machine's speed cannot end stickiness or a lag allowance mid-test.
    DATABASE_READ_STICKY_MS: '600000', DATABASE_READ_MAX_LAG_MS: '600000',
  });
  server = await startServer(config, { sweepMs: 0, sessionCheckMs: 0, purgeMs: 0 });
});

after(async () => {
  await server?.close();
  await replicaAdmin?.end().catch(() => undefined);
  await seedDb?.close();
  if (dir) {
    for (const d of ['replica', 'primary']) {
      try {
        pgRun('pg_ctl', ['-D', join(dir, d), '-m', 'immediate', 'stop']);
      } catch {
        /* already stopped */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Waits until the replica has replayed everything the primary has written so far. */
async function replayed(): Promise<void> {
  const lsn = (await seedDb!.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
  for (let i = 0; i < 200; i++) {
    const r = await replicaAdmin!.query<{ ok: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [lsn]);
    if (r.rows[0]!.ok) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.fail(`replica did not replay ${lsn} within 10 s`);
}

async function api(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server!.url}${path}`, {
    method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const trendPath = () => `/api/patients/${f.patient.id}/observations?code=spo2`;
const spo2Values = (json: unknown) => (json as { observations: { code: string; value: number }[] }).observations.map((o) => o.value);

describe('primary + streaming replica (real PostgreSQL)', { skip }, () => {
  test('the read Db is the standby; its transactions, and every write, run on the primary', async () => {
    const reads = server!.deps.reads!;
    assert.ok(reads, 'DATABASE_READ_URL opened a read router');
    const recovery = async (q: Pick<Db, 'query'>) => (await q.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r;
    assert.equal(await recovery(reads.replica), true, 'reads: the standby');
    assert.equal(await reads.replica.tx(recovery), false, 'a transaction on the read Db: the primary');
    assert.equal(await recovery(server!.db), false, 'ctx.db: the primary');
    // Someone who has not written reads the replica; someone who has, the primary.
    assert.equal(reads.forActor('personnel:nobody-yet'), reads.replica);
    reads.wrote('personnel:just-wrote');
    assert.equal(reads.forActor('personnel:just-wrote'), server!.db);
  });

  test('a device reading is written on the primary; a nurse\'s trend, report and FHIR search are read on the replica', async () => {
    primaryLog.mark();
    replicaLog.mark();
    const token = await deviceToken(server!.url, client);
    const up = await api('POST', '/api/ingest/observations', { authorization: `Bearer ${token}` }, {
      sentAt: new Date().toISOString(),
      readings: [{ readingId: 'rep-1', patientId: f.patient.id, effectiveAt: new Date(Date.now() - 60_000).toISOString(), measurements: [{ code: 'spo2', value: 91 }] }],
    });
    assert.equal(up.status, 201, JSON.stringify(up.json));
    assert.match(primaryLog.since(), /insert into observations/i, 'the reading was inserted on the primary');
    assert.doesNotMatch(replicaLog.since(), /insert into/i, 'nothing was written through the replica');

    await replayed();
    primaryLog.mark();
    replicaLog.mark();
    const trend = await api('GET', trendPath(), { cookie: cookies.nurseA });
    assert.equal(trend.status, 200);
    assert.deepEqual(spo2Values(trend.json), [91]);
    const report = await api('GET', '/api/reports/indicators', { cookie: cookies.nurseA });
    assert.equal(report.status, 200, JSON.stringify(report.json));
    const search = await fetch(`${server!.url}/fhir/Observation?patient=Patient/${f.patient.id}`, { headers: { cookie: cookies.nurseA } });
    assert.equal(search.status, 200);
    assert.equal(((await search.json()) as { total?: number; entry?: unknown[] }).entry?.length, 1);

    const onReplica = replicaLog.since();
    const onPrimary = primaryLog.since();
    for (const [what, sql] of [['trend', TREND_SQL], ['report', REPORT_SQL], ['FHIR search', FHIR_SQL]] as const) {
      assert.ok(onReplica.includes(sql), `${what} read on the replica`);
      assert.ok(!onPrimary.includes(sql), `${what} not read on the primary`);
    }
    // Access checks and the audit records of these reads stay on the primary.
    assert.match(onPrimary, /insert into audit_events/i);
    assert.doesNotMatch(onReplica, /audit_events/i);
  });

  test('read-your-writes: right after recording a reading, the nurse\'s own trend is read on the primary and shows it', async () => {
    primaryLog.mark();
    replicaLog.mark();
    const rec = await api('POST', `/api/patients/${f.patient.id}/observations`, { cookie: cookies.nurseA }, {
      idempotencyKey: 'rep-nurse-1', effectiveAt: new Date(Date.now() - 30_000).toISOString(), measurements: [{ code: 'spo2', value: 95 }],
    });
    assert.equal(rec.status, 201, JSON.stringify(rec.json));
    // No wait for replay: the writer is sticky to the primary.
    const trend = await api('GET', trendPath(), { cookie: cookies.nurseA });
    assert.equal(trend.status, 200);
    assert.deepEqual(spo2Values(trend.json), [95, 91]);
    assert.ok(primaryLog.since().includes(TREND_SQL), 'the writer\'s trend read on the primary');
    assert.ok(!replicaLog.since().includes(TREND_SQL), 'not on the replica');
  });

  test('a replica that stops replaying gets no reads once it lags more than the allowance, and gets them back when it catches up', async () => {
    const router = await openReadRouter(seedDb!, replicaUrl, { maxLagMs: 300, checkMs: 50 });
    const recovery = async () => (await router.replica.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r;
    try {
      await replicaAdmin!.query('select pg_wal_replay_pause()');
      await seedDb!.query('create table if not exists replica_probe (n int)');
      for (let i = 0; i < 60 && router.healthy(); i++) {
        await seedDb!.query('insert into replica_probe values (1)');
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(router.healthy(), false, 'a paused replica is noticed');
      assert.equal(await recovery(), false, 'reads went to the primary');
    } finally {
      await replicaAdmin!.query('select pg_wal_replay_resume()');
    }
    for (let i = 0; i < 100 && !router.healthy(); i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(router.healthy(), true, 'caught up again');
    assert.equal(await recovery(), true, 'reads back on the replica');
    await router.close();
  });

  test('two app nodes (processes) on one primary, both replica-aware: a reading through A updates the live worklist on B', { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: primaryUrl, DATABASE_READ_URL: replicaUrl };
    let a: ChildServer | undefined;
    let b: ChildServer | undefined;
    let stream: WorklistStream | undefined;
    try {
      [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
      stream = await openWorklistStream(b.url, cookies.nurseA);
      const token = await deviceToken(a.url, client);
      const up = await fetch(`${a.url}/api/ingest/observations`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sentAt: new Date().toISOString(), readings: [{ readingId: 'rep-2', patientId: f.patient.id, effectiveAt: new Date(Date.now() - 10_000).toISOString(), measurements: [{ code: 'spo2', value: 83 }] }] }),
      });
      assert.equal(up.status, 201, await up.text());
      let event: { patientId: string; zone: string | null } | undefined;
      let rows = false;
      await stream.read((block) => {
        if (block.startsWith('event: worklist')) event = blockData(block) as typeof event;
        if (block.startsWith('event: rows') && block.includes(f.patient.id)) rows = true;
      }, () => !!event && rows, Date.now() + 15_000);
      assert.deepEqual(event && { patientId: event.patientId, zone: event.zone }, { patientId: f.patient.id, zone: 'red' }, 'B heard the alert raised through A');
      assert.ok(rows, 'and sent the changed worklist row');
      // The worklist's first page on B (read on the primary: it is the triage list) shows the patient red.
      const page = await fetch(`${b.url}/api/worklist`, { headers: { cookie: cookies.nurseA } });
      const body = (await page.json()) as { items: { patient: { id: string }; status: string }[] };
      assert.equal(body.items.find((r) => r.patient.id === f.patient.id)?.status, 'red');
    } finally {
      stream?.close();
      await Promise.all([a?.stop(), b?.stop()]);
    }
  });

  test('a replica that is down costs a retry on the primary, not an error', async () => {
    pgRun('pg_ctl', ['-D', join(dir, 'replica'), '-m', 'fast', '-w', 'stop']);
    primaryLog.mark();
    const trend = await api('GET', trendPath(), { cookie: cookies.gp });
    assert.equal(trend.status, 200, JSON.stringify(trend.json));
    assert.ok(spo2Values(trend.json).includes(91));
    assert.ok(primaryLog.since().includes(TREND_SQL), 'read on the primary instead');
  });

  test('a replica that is down when the app starts does not stop it: reads go to the primary', async () => {
    const router = await openReadRouter(seedDb!, replicaUrl, { checkMs: 0 });
    try {
      assert.equal(router.healthy(), false);
      assert.equal((await router.replica.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r, false);
    } finally {
      await router.close();
    }
  });

  test('a DATABASE_READ_URL that is not a standby is refused at start', async () => {
    await assert.rejects(openReadRouter(seedDb!, primaryUrl), /not a standby/);
  });
});
