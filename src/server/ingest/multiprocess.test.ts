import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnServer, type ChildServer } from '../../sim/child-server.js';
import { cookiesFor, type Fixture } from '../testing/fixtures.js';
import { TEST_DB_KIND } from '../testing/db.js';
import { blockData, openWorklistStream } from '../testing/sse.js';
import { deviceToken, seedDeviceSetting, sharedDb, type SharedDb } from './fault-helpers.js';

/*
 * App servers are stateless: N of them run on one PostgreSQL behind a load balancer, and a clinic
 * screen connected to any of them hears about alerts raised through any other (LISTEN/NOTIFY).
 * Two real processes here: a device uploads to A, the nurse's SSE stream is on B.
 * PGlite is embedded in one process, so there is nothing to test there.
 */

const skip = TEST_DB_KIND !== 'postgres' ? 'needs PostgreSQL (VARDE_TEST_DB=postgres): PGlite lives inside one process' : false;

let shared: SharedDb | undefined;
let a: ChildServer | undefined;
let b: ChildServer | undefined;
let f: Fixture;
let cookies: Awaited<ReturnType<typeof cookiesFor>>;
let client: { clientId: string; clientSecret: string };

before(async () => {
  if (skip) return;
  shared = await sharedDb();
  const db = await shared.open();
  ({ f, client } = await seedDeviceSetting(db, 0));
  cookies = await cookiesFor(db, f);
  await db.close();
  [a, b] = await Promise.all([spawnServer(shared.env), spawnServer(shared.env)]);
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await shared?.destroy();
});

/** Opens the worklist stream and returns a reader of its `worklist` events. */
async function openStream(base: string, cookie: string) {
  const stream = await openWorklistStream(base, cookie);
  const events: { patientId: string; reason: string; zone: string | null }[] = [];
  return {
    /** Waits until `want` events arrived or `ms` passed; returns what arrived. */
    async take(want: number, ms: number) {
      await stream.read((block) => {
        if (block.startsWith('event: worklist')) events.push(blockData(block) as (typeof events)[number]);
      }, () => events.length >= want, Date.now() + ms);
      return events;
    },
    close: () => stream.close(),
  };
}

test('an alert raised through process A reaches a nurse connected to process B, and only the care team', { skip, timeout: 60_000 }, async () => {
  const onB = await openStream(b!.url, cookies.nurseA);
  const otherOrgOnB = await openStream(b!.url, cookies.nurseB);
  const onA = await openStream(a!.url, cookies.nurseA);
  try {
    const token = await deviceToken(a!.url, client);
    const res = await fetch(`${a!.url}/api/ingest/observations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sentAt: new Date().toISOString(),
        readings: [{ readingId: 'mp-1', patientId: f.patient.id, effectiveAt: new Date(Date.now() - 60_000).toISOString(), measurements: [{ code: 'spo2', value: 83 }] }],
      }),
    });
    assert.equal(res.status, 201, await res.text());
    const expected = [{ patientId: f.patient.id, reason: 'alert', zone: 'red' }];
    assert.deepEqual(await onB.take(1, 5000), expected, 'process B streams the alert raised through A');
    assert.deepEqual(await onA.take(1, 5000), expected, 'and A streams it too');
    assert.deepEqual(await otherOrgOnB.take(1, 500), [], 'a nurse of another municipality hears nothing');
  } finally {
    onA.close();
    onB.close();
    otherOrgOnB.close();
  }
});
