import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import pg from 'pg';
import { migrate } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';
import type { Db } from '../db/port.js';
import { openPostgres } from '../db/postgres.js';
import { TEST_DB_KIND } from '../testing/db.js';
import { LocalReceiver } from './local-receiver.js';
import { dropDatabase } from '../testing/pg-cluster.js';

/*
 * The worker survives kill -9: a worker process is killed with SIGKILL while a delivery is in
 * flight (the receiver has the document, the worker never hears back), a new worker process
 * takes over when the dead one's lease runs out, and the receiver — which keeps one document per
 * idempotency key — ends with every document exactly once. Runs on PGlite (a data directory the
 * processes open in turn) and on PostgreSQL (a database of its own), like the rest of the suite.
 */

const CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A store the child processes can open too: its address and a way to open it here. */
async function sharedStore(): Promise<{ target: string; open(): Promise<Db> }> {
  if (TEST_DB_KIND === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'varde-outbox-kill-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    return { target: `pglite:${dir}`, open: () => openPglite(dir) };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `varde_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  cleanups.push(() => dropDatabase(adminUrl, name));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { target: url.href, open: () => openPostgres(url.href, { max: 2 }) };
}

function startWorker(target: string, id: string): { child: ChildProcess; exited: Promise<{ code: number | null; signal: string | null; out: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, OUTBOX_DB: target, OUTBOX_WORKER_ID: id, OUTBOX_LEASE_MS: '3000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; out: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, out })),
  );
  return { child, exited };
}

test('a worker killed with -9 mid-delivery is replaced and every document arrives exactly once', async () => {
  const receiver = new LocalReceiver();
  const listening = await receiver.listen();
  cleanups.push(() => listening.close());
  const store = await sharedStore();

  // Five documents for one receiver, written as the clinical transactions would.
  let db = await store.open();
  await migrate(db);
  const org = (await db.query<{ id: string }>(`insert into organisations (org_number, name, kind, helsefellesskap) values ('900000001','Kommune A','municipality','Test') returning id`)).rows[0]!.id;
  const rid = (await db.query<{ id: string }>(`insert into integration_receivers (organisation_id, kind, url) values ($1,'vkp',$2) returning id`, [org, `${listening.url}/vkp`])).rows[0]!.id;
  const keys = [1, 2, 3, 4, 5].map((i) => `kill-test-${i}`);
  for (const [i, key] of keys.entries()) {
    await db.query(
      `insert into outbox (receiver_id, document_kind, idempotency_key, content_type, body, next_attempt_at, created_at)
       values ($1,'test-doc',$2,'application/fhir+json',$3, now() - make_interval(secs => $4), now())`,
      [rid, key, JSON.stringify({ resourceType: 'Bundle', id: key }), 10 - i],
    );
  }
  if (db.kind === 'pglite') await db.close(); // one process at a time holds a PGlite directory

  // Kill the first worker while its third delivery is in flight: the receiver has stored the
  // document and holds the answer back.
  const first = startWorker(store.target, 'first');
  let killedOn: string | null = null;
  receiver.onRequest = (key) => {
    if (receiver.requests === 3 && !killedOn) {
      killedOn = key;
      receiver.setMode({ delayMs: 1_500 });
      first.child.kill('SIGKILL');
    }
  };
  const r1 = await first.exited;
  assert.equal(r1.signal, 'SIGKILL', r1.out);
  // Usually the third document; on a loaded machine an earlier one may have timed out and come again.
  assert.ok(killedOn && keys.includes(killedOn));
  const cut: string = killedOn;
  receiver.onRequest = undefined;
  receiver.setMode({ delayMs: 0 });

  const second = startWorker(store.target, 'second');
  const r2 = await second.exited;
  assert.equal(r2.code, 0, r2.out);

  // Every document kept, once per key; the cut delivery came again and was answered as a duplicate.
  assert.deepEqual([...receiver.documents.keys()].sort(), keys);
  assert.ok(receiver.documents.get(cut)!.deliveries >= 2);

  if (db.kind === 'pglite') db = await store.open();
  const rows = (await db.query<{ idempotency_key: string; status: string; attempts: number }>('select idempotency_key, status, attempts from outbox order by idempotency_key')).rows;
  assert.deepEqual(rows.map((r) => r.status), ['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
  // The killed attempt counted: nothing is retried for ever behind a crash loop.
  assert.ok(rows.find((r) => r.idempotency_key === cut)!.attempts >= 2);
  await db.close();
});

test('two worker processes on one database: one delivers at a time, each document once', { skip: TEST_DB_KIND === 'pglite' ? 'PGlite is one process: several app nodes need PostgreSQL' : false }, async () => {
  const receiver = new LocalReceiver();
  const listening = await receiver.listen();
  cleanups.push(() => listening.close());
  const store = await sharedStore();
  const db = await store.open();
  await migrate(db);
  const org = (await db.query<{ id: string }>(`insert into organisations (org_number, name, kind, helsefellesskap) values ('900000001','Kommune A','municipality','Test') returning id`)).rows[0]!.id;
  const rid = (await db.query<{ id: string }>(`insert into integration_receivers (organisation_id, kind, url) values ($1,'vkp',$2) returning id`, [org, `${listening.url}/vkp`])).rows[0]!.id;
  const keys = Array.from({ length: 12 }, (_, i) => `two-workers-${String(i).padStart(2, '0')}`);
  for (const key of keys) {
    await db.query(
      `insert into outbox (receiver_id, document_kind, idempotency_key, content_type, body, next_attempt_at, created_at) values ($1,'test-doc',$2,'application/fhir+json',$3, now() - interval '1 minute', now())`,
      [rid, key, JSON.stringify({ resourceType: 'Bundle', id: key })],
    );
  }
  // Each answer takes a while, so two deliverers would overlap at the receiver.
  receiver.setMode({ delayMs: 60 });
  const [a, b] = [startWorker(store.target, 'node-a'), startWorker(store.target, 'node-b')];
  const [ra, rb] = await Promise.all([a.exited, b.exited]);
  assert.equal(ra.code, 0, ra.out);
  assert.equal(rb.code, 0, rb.out);
  assert.equal(receiver.maxInFlight, 1, 'never two deliveries at once');
  assert.deepEqual([...receiver.documents.keys()].sort(), keys);
  assert.ok([...receiver.documents.values()].every((d) => d.deliveries === 1));
  assert.equal((await db.query<{ n: number }>(`select count(*)::int as n from outbox where status = 'delivered'`)).rows[0]!.n, keys.length);
  await db.close();
});
