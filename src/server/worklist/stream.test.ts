import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

const env = useTestServer();

/** Reads SSE events from a live stream until `want` worklist events arrived or time is up. */
async function collect(cookie: string, want: number, act: () => Promise<void>, ms = 3000): Promise<{ patientId: string; reason: string; zone: string | null }[]> {
  const ctl = new AbortController();
  const res = await fetch(`${env.server.url}/api/worklist/stream`, { headers: { cookie }, signal: ctl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const events: { patientId: string; reason: string; zone: string | null }[] = [];
  let buf = '';
  const deadline = Date.now() + ms;
  const first = await reader.read(); // ': connected' — the subscription is live from here
  buf += new TextDecoder().decode(first.value);
  await act();
  while (events.length < want && Date.now() < deadline) {
    const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), deadline - Date.now()))]);
    if (!r || r.done) break;
    buf += new TextDecoder().decode(r.value);
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.startsWith('event: worklist')) events.push(JSON.parse(block.split('\ndata: ')[1]!));
    }
  }
  ctl.abort();
  return events;
}

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
