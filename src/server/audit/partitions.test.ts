import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../db/migrate.js';
import type { Db, Queryable } from '../db/port.js';
import type { Fixture } from '../testing/fixtures.js';
import { useStoreBelow } from '../testing/migrations.js';
import { useTestServer } from '../testing/server.js';
import { ensureAuditPartitions } from './partitions.js';
import { accessLogForPatient } from './repo.js';

// Migration 041: audit events partitioned by UTC month of `at`; the rows from before it in one
// partition of their own, a DEFAULT partition for anything else, every partition append-only.

const DAY = 86_400_000;
const utcMonth = (d: Date, add = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1));
const ym = (d: Date) => `${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
const refused = /append-only|permission denied/;

async function logAt(q: Queryable, f: Fixture, at: Date, actorName: string): Promise<string> {
  return (await q.query<{ id: string }>(
    `insert into audit_events (at, actor_kind, actor_id, actor_name, organisation_id, role, action, resource_type, patient_id, route)
     values ($1, 'personnel', $2, $3, $4, 'nurse', 'read', 'Patient', $5, 'test') returning id`,
    [at, f.people.nurseB, actorName, f.orgs.muniA, f.patient.id],
  )).rows[0]!.id;
}

const whereIs = async (q: Queryable, id: string) =>
  (await q.query<{ part: string }>('select tableoid::regclass::text as part from audit_events where id = $1', [id])).rows[0]?.part;

const partitions = async (q: Queryable) =>
  (await q.query<{ name: string }>(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'audit_events'::regclass order by 1`)).rows.map((r) => r.name);

/** Every way of removing or changing a logged row, on the table named (which holds some), is refused. */
async function assertAppendOnly(db: Db, table: string): Promise<void> {
  assert.ok((await db.query(`select 1 from ${table} limit 1`)).rows.length > 0, `${table} has rows to protect`);
  await assert.rejects(db.query(`update ${table} set actor_name = 'someone else'`), refused, `update ${table}`);
  await assert.rejects(db.query(`delete from ${table}`), refused, `delete from ${table}`);
  await assert.rejects(db.query(`truncate ${table}`), refused, `truncate ${table}`);
}

describe('migration 041 on a populated database', () => {
  const env = useStoreBelow(41);

  test('keeps every logged row as it was, in one partition, and stays append-only', async () => {
    const { db, f } = env;
    const now = new Date();
    for (const [i, at] of [new Date('2019-03-01T10:00:00Z'), new Date(now.getTime() - 400 * DAY), new Date(now.getTime() - 60_000)].entries()) {
      await logAt(db, f, at, `before-041-${i}`);
    }
    const rows = async () => (await db.query('select * from audit_events order by id')).rows;
    const rowsBefore = await rows();
    assert.ok(rowsBefore.length >= 3);
    const maxId = Math.max(...rowsBefore.map((r) => Number(r['id'])));

    assert.ok((await migrate(db)).includes('041_audit_partitioned.sql'));

    assert.deepEqual(await rows(), rowsBefore, 'every row, every column');
    const old = `audit_events_before_${ym(utcMonth(now, 1))}`;
    for (const r of rowsBefore) assert.equal(await whereIs(db, String(r['id'])), old);
    // From next month on, monthly partitions; this month stays with the old rows.
    assert.deepEqual(await partitions(db), [`audit_events_${ym(utcMonth(now, 1))}`, `audit_events_${ym(utcMonth(now, 2))}`, old, 'audit_events_default']);

    // Ids go on after the old ones; a row of today joins the old partition, one of next month its own.
    const today = await logAt(db, f, now, 'after-041');
    assert.ok(Number(today) > maxId);
    assert.equal(await whereIs(db, today), old);
    const nextMonth = await logAt(db, f, new Date(utcMonth(now, 1).getTime() + DAY), 'after-041-next');
    assert.equal(await whereIs(db, nextMonth), `audit_events_${ym(utcMonth(now, 1))}`);
    const farAhead = await logAt(db, f, utcMonth(now, 60), 'after-041-far');
    assert.equal(await whereIs(db, farAhead), 'audit_events_default');
    await assert.rejects(db.query(`insert into audit_events (id, at, actor_kind, actor_id, action, resource_type) values ($1, $2, 'system', 'x', 'read', 'Patient')`, [today, now]), /duplicate key|unique/);

    for (const t of ['audit_events', old, `audit_events_${ym(utcMonth(now, 1))}`, 'audit_events_default']) await assertAppendOnly(db, t);
    // The patient's access log reads across the partitions, newest first.
    const log = await accessLogForPatient(db, f.patient.id, 100);
    const names = log.map((r) => r.actor_name).filter((n) => n?.startsWith('before-041') || n?.startsWith('after-041'));
    assert.deepEqual(names, ['after-041-far', 'after-041-next', 'after-041', 'before-041-2', 'before-041-1', 'before-041-0']);
  });
});

