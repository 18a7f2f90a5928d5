import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedFixture, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';

// Migration 042: alerts' references (episode and patient, plan, who acknowledged or resolved) are
// checked per statement by triggers instead of per row by foreign keys. They must refuse all that
// the keys refused, with the same error code, and leave nothing half-written.
let f: Fixture;
const env = useTestServer({ dbOnly: true, setup: async (e) => { f = await seedFixture(e.db); } });

const FK = { code: '23503' };
const NOBODY = '00000000-0000-4000-8000-000000000000';

/** Inserts alerts (one per rule) in ONE statement; returns their ids. */
async function alerts(rows: { patientId?: string; episodeId?: string; planId?: string; rule: string; ackBy?: string | null }[]) {
  const p = f.patient;
  const r = await env.db.query<{ id: string }>(
    `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at, acknowledged_by)
     select u.patient_id, u.episode_id, u.rule, 'threshold', 'yellow', u.plan_id, 1, '{"nb":"test"}', '[]', now(), now(), u.ack
       from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[]) as u(patient_id, episode_id, plan_id, rule, ack)
     returning id`,
    [rows.map((x) => x.patientId ?? p.id), rows.map((x) => x.episodeId ?? p.episodeId), rows.map((x) => x.planId ?? p.planId),
      rows.map((x) => x.rule), rows.map((x) => x.ackBy ?? null)],
  );
  return r.rows.map((x) => x.id);
}

async function count(rule: string): Promise<number> {
  return (await env.db.query<{ n: number }>('select count(*)::int as n from alerts where rule_id like $1', [`${rule}%`])).rows[0]!.n;
}

async function newPerson(hpr: string): Promise<string> {
  return (await env.db.query<{ id: string }>('insert into personnel (hpr_number, name) values ($1, $2) returning id', [hpr, `Test ${hpr}`])).rows[0]!.id;
}

test('an alert naming a plan or a person that does not exist is refused, and its whole statement with it', async () => {
  await assert.rejects(alerts([{ rule: 'refs:a1', planId: NOBODY }]), FK);
  await assert.rejects(alerts([{ rule: 'refs:a2', ackBy: NOBODY }]), FK);
  // One bad row among good ones: none of them is written.
  await assert.rejects(alerts([{ rule: 'refs:b1' }, { rule: 'refs:b2' }, { rule: 'refs:b3', planId: f.otherPatient.planId, episodeId: f.otherPatient.episodeId }, { rule: 'refs:b4', planId: NOBODY }]), FK);
  assert.equal(await count('refs:b'), 0);
  // Good rows, a known person among them, and another patient's plan (the keys never tied plan to episode).
  assert.equal((await alerts([{ rule: 'refs:c1' }, { rule: 'refs:c2', ackBy: f.people.nurseA }])).length, 2);
});

test('a bad reference among many rows naming the same good ones is found (048: each distinct value probed once)', async () => {
  const good = { episodeId: f.patient.episodeId, patientId: f.patient.id };
  // The episode is good and named by every row; only one row pairs it with another patient.
  await assert.rejects(alerts([{ ...good, rule: 'refs:e1' }, { ...good, rule: 'refs:e2' }, { episodeId: f.patient.episodeId, patientId: f.otherPatient.id, rule: 'refs:e3' }, { ...good, rule: 'refs:e4' }]), FK);
  // A known person on most rows, one that does not exist on one of them.
  await assert.rejects(alerts([{ rule: 'refs:e5', ackBy: f.people.nurseA }, { rule: 'refs:e6', ackBy: NOBODY }, { rule: 'refs:e7', ackBy: f.people.nurseA }]), FK);
  assert.equal(await count('refs:e'), 0);
  // All good, many rows per value: written.
  assert.equal((await alerts([1, 2, 3, 4, 5].map((i) => ({ ...good, rule: `refs:e${10 + i}`, ackBy: i % 2 ? f.people.nurseA : null })))).length, 5);
});

test('an update that points an alert at something that does not exist is refused; other updates pass', async () => {
  const [id] = await alerts([{ rule: 'refs:u1' }]);
  await assert.rejects(env.db.query('update alerts set plan_id = $2 where id = $1', [id, NOBODY]), FK);
  await assert.rejects(env.db.query(`update alerts set status = 'acknowledged', acknowledged_by = $2 where id = $1`, [id, NOBODY]), FK);
  await assert.rejects(env.db.query(`update alerts set status = 'resolved', resolved_by = $2 where id = $1`, [id, NOBODY]), FK);
  await assert.rejects(env.db.query('update alerts set patient_id = $2 where id = $1', [id, f.otherPatient.id]), FK);
  await env.db.query(`update alerts set status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now() where id = $1`, [id, f.people.nurseA]);
  // A merge rewrites plan_id to what it was: no reference changes, nothing to refuse.
  await env.db.query('update alerts set plan_id = plan_id, occurrences = occurrences + 1 where id = $1', [id]);
  const row = (await env.db.query<{ status: string; acknowledged_by: string }>('select status, acknowledged_by from alerts where id = $1', [id])).rows[0]!;
  assert.deepEqual(row, { status: 'acknowledged', acknowledged_by: f.people.nurseA });
});

