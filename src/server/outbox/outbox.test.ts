import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { personnelCookie } from '../testing/fixtures.js';
import { countRows, useTestServer } from '../testing/server.js';
import { DEFAULT_BACKOFF, isRetryable, retryAfterMs, retryDelayMs } from './backoff.js';
import type { LocalReceiver } from './local-receiver.js';
import { localReceiverOf } from './routes.js';
import { enqueue } from './service.js';
import { OutboxWorker } from './worker.js';

const env = useTestServer();
let admin: string;
let receiver: LocalReceiver;
// Starts at the real time: the server (resend) stamps with its own clock.
let clock = new Date();
const now = () => clock;
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

// Lazily, after useTestServer's own set-up (root hooks of one file do not wait for each other here).
let ready: Promise<void> | undefined;
const setup = () => (ready ??= (async () => {
  const adminId = (await env.db.query<{ id: string }>(`insert into personnel (hpr_number, name) values ('1000009','Admin A') returning id`)).rows[0]!.id;
  await env.db.query(`insert into memberships values ($1,$2,'admin')`, [adminId, env.f.orgs.muniA]);
  admin = await personnelCookie(env.db, adminId, env.f.orgs.muniA, 'admin');
  receiver = localReceiverOf(env.server.app)!;
  assert.ok(receiver, 'the dev receiver is mounted outside production');
})());

const worker = (opts: Partial<ConstructorParameters<typeof OutboxWorker>[1]> = {}) =>
  new OutboxWorker(env.db, { id: 'main', now, random: () => 0.5, leaseMs: 30_000, requestTimeoutMs: 2_000, ...opts });

/** Writes one test document for municipality A in its own transaction. */
async function enqueueDoc(key: string, opts: { rollback?: boolean; build?: () => string } = {}) {
  return env.db.tx(async (tx) => {
    const r = await enqueue(tx, {
      organisationId: env.f.orgs.muniA, receiverKind: 'vkp', documentKind: 'test-doc', idempotencyKey: key,
      patientId: env.f.patient.id, source: { test: key }, contentType: 'application/fhir+json',
      build: opts.build ?? (() => JSON.stringify({ resourceType: 'Bundle', id: key })), at: clock,
    });
    if (opts.rollback) throw new Error('clinical write failed');
    return r;
  }).catch((e: Error) => (e.message === 'clinical write failed' ? 'rolled back' : Promise.reject(e)));
}

const status = async (key: string) => (await env.db.query<{ status: string; attempts: number; last_status: number | null; next_attempt_at: Date }>(
  'select status, attempts, last_status, next_attempt_at from outbox where idempotency_key = $1', [key])).rows[0];

