/**
 * Cost of the state triggers per write statement (migration 025), as ingest and the sweep fire them:
 * single-row reading and alert statements (one reading per request), and statements of many
 * patients' readings or alerts at once (group commit, a sweep batch). Reports the PostgreSQL
 * backend's CPU time per statement (from /proc, so comparable under other load) and wall time.
 *
 *   node --import tsx bench/triggers.ts [--patients 500] [--before-sql bench/sweep-before-025.sql]
 *
 * `--before-sql` applies that SQL first (bench/sweep-before-025.sql restores the triggers of
 * migrations 010, 017 and 022 as they were before 025). PostgreSQL only: TEST_DATABASE_URL or
 * BENCH_DATABASE_URL (a role that may CREATE DATABASE), same machine (reads /proc/<backend pid>).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate, splitStatements } from '../src/server/db/migrate.js';
import { openDb } from '../src/server/db/open.js';
import { seedFixture } from '../src/server/testing/fixtures.js';
import { adminQuery, databaseUrl, dropDatabase } from '../src/server/testing/pg-cluster.js';

const { values: args } = parseArgs({ options: { patients: { type: 'string' }, 'before-sql': { type: 'string' } } });
const P = Number(args.patients ?? 500);
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!adminUrl) throw new Error('needs TEST_DATABASE_URL or BENCH_DATABASE_URL');
const name = `varde_triggers_${randomBytes(4).toString('hex')}`;
const url = databaseUrl(adminUrl, name);

const admin = (sql: string) => adminQuery(adminUrl, sql);

await admin(`create database ${name}`);
try {
  const db = await openDb({ DATABASE_URL: url, PGLITE_DIR: '' });
  await migrate(db);
  const f = await seedFixture(db);
  const plan = JSON.stringify({ measures: [{ code: 'spo2', thresholds: { redBelow: 88, yellowBelow: 92 } }] });
  // Synthetic patients (month + 80 style identifiers, never real) with an active episode each.
  await db.query(
    `with p as (insert into patients (identifier, identifier_system, name, birth_date, sex)
                select lpad(i::text, 2, '0') || '9' || lpad(i::text, 8, '0'), 'fnr', 'Syntetisk ' || i, '1946-02-03', 'female' from generate_series(1, $1) i returning id),
          e as (insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at)
                select id, 'high', now(), $2, $3, '2026-01-01' from p returning id),
          c as (insert into care_team (episode_id, organisation_id, responsibility) select id, $3, 'follow_up' from e)
     insert into plans (episode_id, version, status, definition, created_by) select id, 1, 'draft', $4, $2 from e`,
    [P, f.people.gp, f.orgs.muniA, plan],
  );
  if (args['before-sql']) {
    await db.tx(async (tx) => {
      for (const st of splitStatements(readFileSync(args['before-sql']!, 'utf8'))) await tx.query(st);
    });
  }
  await db.query('analyze');
  await db.close();

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const pid = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  const cpu = () => {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(s[11]) + Number(s[12])) * 10; // ms (100 Hz ticks)
  };
  const eps = (await c.query<{ id: string; patient_id: string; plan_id: string }>(
    `select e.id, e.patient_id, p.id as plan_id from episodes e join plans p on p.episode_id = e.id where e.patient_id in (select id from patients where name like 'Syntetisk %') order by e.id`,
  )).rows;
  await c.query(`select set_config('varde.missing_sweep', 'on', false)`);
  let minute = 0;
  const at = () => new Date(Date.UTC(2026, 5, 1) + ++minute * 60_000).toISOString();
  const obs = (rows: typeof eps) => {
    const v = rows.map((e) => [e.patient_id, e.id, 90 + (minute % 9), at()]);
    return c.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, zone)
       select p, e, 'spo2', v, '%', t, 'device', 'client:bench', case when v < 92 then 'yellow' else 'green' end
         from unnest($1::uuid[], $2::uuid[], $3::float8[], $4::timestamptz[]) as x(p, e, v, t)`,
      [v.map((x) => x[0]), v.map((x) => x[1]), v.map((x) => x[2]), v.map((x) => x[3])],
    );
  };
  const alerts = (rows: typeof eps, rule: string, zone: string) =>
    c.query(
      `insert into alerts as al (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
       select p, e, $4, case when $5 = 'missing' then 'missing_measurement' else 'threshold' end, $5, pl, 1, '{"nb":"x","nn":"x","en":"x"}',
              jsonb_build_array(jsonb_build_object('code', 'spo2', 'values', jsonb_build_array(jsonb_build_object('value', 90)))), now(), now()
         from unnest($1::uuid[], $2::uuid[], $3::uuid[]) as x(p, e, pl)
       on conflict (episode_id, rule_id) where status <> 'resolved' do update set
         occurrences = al.occurrences + 1, findings = al.findings || excluded.findings, last_at = greatest(al.last_at, excluded.last_at)`,
      [rows.map((e) => e.patient_id), rows.map((e) => e.id), rows.map((e) => e.plan_id), rule, zone],
    );
  const phase = async (label: string, n: number, fn: (i: number) => Promise<unknown>) => {
    const c0 = cpu();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn(i);
    const wall = performance.now() - t0;
    console.log(`${label.padEnd(58)} ${n} statements: CPU ${((cpu() - c0) / n).toFixed(3)} ms, wall ${(wall / n).toFixed(3)} ms per statement`);
  };
  const one = (i: number) => [eps[i % eps.length]!];
  await phase('warm-up', 50, (i) => obs(one(i)));
  await phase('1 reading (insert, 1 row)', 1000, (i) => obs(one(i)));
  await phase('1 alert raised (upsert, new alert)', Math.min(P, 1000), (i) => alerts(one(i), 'threshold:spo2', 'yellow'));
  await phase('1 alert merged (upsert, existing alert)', 1000, (i) => alerts(one(i), 'threshold:spo2', 'yellow'));
  await phase('1 alert acknowledged (update)', Math.min(P, 1000), (i) =>
    c.query(`update alerts set status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now() where episode_id = $1 and status = 'open'`, [one(i)[0]!.id, f.people.nurseA]));
  const batch = (i: number) => eps.slice((i * 100) % eps.length).concat(eps).slice(0, 100);
  await phase('100 readings of 100 patients (insert)', 40, (i) => obs(batch(i)));
  await phase(`${P} missing alerts of ${P} patients (sweep-like insert)`, 1, () => alerts(eps, 'missing:spo2', 'missing'));
  await phase(`${P} alerts resolved (update)`, 1, () => c.query(`update alerts set status = 'resolved', resolved_at = now() where rule_id = 'missing:spo2' and status <> 'resolved'`));
  await c.end();
} finally {
  await dropDatabase(adminUrl, name);
}
