/*
 * FHIR Observation search of one patient with a long history (issue 15, docs/SCALING.md "Reads
 * that grow with a patient's whole history"): the in-memory search (every posted resource and
 * reading of the patient read, merged, filtered, sorted, every match built, then the page cut —
 * what service.ts did before round 5, kept as src/server/testing/fhir-search-reference.ts#searchObservationsInMemory) against the SQL search
 * (repo.ts#searchObservationKeys, then the page's rows only). Same database, same queries,
 * alternating blocks of repeats; per search: wall time, this process's CPU and the database backends' CPU
 * (from /proc, so the PostgreSQL cluster must run on this machine).
 *
 *   VARDE_TEST_DB=postgres TEST_DATABASE_URL=postgres://varde_dev:varde_dev@127.0.0.1:5432/postgres \
 *     TZ=UTC node --import tsx bench/fhir-observation-search.ts [--days 1250] [--repeats 20]
 *
 * The access check and audit record around a search are the same either way and not measured.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { EpisodeScope } from '../src/server/auth/access.js';
import type { Db } from '../src/server/db/port.js';
import { SEARCH } from '../src/server/fhir/search.js';
import { type ObservationSearchRun, searchObservationsInSql } from '../src/server/fhir/service.js';
import { searchObservationsInMemory } from '../src/server/testing/fhir-search-reference.js';
import { ensurePartitionsFor } from '../src/server/observations/partitions.js';
import { testDb } from '../src/server/testing/db.js';
import { seedFixture } from '../src/server/testing/fixtures.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const DAYS = arg('days', 1250);
const REPEATS = arg('repeats', 20);
/** --explain: print EXPLAIN ANALYZE of the SQL search's statement for each case. */
const EXPLAIN = process.argv.includes('--explain');

/** utime + stime of the backends serving this database, in ms (clock ticks of 10 ms). */
async function backendCpuMs(db: Db): Promise<number> {
  const pids = (await db.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()')).rows.map((r) => r.pid);
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // The backend ended between the two reads.
    }
  }
  return ticks * 10;
}

