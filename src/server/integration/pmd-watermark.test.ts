import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';
import { PMD_OVERLAP_MS, queueSharedMeasurements } from './pmd-job.js';

/*
 * Issue 15, the Pasientens måledata job reads what arrived since its receiver's mark (migration
 * 051) instead of every consenting patient's 90 days. Nothing may be lost by that: readings cut
 * off by the run's limit, a consent dated back before the mark, a receiver switched off and on, and
 * a reading whose transaction was still open when a run looked are all shared, once.
 */
const env = useTestServer();
const FHIR = 'https://varde.test/fhir';
const run = (opts: { at?: Date; limit?: number } = {}) =>
  queueSharedMeasurements(env.db, opts.at ?? new Date(), { fhirBase: FHIR, ...(opts.limit ? { limit: opts.limit } : {}) });
const reading = async (key: string, value: number) => {
  const r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: key, measurements: [{ code: 'spo2', value }, { code: 'heart_rate', value: 70 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
};
const mark = async () =>
  (await env.db.query<{ m: Date | null }>(`select pmd_scanned_until as m from integration_receivers where kind = 'pasientens_maledata'`)).rows[0]!.m;
const shared = () => env.count('pmd_shared where patient_id = $1', [env.f.patient.id]);

test('a new receiver reads the window, then only what arrived since; the limit never skips a reading', async () => {
  await env.db.query(`insert into integration_receivers (organisation_id, kind, url) values ($1, 'pasientens_maledata', $2)`,
    [env.f.orgs.muniA, `${env.server.url}/dev/receiver/pasientens_maledata`]);
  assert.equal((await env.call('PUT', `/api/patients/${env.f.patient.id}/pathway/onboarding`, env.c.nurseA,
    { consent: { scope: 'Målinger deles med Pasientens måledata.', shareMeasurements: true } })).status, 200);
  for (let i = 1; i <= 3; i++) await reading(`pmd-wm-${i}`, 90 + i);
  assert.equal(await mark(), null, 'a new receiver has read nothing');
  // Six readings, two per run: each run takes the next two in received order. The runs are an
  // hour later than the readings (a backlog), so the overlap alone would not read them again.
  const at = new Date(Date.now() + 6 * PMD_OVERLAP_MS);
  assert.equal((await run({ at, limit: 2 })).readings, 2);
  const cut = await mark();
  assert.ok(cut && cut < at, 'the mark stops at the last reading taken');
  assert.equal((await run({ at, limit: 2 })).readings, 2);
  assert.equal((await run({ at, limit: 2 })).readings, 2);
  assert.equal((await run({ at, limit: 2 })).readings, 0);
  assert.equal(await shared(), 6);
  assert.equal((await mark())!.getTime(), at.getTime(), 'read up to the run');
  await env.db.query(`update integration_receivers set pmd_scanned_until = now() where kind = 'pasientens_maledata'`);
  const before = await mark();
  await reading('pmd-wm-4', 95);
  assert.equal((await run()).readings, 2, 'what arrived since the mark');
  assert.ok((await mark())! > before!, 'the mark moves on');
  assert.equal((await run()).readings, 0, 'once');
});

test('a consent dated back before the mark shares what was received since the consent', async () => {
  await env.db.query(`update episodes set share_measurements_since = null where patient_id = $1`, [env.f.patient.id]);
  await reading('pmd-wm-5', 94); // received while the patient had not consented
  assert.equal((await run()).readings, 0);
  const at = await mark();
  // The consent was given on paper before that reading and recorded now, dated back.
  await env.db.query(`update episodes set share_measurements_since = now() - interval '1 hour' where patient_id = $1 and status <> 'ended'`, [env.f.patient.id]);
  assert.ok((await mark())! < at!, 'the mark goes back to the consent');
  assert.equal((await run()).readings, 2);
  assert.equal((await run()).readings, 0);
});

test('a receiver switched off and on again shares what arrived while it was off', async () => {
  await env.db.query(`update integration_receivers set enabled = false where kind = 'pasientens_maledata'`);
  await reading('pmd-wm-6', 93);
  assert.equal((await run()).readings, 0);
  await env.db.query(`update integration_receivers set enabled = true where kind = 'pasientens_maledata'`);
  assert.equal(await mark(), null, 'switched on: read the window again');
  assert.equal((await run()).readings, 2);
  assert.equal((await run()).readings, 0);
});

test('a reading in a transaction still open when a run looks is shared by a later run, however late', async (t) => {
  if (env.db.kind !== 'postgres') {
    t.skip('PGlite has one connection: no transaction can be open while a run looks');
    return;
  }
  // A run an hour ahead (a slow clock elsewhere, or simply much later): without the open
  // transaction's start as its bound, its mark would pass the held reading by more than the overlap.
  const later = new Date(Date.now() + 6 * PMD_OVERLAP_MS);
  await env.db.tx(async (tx) => {
    await tx.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by, idempotency_key)
       select patient_id, episode_id, code, value, unit, now(), source, recorded_by, 'pmd-wm-held' from observations where patient_id = $1 limit 1`,
      [env.f.patient.id],
    );
    assert.equal((await run({ at: later })).readings, 0, 'not committed yet');
    assert.ok((await mark())! <= new Date(), 'the mark stops at the open transaction\'s start');
  });
  assert.equal((await run({ at: new Date(later.getTime() + 60_000) })).readings, 1);
  assert.equal((await run({ at: new Date(later.getTime() + 120_000) })).readings, 0);
});
