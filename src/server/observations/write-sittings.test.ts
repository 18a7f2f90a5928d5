import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { useTestServer } from '../testing/server.js';
import { writeSittings } from './repo.js';

/*
 * writeSittings sends a group's audit events and NOTIFY payloads as one json text each (round 20).
 * Whatever an event's details or a payload hold, the audit row holds the same details and the
 * listener gets the same payload text, in order — on both stores.
 */
const env = useTestServer({ dbOnly: true });

// Strings with what JSON and array literals treat specially: quotes, backslashes, braces, commas,
// control characters, non-ASCII and astral characters, 'null'.
const tricky = fc.oneof(
  fc.string(),
  fc.constantFrom('"', '\\', '\\"', '{}', 'a,b', 'null', 'NULL', '\n\t\r', 'ø æ å', '😀', ' ', '', '\u0001', '[1,2]'),
);
const details = fc.dictionary(fc.constantFrom('ids', 'source', 'note', 'replayOf', 'x y'), fc.oneof(tricky, fc.array(tricky, { maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 });

test('writeSittings: audit details and notification payloads arrive exactly as given', async () => {
  const channel = `varde_test_${randomUUID().replace(/-/g, '')}`;
  const got: string[] = [];
  const unlisten = await env.db.listen(channel, (p) => got.push(p));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ action: fc.constantFrom('create' as const, 'read' as const), details }), { maxLength: 6 }),
        fc.array(fc.record({ type: fc.constantFrom('observation', 'alert'), text: tricky, n: fc.integer() }), { maxLength: 4 }),
        async (events, payloadObjects) => {
          const actorId = `write-sittings-${randomUUID()}`;
          const patientId = randomUUID();
          const payloads = [...new Set(payloadObjects.map((p) => JSON.stringify(p)))];
          got.length = 0;
          await env.db.tx((tx) =>
            writeSittings(tx, {
              observations: [],
              resolveMissing: [],
              resolvedAt: new Date(),
              audit: {
                actor: { actorKind: 'client', actorId, actorName: 'test "gateway"', organisationId: null, role: null, route: 'POST /x' },
                events: events.map((e) => ({ ...e, patientId })),
              },
              notify: { channel, payloads },
            }),
          );
          const rows = await env.db.query<{ action: string; patient_id: string; details: unknown; actor_name: string }>(
            'select action, patient_id::text, details, actor_name from audit_events where actor_id = $1 order by id',
            [actorId],
          );
          // Through JSON: fast-check's dictionaries have no prototype, the rows' objects do.
          assert.deepEqual(rows.rows.map((r) => ({ action: r.action, details: r.details })), JSON.parse(JSON.stringify(events.map((e) => ({ action: e.action, details: e.details })))));
          assert.ok(rows.rows.every((r) => r.patient_id === patientId && r.actor_name === 'test "gateway"'));
          // Notifications are delivered after the commit; wait for as many as were sent.
          for (let i = 0; i < 100 && got.length < payloads.length; i++) await new Promise((r) => setTimeout(r, 10));
          assert.deepEqual(got, payloads);
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    await unlisten();
  }
});
