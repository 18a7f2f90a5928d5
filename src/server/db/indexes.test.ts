import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

// Migration 033: FHIR identifier lookups probe the GIN index itself, never a pending list that
// grows under ingest until a vacuum merges it (every lookup reads that list whole).
const env = useTestServer({ dbOnly: true });

test('the FHIR identifier index takes new entries directly (fastupdate off) and finds them at once', async () => {
  const r = await env.db.query<{ reloptions: string[] | null }>("select reloptions from pg_class where relname = 'fhir_resources_identifiers'");
  assert.deepEqual(r.rows[0]?.reloptions, ['fastupdate=off']);
  await env.db.query(
    `insert into fhir_resources (id, resource_type, resource, identifiers, content_hash, recorded_by)
     values (gen_random_uuid(), 'Observation', '{"resourceType":"Observation"}', '{urn:test|gin-1}', 'h', 'test')`);
  // With fastupdate on, the new entry would wait in the pending list (one page to merge here).
  const pending = await env.db.query<{ n: number }>("select gin_clean_pending_list('fhir_resources_identifiers'::regclass)::int as n");
  assert.equal(pending.rows[0]!.n, 0);
});
