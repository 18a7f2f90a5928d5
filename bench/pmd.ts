/**
 * What one run of the Pasientens måledata job costs when sharing is common (issue 15, round 29):
 * every patient consented, every reading of the cohort already shared (the state after the
 * backfill), a minute's new readings waiting. Times the job's read-and-mark statement before
 * migration 051 (every consenting episode joined to its 90 days of readings) against the job's
 * statements now that read and mark (readings received since the receiver's mark), alternately, each in a transaction that
 * is rolled back, and checks that both find the same readings.
 *
 *   node --import tsx bench/pmd.ts [--patients N] [--new N] [--runs N]
 *
 * The cohort is bench's (src/sim, 6 days); its readings are stored again in received order with
 * received_at a few minutes after their measurement, as live readings arrive (the loader writes
 * them patient by patient, all received at load time). PostgreSQL: BENCH_DATABASE_URL,
 * TEST_DATABASE_URL or a throwaway cluster (bench/postgres.ts).
 */
import { parseArgs } from 'node:util';
import { openDb } from '../src/server/db/open.js';
import type { Db, Queryable } from '../src/server/db/port.js';
import { PMD_LOOKBACK_DAYS, queueSharedMeasurements } from '../src/server/integration/pmd-job.js';
import { loadCohort } from '../src/sim/load.js';
import { withBenchDatabase } from './postgres.js';

const { values: args } = parseArgs({
  options: { patients: { type: 'string', default: '10000' }, new: { type: 'string' }, runs: { type: 'string', default: '5' } },
});
const PATIENTS = Number(args.patients);
/** New readings waiting: about a minute's worth when each patient sends a few sittings a day. */
const NEW = Number(args.new ?? Math.max(10, Math.round(PATIENTS / 100)));
const RUNS = Number(args.runs);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** The job's statement before migration 051 (integration/pmd-job.ts at 9bee811). */
const BEFORE_SQL = `insert into pmd_shared (observation_id, patient_id, outbox_key, queued_at)
       select o.id, o.patient_id, 'varde-pmd-' || o.patient_id || '-' || $4, $1
         from episodes e
         join integration_receivers r on r.organisation_id = e.follow_up_org and r.kind = 'pasientens_maledata' and r.enabled
         join observations o on o.episode_id = e.id and o.effective_at >= $1::timestamptz - make_interval(days => $2)
                            and o.received_at >= e.share_measurements_since and o.received_at <= $1
        where e.share_measurements_since is not null and e.status <> 'ended'
          and not exists (select 1 from pmd_shared s where s.observation_id = o.id)
        order by o.received_at limit $3
       on conflict (observation_id) do nothing
       returning observation_id`;

class Rollback extends Error {}

/** Runs `fn` in a transaction that is rolled back: ms and its answer. */
async function timed<T>(db: Db, fn: (tx: Queryable) => Promise<T>): Promise<{ ms: number; out: T }> {
  let out: T | undefined;
  const t0 = performance.now();
  let ms = 0;
  try {
    await db.tx(async (tx) => {
      out = await fn(tx);
      ms = performance.now() - t0;
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return { ms, out: out as T };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await withBenchDatabase('varde_pmd', async (url, server) => {
  log(`PostgreSQL: ${server.source}; ${PATIENTS} patients, ${NEW} new readings, ${RUNS} runs each`);
  const db = await openDb({ DATABASE_URL: url, PGLITE_DIR: '' });
  try {
    const now = new Date();
    const r = await loadCohort(db, { patients: PATIENTS, days: 6, seed: 1, end: now, log: () => undefined });
    log(`loaded ${r.patients} patients, ${r.observations} observations in ${(r.ms / 1000).toFixed(1)} s`);
    const t0 = Date.now();
    await db.tx(async (tx) => {
      // Stored again in received order, without the triggers (nothing they keep changes).
      await tx.query(`set local session_replication_role = replica`);
      await tx.query(`create temp table o_copy on commit drop as select * from observations`);
      await tx.query(`truncate observations`);
      await tx.query(`update o_copy set received_at = effective_at + make_interval(secs => 30 + (get_byte(uuid_send(id), 15) % 240))`);
      await tx.query(`insert into observations select * from o_copy order by received_at`);
      // Everyone consented before the cohort began; everything so far is shared; each follow-up
      // service has its receiver, read up to a minute ago.
      await tx.query(`update episodes set share_measurements_since = $1::timestamptz - interval '7 days'`, [now]);
      await tx.query(`insert into pmd_shared (observation_id, patient_id, outbox_key, queued_at) select id, patient_id, 'bench', $1 from observations`, [now]);
      await tx.query(
        `insert into integration_receivers (organisation_id, kind, url, pmd_scanned_until)
         select distinct follow_up_org, 'pasientens_maledata', 'http://127.0.0.1:9/pmd', $1::timestamptz - interval '1 minute' from episodes`,
        [now],
      );
    });
    // A minute's new readings, through the triggers as ingest writes them.
    await db.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key)
       select patient_id, episode_id, code, value, unit, now(), source, recorded_by, 'pmd-bench-' || n
         from (select o.*, row_number() over () as n from (select * from observations order by id desc limit $1) o) x`,
      [NEW],
    );
    await db.query('vacuum analyze');
    log(`prepared in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const at = new Date();
    const run = at.toISOString().replace(/[-:.]/g, '');
    const before: number[] = [];
    const after: number[] = [];
    const whole: number[] = [];
    let found: [number, number] = [0, 0];
    for (let i = 0; i < RUNS; i++) {
      const b = await timed(db, async (tx) => (await tx.query(BEFORE_SQL, [at, PMD_LOOKBACK_DAYS, 5000, run])).rowCount);
      // The job as the outbox worker runs it, on this transaction; its read-and-mark statements
      // (the receivers' marks, the readings taken, the marks moved) timed apart from the rest
      // (corrections, building and queueing the batches, audit), which the old job did too.
      let txOf: Queryable | undefined;
      let markMs = 0;
      const inTx: Db = {
        ...db,
        tx: async (fn) => fn({
          query: async (sql, params, o) => {
            const t = performance.now();
            const res = await txOf!.query(sql, params, o);
            if (/integration_receivers|insert into pmd_shared/.test(sql) && !/observations_retracted/.test(sql)) markMs += performance.now() - t;
            return res;
          },
        } as Queryable),
      };
      const a = await timed(db, async (tx) => {
        txOf = tx;
        return (await queueSharedMeasurements(inTx, at, { fhirBase: 'https://varde.test/fhir' })).readings;
      });
      before.push(b.ms);
      after.push(markMs);
      whole.push(a.ms);
      found = [b.out, a.out];
      log(`run ${i + 1}: before ${b.ms.toFixed(1)} ms (${b.out} readings); after ${markMs.toFixed(1)} ms (${a.out} readings), the whole job ${a.ms.toFixed(1)} ms`);
    }
    if (found[0] !== found[1]) throw new Error(`before found ${found[0]} readings, after ${found[1]}`);
    const plan = await timed(db, async (tx) => (await tx.query<{ 'QUERY PLAN': string }>(`explain (analyze, costs off, timing off, summary off)
      select count(*) from observations o where o.received_at >= $1`, [new Date(at.getTime() - 11 * 60_000)])).rows.map((x) => x['QUERY PLAN']));
    log(plan.out.join('\n'));
    console.log(JSON.stringify({ patients: PATIENTS, newReadings: NEW, beforeMs: median(before), afterMs: median(after), afterWholeJobMs: median(whole), readings: found[1] }));
  } finally {
    await db.close();
  }
});
