import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Queryable } from '../db/port.js';
import { useTestServer } from '../testing/server.js';
import * as repo from './repo.js';

/*
 * fhir_resources is empty in every new deployment (and in the bench) and FHIR ingest fills it at
 * thousands of rows a minute. A prepared statement planned while it was empty keeps a plan that
 * reads the whole table (the cheapest plan for no rows) until the next ANALYZE invalidates it: in
 * the bench's FHIR phases the twin lookup of each write group went from under 1 ms to 28 ms on
 * average, as the table grew to 17 700 rows in 10 s with no autoanalyze in between. The write
 * path's lookups are therefore planned on every execution (QueryOptions.replan). This test plans
 * each lookup on the empty table in one connection, grows the table in the same transaction, and
 * asks again: the grown table must be read through an index, not scanned. On PostgreSQL it fails
 * when the lookups are sent as prepared statements; PGlite plans every statement anyway.
 */

const env = useTestServer({ noServer: true });
const SYSTEM = 'urn:oid:2.16.578.1.12.4.1.9999';

/** Sequential and index scans of fhir_resources in this transaction so far. */
async function scans(tx: Queryable): Promise<{ seq: number; idx: number }> {
  const r = await tx.query<{ seq: number; idx: number }>(
    `select coalesce(seq_scan, 0)::int as seq, coalesce(idx_scan, 0)::int as idx from pg_stat_xact_user_tables where relname = 'fhir_resources'`,
  );
  return r.rows[0] ?? { seq: 0, idx: 0 };
}

test('the FHIR write path\'s twin lookups planned on an empty fhir_resources do not scan it once it has grown', async () => {
  const patientId = env.f.patient.id;
  const orgId = env.f.orgs.muniA;
  assert.equal((await env.db.query<{ n: number }>('select count(*)::int as n from fhir_resources')).rows[0]!.n, 0, 'the store starts without FHIR resources');
  await env.db.query('analyze fhir_resources');
  const lookups = (tx: Queryable) => Promise.all([
    repo.fhirResourcesOfScopes(tx, 'Observation', [`${SYSTEM}|new-1`, `${SYSTEM}|new-2`], [patientId], undefined),
    repo.fhirResourcesByIdentifier(tx, 'Observation', { patientId, organisationId: null }, [`${SYSTEM}|new-1`]),
    repo.fhirResourcesByIdentifier(tx, 'Device', { patientId: null, organisationId: orgId }, [`${SYSTEM}|dev-1`]),
    repo.fhirResourceByHash(tx, 'Observation', { patientId, organisationId: null }, 'no-such-hash'),
  ]);
  const rollback = new Error('rollback');
  await env.db.tx(async (tx) => {
    // Planned (and, as a prepared statement, kept) while the table is empty.
    assert.deepEqual((await lookups(tx)).map((r) => (Array.isArray(r) ? r.length : r ?? null)), [0, 0, 0, null]);
    // Thousands of other resources arrive (other patients, other identifiers).
    await tx.query(
      `insert into fhir_resources (id, resource_type, patient_id, organisation_id, resource, identifiers, content_hash, recorded_by, effective_at)
       select gen_random_uuid(), case when g % 10 = 0 then 'Device' else 'Observation' end, case when g % 10 = 0 then null else $2::uuid end,
              case when g % 10 = 0 then $3::uuid end, '{"resourceType":"Observation"}', array[$1 || '|grown-' || g], 'h' || g, 'test',
              now() - g * interval '1 minute'
         from generate_series(1, 20000) g`,
      [SYSTEM, env.f.otherPatient.id, orgId],
    );
    const before = await scans(tx);
    assert.deepEqual((await lookups(tx)).map((r) => (Array.isArray(r) ? r.length : r ?? null)), [0, 0, 0, null]);
    const after = await scans(tx);
    if (env.db.kind === 'postgres') {
      assert.equal(after.seq - before.seq, 0, 'no lookup reads the whole grown table');
      assert.ok(after.idx - before.idx >= 4, `every lookup goes through an index (${after.idx - before.idx} index scans)`);
    }
    throw rollback;
  }, { genericPlans: true }).catch((e: unknown) => {
    if (e !== rollback) throw e;
  });
});
