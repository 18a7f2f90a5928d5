import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bareEpisode, seedFixture, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';
import type { Queryable } from './port.js';

// What the state triggers write per reading besides the values themselves (migrations 053 and 054,
// bench/README.md "Round 31"). The values are alert-triggers.test.ts's business; here: a row the
// transaction already holds is not locked again, and a reading's update of its episode's row stays
// on the row's page (HOT) in a table whose pages are shared with other episodes.
let f: Fixture;
const env = useTestServer({ dbOnly: true, setup: async (e) => { f = await seedFixture(e.db); } });

let serial = 0;
const identifier = () => {
  serial++;
  return `${String(10 + (serial % 80)).padStart(2, '0')}7${String(serial).padStart(8, '0')}`;
};

async function observe(q: Queryable, ep: { id: string; patientId: string }, value: number): Promise<void> {
  await q.query(
    `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, zone)
     values ($1, $2, 'spo2', $3, '%', now() - make_interval(secs => $3), 'patient', 'patient:test', 'green')`,
    [ep.patientId, ep.id, value],
  );
}

async function stateLocker(q: Queryable, episodeId: string): Promise<{ xmax: string; me: string }> {
  return (await q.query<{ xmax: string; me: string }>(
    'select s.xmax::text as xmax, pg_current_xact_id()::xid::text as me from episode_state s where s.episode_id = $1',
    [episodeId],
  )).rows[0]!;
}

test('the state triggers\' lock takes a row its transaction has not written yet, and not again one it has written (053)', async () => {
  const ep = await bareEpisode(env.db, f, identifier());
  const lock = (q: Queryable) => q.query('select varde_lock_episode_states(array[$1]::uuid[])', [ep.id]);
  // Nothing of this transaction touched the row: locked (xmax is this transaction).
  await env.db.tx(async (tx) => {
    await tx.query('select 1');
    await lock(tx);
    const s = await stateLocker(tx, ep.id);
    assert.equal(s.xmax, s.me, 'locked by this transaction');
  });
  // Written by this transaction (its version's xmin), as a trigger earlier in the statement does:
  // the row is ours until commit, and locking it again would only write a lock record.
  await env.db.tx(async (tx) => {
    await tx.query('update episode_state set last_contact_at = last_contact_at where episode_id = $1', [ep.id]);
    assert.equal((await stateLocker(tx, ep.id)).xmax, '0');
    await lock(tx);
    assert.equal((await stateLocker(tx, ep.id)).xmax, '0', 'no second lock on a row this transaction wrote');
  });
  // The triggers still leave the state right when they share a row (alert-triggers.test.ts has the rest).
  await env.db.tx(async (tx) => {
    await observe(tx, ep, 93);
    await observe(tx, ep, 94);
  });
  const latest = (await env.db.query<{ v: number }>(`select (latest -> 'spo2' ->> 'value')::float8 as v from episode_state where episode_id = $1`, [ep.id])).rows[0]!;
  assert.equal(latest.v, 93, 'the newer reading (94 is a second older)');
});

test('readings update their episode_state row on its own page (HOT), also when the page holds many other episodes (054)', async () => {
  const eps: { id: string; patientId: string }[] = [];
  for (let i = 0; i < 80; i++) eps.push(await bareEpisode(env.db, f, identifier()));
  // The episode whose row shares its page with the most others, as in any loaded database.
  const target = (await env.db.query<{ id: string; n: number }>(
    `with p as (select episode_id, (ctid::text::point)[0] as page from episode_state where episode_id = any($1::uuid[]))
     select p.episode_id as id, count(*) over (partition by p.page)::int as n from p order by n desc, p.episode_id limit 1`,
    [eps.map((e) => e.id)],
  )).rows[0]!;
  assert.ok(target.n > 10, `the page holds ${target.n} episodes`);
  const ep = eps.find((e) => e.id === target.id)!;
  await env.db.tx(async (tx) => {
    for (let k = 0; k < 5; k++) await observe(tx, ep, 90 + k);
    const s = (await tx.query<{ upd: number; hot: number }>(
      `select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_xact_user_tables where relname = 'episode_state'`,
    )).rows[0]!;
    assert.ok(s.upd >= 5, `${s.upd} updates of episode_state`);
    assert.equal(s.hot, s.upd, 'every update HOT');
  });
});