describe('partitioned audit events', () => {
  const env = useTestServer({ noServer: true });

  test('the daily job makes the coming months, append-only, once, also when two processes run it at once', async () => {
    const { db, f } = env;
    const now = new Date();
    // The migration made next month and the one after; this month is the old rows' partition.
    assert.equal(await ensureAuditPartitions(db, now), 0);
    const later = utcMonth(now, 5);
    const both = await Promise.all([ensureAuditPartitions(db, later), ensureAuditPartitions(db, later)]);
    assert.deepEqual(both.sort(), [0, 3]);
    const names = await partitions(db);
    for (const add of [5, 6, 7]) assert.ok(names.includes(`audit_events_${ym(utcMonth(now, add))}`), ym(utcMonth(now, add)));
    assert.ok(!names.includes(`audit_events_${ym(utcMonth(now, 3))}`), 'months are made as the job reaches them, not filled in behind');
    await logAt(db, f, new Date(utcMonth(now, 6).getTime() + 3 * DAY), 'six months ahead');
    await assertAppendOnly(db, `audit_events_${ym(utcMonth(now, 6))}`);
  });

  test('rows that went to DEFAULT move into their month when it is made, unchanged, and stay append-only', async () => {
    const { db, f } = env;
    const month = utcMonth(new Date(), 10);
    const id = await logAt(db, f, new Date(month.getTime() + 2 * DAY), 'clock ahead');
    const otherId = await logAt(db, f, utcMonth(new Date(), 30), 'far ahead');
    assert.equal(await whereIs(db, id), 'audit_events_default');
    const everything = async () => (await db.query('select * from audit_events order by id')).rows;
    const before = await everything();

    assert.equal(await ensureAuditPartitions(db, month, 0), 1);
    assert.equal(await whereIs(db, id), `audit_events_${ym(month)}`);
    assert.equal(await whereIs(db, otherId), 'audit_events_default', 'rows of other months stay where they were');
    assert.deepEqual(await everything(), before, 'no row lost or changed');
    await assertAppendOnly(db, 'audit_events_default');
    await assertAppendOnly(db, `audit_events_${ym(month)}`);
    assert.deepEqual(await everything(), before);
  });

  test('the archiving procedure of docs/SCALING.md: detach a month, and attach it again', async () => {
    const { db, f } = env;
    const month = utcMonth(new Date(), 2);
    const part = `audit_events_${ym(month)}`;
    const id = await logAt(db, f, new Date(month.getTime() + DAY), 'archived');
    await db.query(`alter table audit_events detach partition ${part}`);
    assert.equal(await whereIs(db, id), undefined);
    assert.equal((await db.query(`select count(*)::int as n from ${part}`)).rows[0]!['n'], 1);
    await assertAppendOnly(db, part);
    assert.equal(await ensureAuditPartitions(db, month, 0), 0, 'a detached month is not made again');
    const late = await logAt(db, f, new Date(month.getTime() + 2 * DAY), 'late');
    assert.equal(await whereIs(db, late), 'audit_events_default');
    // Back (a restored dump has the month's name too): under another name, the month made again,
    // which takes the late row out of DEFAULT, then its rows copied in through the parent.
    await db.query(`alter table ${part} rename to ${part}_restored`);
    assert.equal(await ensureAuditPartitions(db, month, 0), 1);
    assert.equal(await whereIs(db, late), part);
    await db.query(`insert into audit_events select * from ${part}_restored`);
    await db.query(`drop table ${part}_restored`);
    assert.equal(await whereIs(db, id), part);
    assert.deepEqual((await db.query<{ actor_name: string }>(`select actor_name from ${part} order by at`)).rows.map((r) => r.actor_name), ['archived', 'late']);
  });
});