test('an update changing references in many rows is undone whole when one of them is bad (047: checked per row)', async () => {
  const ids = await alerts([{ rule: 'refs:m1' }, { rule: 'refs:m2' }, { rule: 'refs:m3' }]);
  // The bad person is on the last row the update reaches: the rows before it are undone too.
  await assert.rejects(env.db.query(
    `update alerts set status = 'acknowledged', acknowledged_at = now(),
            acknowledged_by = case when rule_id = 'refs:m3' then $2::uuid else $3::uuid end
      where id = any($1::uuid[])`, [ids, NOBODY, f.people.nurseA]), FK);
  const rows = (await env.db.query<{ n: number }>(`select count(*)::int as n from alerts where id = any($1::uuid[]) and acknowledged_by is null and status = 'open'`, [ids])).rows[0]!;
  assert.equal(rows.n, 3);
  // A merge's upsert (ON CONFLICT DO UPDATE) pointing at a plan that does not exist is refused as well.
  await assert.rejects(env.db.query(
    `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
     values ($1, $2, 'refs:m1', 'threshold', 'yellow', $3, 1, '{"nb":"test"}', '[]', now(), now())
     on conflict (episode_id, rule_id) where status <> 'resolved' do update set plan_id = excluded.plan_id, occurrences = alerts.occurrences + 1`,
    [f.patient.id, f.patient.episodeId, NOBODY]), FK);
  // Updates of alerts keep no copy of the old rows (no trigger reads an OLD transition table): the
  // ingest path resolves hundreds of missing alerts per upload without naming a reference.
  const withOld = await env.db.query<{ tgname: string }>(`select tgname from pg_trigger where tgrelid = 'alerts'::regclass and tgoldtable is not null`);
  assert.deepEqual(withOld.rows, []);
});

test('an episode, plan or person named by an alert is neither deleted nor re-keyed', async () => {
  const person = await newPerson('7000001');
  const [id] = await alerts([{ rule: 'refs:d1', ackBy: person }]);
  await assert.rejects(env.db.query('delete from personnel where id = $1', [person]), FK);
  await assert.rejects(env.db.query('update personnel set id = gen_random_uuid() where id = $1', [person]), FK);
  await assert.rejects(env.db.query('delete from plans where id = $1', [f.patient.planId]), FK);
  await assert.rejects(env.db.query('delete from episodes where id = $1', [f.patient.episodeId]), FK);
  // A person no alert names (any longer) may go, as before.
  await env.db.query('update alerts set acknowledged_by = $2 where id = $1', [id, f.people.nurseA]);
  await env.db.query('delete from personnel where id = $1', [person]);
  assert.equal((await env.db.query('select 1 from personnel where id = $1', [person])).rows.length, 0);
  // A name change is not a key change.
  await env.db.query(`update personnel set name = 'Sykepleier A2' where id = $1`, [f.people.nurseA]);
});

test('a delete waits for a transaction still writing an alert that names the row, then refuses (PostgreSQL)', async (t) => {
  if (env.db.kind !== 'postgres') return t.skip('PGlite has one connection: nothing runs beside a transaction');
  const person = await newPerson('7000002');
  const [id] = await alerts([{ rule: 'refs:w1' }]);
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  let written!: () => void;
  const wrote = new Promise<void>((r) => { written = r; });
  // Transaction A acknowledges the alert as `person` and stays open.
  const a = env.db.tx(async (tx) => {
    await tx.query(`update alerts set status = 'acknowledged', acknowledged_by = $2, acknowledged_at = now() where id = $1`, [id, person]);
    written();
    await held;
  });
  await wrote;
  // B deletes the person: without the guard's lock it would see no alert naming them (A has not
  // committed) and succeed, and A's commit would leave an alert naming nobody.
  let settled = false;
  const b = env.db.query('delete from personnel where id = $1', [person]).finally(() => { settled = true; });
  b.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  const waited = !settled;
  release();
  await a;
  assert.ok(waited, 'the delete waits for the alert writer');
  await assert.rejects(b, FK);
  assert.equal((await env.db.query('select acknowledged_by from alerts where id = $1', [id])).rows[0]?.acknowledged_by, person);
});
