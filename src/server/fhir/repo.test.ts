import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { useTestServer } from '../testing/server.js';
import { FHIR_COLS, insertFhirResource, insertFhirResources, type NewFhirResource } from './repo.js';

/*
 * insertFhirResources sends its rows as one json array with each resource's text spliced in, not
 * as one parameter per column: a row stored through it must be the row insertFhirResource (plain
 * parameters) stores, whatever the text holds.
 */

const env = useTestServer({ noServer: true });

// What a posted resource's strings can hold: quotes, backslashes, braces, commas, control
// characters (escaped in JSON), NUL-free unicode.
const text = fc.oneof(
  fc.constantFrom('', 'a "quoted" word', 'back\\slash', '{braces}, commas', 'line\nbreak\ttab', 'æøå ÆØÅ 🙂', 'NULL', ' '),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\0/g, '')),
);
const list = fc.array(text, { maxLength: 3 });
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const row = fc.record({
  note: text,
  status: optional(text),
  codes: list,
  identifiers: list,
  categories: list,
  effective_at: optional(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })),
  effective_precision: optional(fc.constantFrom('second', 'day', 'month')),
  // Exact decimals as posted: trailing zeros, many digits, exponents.
  value_num: optional(fc.constantFrom('0.10', '37.50', '-4', '123456789.123456789', '1E+3', '0')),
  value_unit: optional(text),
  triage: fc.constantFrom('live', 'history', 'none', 'retracted') as fc.Arbitrary<NewFhirResource['triage']>,
  triage_note: optional(text),
  recorded_by: text,
  decimal: fc.constantFrom('97.50', '1e2', '0.000001', '-0'),
});

test('insertFhirResources stores each row exactly as insertFhirResource does (texts, lists, exact numbers, times, nulls), in one statement or several', async () => {
  const pick = (x: Record<string, unknown>) => {
    const { id: _id, content_hash: _h, received_at: _r, last_updated: _l, ...rest } = x;
    return rest;
  };
  await fc.assert(
    // Rows per statement: all (the default bound), one, or a few (a bound in characters of JSON).
    fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 4 }), fc.constantFrom(undefined, 1, 600), async (rs, maxJson) => {
      const make = (r: (typeof rs)[number]): NewFhirResource => ({
        id: randomUUID(), resource_type: 'Observation', patient_id: env.f.patient.id, organisation_id: env.f.orgs.muniA,
        // Resource text as the FHIR layer makes it: JSON, numbers as posted.
        resource_text: `{"resourceType":"Observation","note":[{"text":${JSON.stringify(r.note)}}],"valueQuantity":{"value":${r.decimal}}}`,
        status: r.status, codes: r.codes, identifiers: r.identifiers, categories: r.categories, effective_at: r.effective_at,
        effective_precision: r.effective_precision, value_num: r.value_num, value_unit: r.value_unit, device_id: null,
        content_hash: randomUUID(), observation_ids: [randomUUID()], triage: r.triage, triage_note: r.triage_note, recorded_by: r.recorded_by,
      });
      const one = rs.map(make);
      const many = rs.map(make);
      await env.db.tx(async (tx) => {
        for (const r of one) await insertFhirResource(tx, r);
        const back = await insertFhirResources(tx, many, maxJson);
        assert.deepEqual(back.map((b) => b.id), many.map((m) => m.id), 'one answer per row, in order');
        const read = async (ids: string[]) => (await tx.query<Record<string, unknown>>(
          `select ${FHIR_COLS}, resource::text as resource_text from fhir_resources where id = any($1::uuid[]) order by array_position($1::uuid[], id)`, [ids])).rows.map(pick);
        const a = await read(one.map((r) => r.id));
        const b = await read(many.map((r) => r.id));
        assert.deepEqual(b.map((x) => ({ ...x, observation_ids: undefined })), a.map((x) => ({ ...x, observation_ids: undefined })));
        assert.deepEqual(b.map((x) => x.observation_ids), many.map((m) => m.observation_ids));
        await tx.query('delete from fhir_resources where id = any($1::uuid[])', [[...one, ...many].map((r) => r.id)]);
      });
    }),
    { numRuns: 60 },
  );
});
