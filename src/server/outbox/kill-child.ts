/**
 * Test helper (never imported by production code): runs an outbox worker in its own process so
 * outbox.kill.test.ts can kill it with SIGKILL in the middle of a delivery and start another.
 * Env: OUTBOX_DB (`pglite:<dir>` or a postgres:// URL), OUTBOX_WORKER_ID, OUTBOX_LEASE_MS.
 * Prints one JSON line per round and exits 0 when nothing is left to deliver.
 */
import { openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import { OutboxWorker } from './worker.js';

const target = process.env.OUTBOX_DB ?? '';
const db = target.startsWith('pglite:') ? await openPglite(target.slice('pglite:'.length)) : await openPostgres(target, { max: 2 });
const worker = new OutboxWorker(db, {
  id: process.env.OUTBOX_WORKER_ID ?? 'child',
  leaseMs: Number(process.env.OUTBOX_LEASE_MS ?? 3000),
  requestTimeoutMs: 1500,
  backoff: { baseMs: 20, maxMs: 100 },
  maxAttempts: 1000,
});
process.stdout.write(`${JSON.stringify({ started: worker.id })}\n`);
for (;;) {
  const r = await worker.tick();
  process.stdout.write(`${JSON.stringify(r)}\n`);
  const left = await db.query<{ n: number }>(`select count(*)::int as n from outbox where status = 'pending'`);
  if (left.rows[0]!.n === 0) break;
  await new Promise((res) => setTimeout(res, 50));
}
await worker.stop();
await db.close();
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