test('receivers: administrators only; without a receiver, or with it off, nothing is queued', async () => {
  await setup();
  assert.equal((await enqueueDoc('none-yet')), null);
  const put = (cookie: string, body: unknown, kind = 'vkp') => env.call('PUT', `/api/admin/receivers/${kind}`, cookie, body);
  const body = { url: `${env.server.url}/dev/receiver/vkp`, helseIdClientId: 'varde-kommune-a-vkp', enabled: false };
  assert.equal((await put(env.c.nurseA, body)).status, 403);
  assert.equal((await put(env.c.coordinator, body)).status, 403);
  assert.equal((await put(admin, body, 'fax')).status, 400);
  assert.equal((await put(admin, { ...body, url: 'ftp://x' })).status, 400);
  const auditBefore = await countRows(env.db, `audit_events where resource_type = 'IntegrationReceiver'`);
  const r = await put(admin, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(await countRows(env.db, `audit_events where resource_type = 'IntegrationReceiver'`), auditBefore + 1);
  assert.equal(await enqueueDoc('while-disabled'), null);
  assert.equal(await countRows(env.db, 'outbox'), 0);
  assert.equal((await put(admin, { ...body, enabled: true })).status, 200);
  const list = await env.call('GET', '/api/admin/receivers', admin);
  assert.deepEqual((list.body!.receivers as { kind: string; enabled: boolean }[]).map((x) => [x.kind, x.enabled]), [['vkp', true]]);
});

test('the outbox row commits with the clinical transaction, or not at all', async () => {
  await setup();
  assert.equal(await enqueueDoc('rolled-back', { rollback: true }), 'rolled back');
  assert.equal(await status('rolled-back'), undefined);
  const r = await enqueueDoc('tx-1');
  assert.ok(r && typeof r === 'object');
  // The same event enqueued twice is one message.
  assert.equal(await enqueueDoc('tx-1'), null);
  assert.equal(await countRows(env.db, `outbox where idempotency_key = 'tx-1'`), 1);
});

test('delivered with its idempotency key; a receiver down for a while gets it later, once', async () => {
  await setup();
  const w = worker();
  let r = await w.tick();
  assert.equal(r.delivered, 1);
  assert.equal(receiver.documents.get('tx-1')!.deliveries, 1);
  assert.equal((await status('tx-1'))!.status, 'delivered');

  await enqueueDoc('down-1');
  receiver.setMode({ down: true });
  const waits: number[] = [];
  for (let i = 1; i <= 4; i++) {
    r = await w.tick();
    assert.equal(r.retried, 1, `attempt ${i}`);
    const s = (await status('down-1'))!;
    assert.equal(s.attempts, i);
    waits.push(s.next_attempt_at.getTime() - clock.getTime());
    // Not due before its time: a tick now sends nothing.
    assert.equal((await w.tick()).retried, 0);
    advance(waits[waits.length - 1]!);
  }
  // random() = 0.5: three quarters of 5 s, 10 s, 20 s, 40 s.
  assert.deepEqual(waits, [3_750, 7_500, 15_000, 30_000]);
  receiver.setMode({ down: false, failStatus: 503 });
  assert.equal((await w.tick()).retried, 1);
  assert.equal((await status('down-1'))!.last_status, 503);
  advance(60_000);
  receiver.setMode({ failStatus: null });
  assert.equal((await w.tick()).delivered, 1);
  assert.equal(receiver.documents.get('down-1')!.deliveries, 1);
  assert.equal((await status('down-1'))!.attempts, 6);
});

test('a slow receiver is abandoned at the timeout and the retry is kept once', async () => {
  await setup();
  await enqueueDoc('slow-1');
  receiver.setMode({ delayMs: 1_000 });
  const w = worker({ requestTimeoutMs: 100 });
  assert.equal((await w.tick()).retried, 1);
  receiver.setMode({ delayMs: 0 });
  advance(10_000);
  // The same worker id with a timeout a loaded machine cannot hit by accident.
  assert.equal((await worker().tick()).delivered, 1);
  // It reached the receiver twice (the first answer came too late) and was kept once.
  assert.equal(receiver.documents.get('slow-1')!.deliveries, 2);
  assert.equal([...receiver.documents.keys()].filter((k) => k === 'slow-1').length, 1);
});

test('only one worker delivers at a time; a stopped one hands over', async () => {
  await setup();
  await enqueueDoc('lease-1');
  await worker().stop(); // the earlier tests' worker gives its lease up
  const a = worker({ id: 'a' });
  const b = worker({ id: 'b' });
  const [ra, rb] = [await a.tick(), await b.tick()];
  assert.equal(ra.leader, true);
  assert.equal(rb.leader, false);
  assert.equal(ra.delivered + rb.delivered, 1);
  await a.stop();
  assert.equal((await b.tick()).leader, true);
  // A worker that died holding the lease is replaced once it runs out.
  const c = worker({ id: 'c' });
  assert.equal((await c.tick()).leader, false);
  advance(31_000);
  assert.equal((await c.tick()).leader, true);
  await c.stop();
});

test('dead letters: refused documents at once, failing ones after N attempts; visible to the administrator and resent (audited)', async () => {
  await setup();
  await enqueueDoc('refused-1', { build: () => 'not json' });
  const w = worker({ maxAttempts: 3 });
  const first = await w.tick();
  assert.equal(first.dead, 1, JSON.stringify(first));
  assert.deepEqual(await status('refused-1').then((s) => [s!.status, s!.last_status, s!.attempts]), ['dead', 400, 1]);

  await enqueueDoc('failing-1');
  receiver.setMode({ failStatus: 500 });
  for (let i = 0; i < 3; i++) {
    await w.tick();
    advance(60_000);
  }
  assert.equal((await status('failing-1'))!.status, 'dead');
  receiver.setMode({ failStatus: null });

  // A document that failed to build is a dead letter too, and the clinical write still commits.
  await enqueueDoc('unbuildable-1', { build: () => { throw new Error('no observation'); } });
  assert.equal((await status('unbuildable-1'))!.status, 'dead');

  assert.equal((await env.call('GET', '/api/admin/outbox?status=dead', env.c.nurseA)).status, 403);
  assert.equal((await env.call('GET', '/api/admin/outbox?status=dead', env.c.patient)).status, 403);
  const list = await env.call('GET', '/api/admin/outbox?status=dead', admin);
  const dead = list.body!.messages as { id: string; status: string; lastError: string; attempts: number }[];
  assert.equal(dead.length, 3);
  assert.ok(dead.every((m) => m.status === 'dead' && m.lastError));
  assert.ok(!JSON.stringify(list.body).includes(env.f.patient.id), 'no patient data in the administrator\'s list');

  const failing = dead.find((m) => m.attempts === 3)!;
  assert.equal((await env.call('POST', `/api/admin/outbox/${failing.id}/resend`, env.c.nurseA)).status, 403);
  const otherAdmin = await (async () => {
    const id = (await env.db.query<{ id: string }>(`insert into personnel (hpr_number, name) values ('1000010','Admin B') returning id`)).rows[0]!.id;
    await env.db.query(`insert into memberships values ($1,$2,'admin')`, [id, env.f.orgs.muniB]);
    return personnelCookie(env.db, id, env.f.orgs.muniB, 'admin');
  })();
  assert.equal((await env.call('POST', `/api/admin/outbox/${failing.id}/resend`, otherAdmin)).status, 404, 'another organisation\'s messages are not found');
  const audits = await countRows(env.db, `audit_events where resource_type = 'OutboxMessage' and patient_id = $1`, [env.f.patient.id]);
  assert.equal((await env.call('POST', `/api/admin/outbox/${failing.id}/resend`, admin)).status, 204);
  assert.equal(await countRows(env.db, `audit_events where resource_type = 'OutboxMessage' and patient_id = $1`, [env.f.patient.id]), audits + 1);
  assert.equal((await env.call('POST', `/api/admin/outbox/${failing.id}/resend`, admin)).status, 409, 'only dead letters are resent');
  assert.equal((await w.tick()).delivered, 1);
  // The 500s were answered before anything was kept: it arrived once.
  assert.equal(receiver.documents.get('failing-1')!.deliveries, 1);
  // One that cannot be built again says so.
  const unbuildable = dead.find((m) => m.lastError.includes('could not be built'))!;
  assert.equal((await env.call('POST', `/api/admin/outbox/${unbuildable.id}/resend`, admin)).status, 409);
});

test('the local receiver: key required, same key with other content refused, listed for personnel only', async () => {
  await setup();
  const post = (headers: Record<string, string>, body: string) => fetch(`${env.server.url}/dev/receiver/vkp`, { method: 'POST', headers, body });
  assert.equal((await post({ 'content-type': 'application/fhir+json' }, '{}')).status, 400);
  assert.equal((await post({ 'content-type': 'application/fhir+json', 'idempotency-key': 'tx-1' }, '{"other":1}')).status, 422);
  assert.equal((await env.call('GET', '/dev/receiver/documents', null)).status, 401);
  assert.equal((await env.call('GET', '/dev/receiver/documents', env.c.patient)).status, 403);
  const l = await env.call('GET', '/dev/receiver/documents', env.c.nurseA);
  assert.ok((l.body!.documents as unknown[]).length >= 4);
});

test('back-off: exponential, capped, jittered within [half, full] of the planned delay', async () => {
  await setup();
  await setup();
  fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
    const d = retryDelayMs(attempt, DEFAULT_BACKOFF, () => r);
    const planned = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1));
    return d >= planned / 2 - 1 && d <= planned + 1 && retryDelayMs(attempt + 1, DEFAULT_BACKOFF, () => r) >= d;
  }));
  assert.deepEqual([undefined, 500, 503, 408, 429].map(isRetryable), [true, true, true, true, true]);
  assert.deepEqual([400, 401, 403, 404, 409, 422].map(isRetryable), [false, false, false, false, false, false]);
  assert.equal(retryAfterMs('120', clock), 120_000);
  assert.equal(retryAfterMs('Mon, 02 Mar 2026 09:00:05 GMT', new Date('2026-03-02T09:00:00Z')), 5_000);
});
