import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';
import { worklistEvents } from '../testing/sse.js';

const env = useTestServer();

/** Reads SSE events from a live stream until `want` worklist events arrived or time is up. */
const collect = (cookie: string, want: number, act: () => Promise<void>, ms?: number) => worklistEvents(env.server, cookie, want, act, ms);

test('a red reading reaches the live worklist of the care team, not other municipalities', async () => {
  const record = async () => {
    const r = await fetch(`${env.server.url}/api/me/observations`, {
      method: 'POST', headers: { cookie: env.c.patient, 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey: 'stream-0001', measurements: [{ code: 'spo2', value: 84 }] }),
    });
    assert.equal(r.status, 201);
  };
  const [mine, theirs] = await Promise.all([collect(env.c.nurseA, 1, record), collect(env.c.nurseB, 1, async () => undefined, 1000)]);
  assert.deepEqual(mine, [{ patientId: env.f.patient.id, reason: 'alert', zone: 'red' }]);
  assert.deepEqual(theirs, []);
});
