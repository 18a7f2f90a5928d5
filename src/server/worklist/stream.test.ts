import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../db/port.js';
import type { Server } from '../server.js';
import { testDb } from '../testing/db.js';
import { cookiesFor, seedFixture, type Fixture } from '../testing/fixtures.js';
import { startTestServer } from '../testing/server.js';

let db: Db;
let server: Server;
let f: Fixture;
let c: Awaited<ReturnType<typeof cookiesFor>>;

before(async () => {
  db = await testDb();
  f = await seedFixture(db);
  c = await cookiesFor(db, f);
  server = await startTestServer(db);
});
after(async () => {
  await server.close();
  await db.close();
});

/** Reads SSE events from a live stream until `want` worklist events arrived or time is up. */
async function collect(cookie: string, want: number, act: () => Promise<void>, ms = 3000): Promise<{ patientId: string; reason: string; zone: string | null }[]> {
  const ctl = new AbortController();
  const res = await fetch(`${server.url}/api/worklist/stream`, { headers: { cookie }, signal: ctl.signal });
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
    const r = await fetch(`${server.url}/api/me/observations`, {
      method: 'POST', headers: { cookie: c.patient, 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey: 'stream-0001', measurements: [{ code: 'spo2', value: 84 }] }),
    });
    assert.equal(r.status, 201);
  };
  const [mine, theirs] = await Promise.all([collect(c.nurseA, 1, record), collect(c.nurseB, 1, async () => undefined, 1000)]);
  assert.deepEqual(mine, [{ patientId: f.patient.id, reason: 'alert', zone: 'red' }]);
  assert.deepEqual(theirs, []);
});
