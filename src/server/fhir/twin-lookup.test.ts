import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Queryable, QueryOptions, QueryResult } from '../db/port.js';
import { useTestServer } from '../testing/server.js';
import * as repo from './repo.js';

/*
 * Issue 15: "triage cost must not grow with a patient's history". A FHIR write group looks up the
 * stored twins of its Observations by identifier (write-batch.ts → repo.ts#fhirResourcesOfScopes)
 * under generic plans. The lookup must go through the identifier index only: a plan that also
 * reads the group's patients' resources (fhir_resources_patient) grows with every reading they
 * ever sent, and did so whenever an identifier matched.
 */

const env = useTestServer({ noServer: true });
const SYSTEM = 'urn:oid:2.16.578.1.12.4.1.9999';

/** Node names of a JSON plan, every level. */
function indexesOf(plan: unknown, out: string[] = []): string[] {
  if (Array.isArray(plan)) for (const p of plan) indexesOf(p, out);
  else if (plan && typeof plan === 'object') {
    for (const [k, v] of Object.entries(plan)) {
      if (k === 'Index Name' && typeof v === 'string') out.push(v);
      else indexesOf(v, out);
    }
  }
  return out;
}

/** Captures the statement a repo function sends, and runs it. */
function capturing(q: Queryable): Queryable & { sql: string; params: readonly unknown[] } {
  const c = {
    sql: '',
    params: [] as readonly unknown[],
    async query<T>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<T>> {
      c.sql = sql;
      c.params = params ?? [];
      return q.query<T>(sql, params, opts);
    },
  };
  return c;
}

/** A uuid, text or boolean parameter as a SQL literal (test values only). */
function literal(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `array[${v.map(literal).join(',')}]`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

test('a write group finds stored twins by identifier alone, not by reading its patients\' histories', async () => {
  const patientId = env.f.patient.id;
  const other = env.f.otherPatient.id;
  // A caseload with history: 1 000 patients with 30 posted Observations each (synthetic rows; the
  // planner's choice depends on how many rows one patient has against the whole table).
  await env.db.query(
    `insert into patients (identifier, identifier_system, name, birth_date, sex)
     select 'twin-' || g, 'fnr', 'Syntetisk ' || g, date '1940-01-01', 'female' from generate_series(1, 1000) g`);
  await env.db.query(
    `insert into fhir_resources (id, resource_type, patient_id, resource, identifiers, content_hash, recorded_by, effective_at)
     select gen_random_uuid(), 'Observation', p.id, '{"resourceType":"Observation"}', array[$1 || '|' || p.id || '-' || g], 'h', 'test', now() - g * interval '1 hour'
       from patients p, generate_series(1, 30) g`,
    [SYSTEM],
  );
  const twinId = randomUUID();
  await env.db.query(
    `insert into fhir_resources (id, resource_type, patient_id, resource, identifiers, content_hash, recorded_by)
     values ($1, 'Observation', $2, '{"resourceType":"Observation"}', array[$3], 'h', 'test')`,
    [twinId, patientId, `${SYSTEM}|resend-1`],
  );
  await env.db.query('analyze fhir_resources');

  // A re-send (its identifier matches), a new reading, and the same identifier for another patient.
  let cap: ReturnType<typeof capturing> | undefined;
  const rows = await env.db.tx(async (tx) => {
    cap = capturing(tx);
    return repo.fhirResourcesOfScopes(cap, 'Observation', [`${SYSTEM}|resend-1`, `${SYSTEM}|new-1`], [patientId, other], undefined);
  }, { genericPlans: true });
  const c = cap!;
  assert.deepEqual(rows.map((r) => r.id), [twinId]);
  const scoped = await repo.fhirResourcesOfScopes(env.db, 'Observation', [`${SYSTEM}|resend-1`], [other], undefined);
  assert.deepEqual(scoped, [], 'another patient\'s resource with that identifier is not a twin');

  // The plan PostgreSQL keeps for the group's statement (generic: the one a prepared statement reuses).
  // fhirResourcesOfScopes' parameters: type, identifiers, patients, organisation scope wanted, organisation.
  const types = ['text', 'text[]', 'uuid[]', 'boolean', 'uuid'];
  assert.equal(c.params.length, types.length);
  const plan = await env.db.tx(async (tx) => {
    if (env.db.kind === 'postgres') await tx.query('set local plan_cache_mode = force_generic_plan');
    // A few hundred rows fit in a handful of pages, where a scan of the table is cheapest; a real
    // store has millions, so ask for the plan an index would give.
    await tx.query('set local enable_seqscan = off');
    await tx.query(`prepare twin_lookup(${types.join(', ')}) as ${c.sql}`);
    const r = await tx.query<{ 'QUERY PLAN': unknown }>(`explain (format json) execute twin_lookup(${c.params.map((p, i) => `${literal(p)}::${types[i]}`).join(', ')})`);
    await tx.query('deallocate twin_lookup');
    return r.rows[0]!['QUERY PLAN'];
  });
  const used = indexesOf(plan);
  assert.ok(used.includes('fhir_resources_identifiers'), `the identifier index is used: ${used.join(', ')}`);
  assert.ok(!used.includes('fhir_resources_patient'), `the patients' resources are not read: ${used.join(', ')}`);
});