async function main(): Promise<void> {
  const db = await testDb();
  try {
    if (db.kind !== 'postgres') throw new Error('run with VARDE_TEST_DB=postgres (the figures are for PostgreSQL)');
    const f = await seedFixture(db);
    const P = f.patient.id;
    const now = new Date();
    await ensurePartitionsFor(db, new Date(now.getTime() - (DAYS + 40) * 86_400_000), new Date(now.getTime() + 60 * 86_400_000));
    // One sitting a day (BP as two rows, pulse, SpO2) under one idempotency key: 4 readings a day.
    await db.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, received_at, source, recorded_by, idempotency_key)
       select $1::uuid, $2::uuid, c.code, c.value, c.unit, date_trunc('day', now()) - make_interval(days => g) + interval '8 hours',
              date_trunc('day', now()) - make_interval(days => g) + interval '8 hours 1 minute', 'device', 'patient:' || $1::uuid::text, 'day-' || g
         from generate_series(1, ${DAYS}) g
        cross join (values ('bp_systolic', 131, 'mm[Hg]'), ('bp_diastolic', 82, 'mm[Hg]'), ('heart_rate', 71, '/min'), ('spo2', 96, '%')) as c(code, value, unit)`,
      [P, f.patient.episodeId],
    );
    // Every 20th day's pulse also came as a posted FHIR Observation (a gateway), which covers it.
    await db.query(
      `insert into fhir_resources (id, resource_type, patient_id, organisation_id, resource, status, codes, categories, effective_at, value_num, value_unit,
         content_hash, observation_ids, triage, recorded_by, received_at, last_updated)
       select gen_random_uuid(), 'Observation', o.patient_id, $2::uuid,
              jsonb_build_object('resourceType', 'Observation', 'status', 'final', 'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object('system', 'http://loinc.org', 'code', '8867-4'))),
                                 'valueQuantity', jsonb_build_object('value', 71, 'unit', '/min', 'system', 'http://unitsofmeasure.org', 'code', '/min')),
              'final', array['http://loinc.org|8867-4'], array['http://terminology.hl7.org/CodeSystem/observation-category|vital-signs'], o.effective_at, 71, '/min',
              md5(o.id::text), array[o.id], 'live', 'client:gw', o.received_at, o.received_at
         from observations o where o.patient_id = $1::uuid and o.code = 'heart_rate' and extract(doy from o.effective_at)::int % 20 = 0`,
      [P, f.orgs.muniA],
    );
    await db.exec('vacuum analyze');
    const readings = (await db.query<{ n: number }>('select count(*)::int as n from observations where patient_id = $1', [P])).rows[0]!.n;
    const posted = (await db.query<{ n: number }>('select count(*)::int as n from fhir_resources where patient_id = $1', [P])).rows[0]!.n;
    console.log(`patient with ${readings} readings (${DAYS} days), ${posted} of them also posted as FHIR Observations; ${REPEATS} repeats each`);

    const nurse: EpisodeScope = { all: false, episodeIds: [f.patient.episodeId], organisationId: f.orgs.muniA };
    const day = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString().slice(0, 10);
    const cases: { name: string; query: Record<string, string | string[]>; scope: EpisodeScope }[] = [
      { name: 'first page (nurse, -date, _count 50)', query: { patient: P }, scope: nurse },
      { name: 'first page (the patient, scope all)', query: { patient: P }, scope: { all: true } },
      { name: 'code=85354-9 (BP panels)', query: { patient: P, code: 'http://loinc.org|85354-9' }, scope: nurse },
      { name: 'date=ge(30 days ago)', query: { patient: P, date: `ge${day(30)}` }, scope: nurse },
      { name: 'code=8867-4, one year, _count 100', query: { patient: P, code: '8867-4', date: [`ge${day(400)}`, `lt${day(35)}`], _count: '100' }, scope: nurse },
      // Answered in memory until round 6 (the only parameter the SQL search lacked).
      { name: 'value-quantity=gt90 (the SpO2 readings; BP panels have no value)', query: { patient: P, 'value-quantity': 'gt90' }, scope: nurse },
      { name: 'code=8867-4 (pulse), value-quantity=ge70|UCUM|/min', query: { patient: P, code: '8867-4', 'value-quantity': 'ge70|http://unitsofmeasure.org|/min' }, scope: nurse },
    ];
    for (const c of cases) {
      const q = SEARCH.Observation.parse(c.query, false).values;
      const count = q._count ?? 50;
      const run: ObservationSearchRun = { patientId: P, q, scope: c.scope, count, offset: 0 };
      const impls = {
        // Before: every match built, then the route cut the page.
        before: async () => {
          const all = await searchObservationsInMemory(db, { ...run, count: 1_000_000_000 });
          return { total: all.total, page: all.page.slice(0, count) };
        },
        after: () => searchObservationsInSql(db, run),
      };
      if (EXPLAIN) {
        let keys: { sql: string; params: readonly unknown[] } | undefined;
        await searchObservationsInSql({
          query: async <T>(sql: string, params?: readonly unknown[]) => {
            if (!keys && sql.includes('with links')) keys = { sql, params: params ?? [] };
            return db.query<T>(sql, params);
          },
        }, run);
        const plan = await db.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${keys!.sql}`, keys!.params);
        console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
      const sums = { before: { wall: 0, cpu: 0, db: 0 }, after: { wall: 0, cpu: 0, db: 0 } };
      const totals = { before: 0, after: 0 };
      for (const k of ['before', 'after'] as const) for (let i = 0; i < 2; i++) totals[k] = (await impls[k]()).total; // warm-up (plans, caches)
      // Blocks of consecutive searches, the two alternating: the backends' CPU comes from /proc in
      // 10 ms ticks, so it is read per block, not per search.
      const BLOCKS = 4;
      for (let b = 0; b < BLOCKS; b++) {
        for (const k of ['before', 'after'] as const) {
          const n = Math.ceil(REPEATS / BLOCKS);
          const db0 = await backendCpuMs(db);
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          for (let i = 0; i < n; i++) await impls[k]();
          sums[k].wall += performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          sums[k].cpu += (cpu.user + cpu.system) / 1000;
          sums[k].db += (await backendCpuMs(db)) - db0;
        }
      }
      const done = BLOCKS * Math.ceil(REPEATS / BLOCKS);
      const fmt = (s: { wall: number; cpu: number; db: number }) =>
        `wall ${(s.wall / done).toFixed(1)} ms, node CPU ${(s.cpu / done).toFixed(1)} ms, db CPU ${(s.db / done).toFixed(1)} ms`;
      if (totals.before !== totals.after) throw new Error(`${c.name}: totals differ (${totals.before} / ${totals.after})`);
      console.log(`${c.name}: ${totals.after} matches\n  before: ${fmt(sums.before)}\n  after:  ${fmt(sums.after)}`);
    }
  } finally {
    await db.close();
  }
}

await main();
