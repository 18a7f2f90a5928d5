import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticFnr } from '../../domain/identifiers.js';
import { bareEpisode } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';
import { lockEpisodesForTriage } from './repo.js';

/*
 * The episode lock sends a service's opening hours once per statement, on its first episode in id
 * order (round 26); every episode it answers still carries its own service's hours, or null for a
 * service that has none (the defaults), whatever the mix of services and the order of patients.
 */
const env = useTestServer({ noServer: true });

test('lockEpisodesForTriage: each episode gets its own service\'s opening hours, in id order', async () => {
  const { f, db } = env;
  const hoursA = { timeZone: 'Europe/Oslo', weekly: { 1: [['08:00', '15:30']] }, closedDates: ['2026-12-24', '2026-12-31'], publicHolidays: true };
  const hoursB = { timeZone: 'Europe/Oslo', weekly: { 2: [['09:00', '12:00'], ['13:00', '14:00']] }, closedDates: [], publicHolidays: false };
  await db.query('update organisations set opening_hours = $2 where id = $1', [f.orgs.muniA, JSON.stringify(hoursA)]);
  await db.query('update organisations set opening_hours = $2 where id = $1', [f.orgs.muniB, JSON.stringify(hoursB)]);
  // Five more episodes: three of A, and two moved to the GP office, which has no hours (defaults).
  const extra = [];
  for (let i = 0; i < 5; i++) extra.push(await bareEpisode(db, f, syntheticFnr('1946-02-03', 500 + i)));
  for (const e of extra.slice(3)) await db.query('update episodes set follow_up_org = $2 where id = $1', [e.id, f.orgs.gpOffice]);
  const want = new Map<string, unknown>([
    [f.patient.episodeId, hoursA], [f.otherPatient.episodeId, hoursB],
    ...extra.slice(0, 3).map((e) => [e.id, hoursA] as const), ...extra.slice(3).map((e) => [e.id, null] as const),
  ]);
  const patients = [f.otherPatient.id, ...extra.map((e) => e.patientId).reverse(), f.patient.id];
  for (const ask of [patients, [...patients].reverse(), [extra[4]!.patientId], [f.patient.id, extra[0]!.patientId]]) {
    const { episodes } = await db.tx((tx) => lockEpisodesForTriage(tx, ask));
    assert.equal(episodes.length, ask.length);
    assert.deepEqual(episodes.map((e) => e.id), [...episodes.map((e) => e.id)].sort(), 'locked and answered in id order');
    for (const e of episodes) assert.deepEqual(e.follow_up_hours, want.get(e.id), `episode ${e.id}`);
  }
  // Hours changed between two groups are read afresh (nothing is kept between statements).
  await db.query('update organisations set opening_hours = null where id = $1', [f.orgs.muniA]);
  const { episodes } = await db.tx((tx) => lockEpisodesForTriage(tx, patients));
  for (const e of episodes) assert.deepEqual(e.follow_up_hours, want.get(e.id) === hoursA ? null : want.get(e.id));
});
