import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ctx } from '../context.js';
import type { Db } from '../db/port.js';
import { GroupQueues, waitingAtLeast, type QueuedJob } from './queue.js';

/*
 * On PostgreSQL a second group of the same caller starts while one is writing only when the
 * waiting writes are worth it (combiner.ts: 16 readings waiting, a third group 32, a fourth 48);
 * small writes wait and collect into the next group instead.
 */
interface Job extends QueuedJob<number> {
  size: number;
}

function harness(
  maxRunning = 2,
  worthAnother: (queue: Job[], running: number) => boolean = (queue) => queue.reduce((n, j) => n + j.size, 0) >= 100,
) {
  const db = { kind: 'postgres' } as Db;
  let running = 0;
  let most = 0;
  const groups: number[][] = [];
  const release: (() => void)[] = [];
  const queues = new GroupQueues<Job, number>(
    (queue) => queue.splice(0, 3),
    async (_ctx, group) => {
      running++;
      most = Math.max(most, running);
      groups.push(group.map((j) => j.size));
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
      return group.map((j) => j.size);
    },
    maxRunning,
    worthAnother,
  );
  const submit = (size: number, key = 'client') =>
    new Promise<number>((resolve, reject) => queues.submit(db, key, { ctx: {} as Ctx, size, resolve, reject }));
  const drain = async () => {
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { submit, drain, stats: () => ({ most, groups }) };
}

test('small writes wait for the running group and go together in the next one', async () => {
  const h = harness();
  const all = [h.submit(1), h.submit(1), h.submit(1), h.submit(1)];
  await new Promise((r) => setImmediate(r));
  await h.drain();
  assert.deepEqual(await Promise.all(all), [1, 1, 1, 1]);
  assert.equal(h.stats().most, 1);
  assert.deepEqual(h.stats().groups, [[1], [1, 1, 1]]);
});

test('a backlog of large writes gets a second group beside the running one', async () => {
  const h = harness();
  const all = [h.submit(100), h.submit(100), h.submit(100)];
  await new Promise((r) => setImmediate(r));
  await h.drain();
  assert.deepEqual(await Promise.all(all), [100, 100, 100]);
  assert.equal(h.stats().most, 2);
});

test('each further group needs more waiting: a backlog of large uploads spreads over four', async () => {
  const h = harness(4, waitingAtLeast(16, (j: Job) => j.size));
  const all = [100, 100, 100, 100, 100].map((n) => h.submit(n));
  await new Promise((r) => setImmediate(r));
  assert.equal(h.stats().most, 4);
  await h.drain();
  assert.deepEqual(await Promise.all(all), [100, 100, 100, 100, 100]);
  assert.deepEqual(h.stats().groups, [[100], [100], [100], [100], [100]]);
});

test('small writes start a second group from 16 waiting and a third only from 32', async () => {
  const h = harness(4, waitingAtLeast(16, (j: Job) => j.size));
  // 1st alone; 2nd: 20 waiting ≥ 16 beside one; 3rd: 20 < 32 beside two, waits; 4th: 40 ≥ 32,
  // a third group of both; 5th: 20 < 48 beside three, waits for a group to finish.
  const all = [20, 20, 20, 20, 20].map((n) => h.submit(n));
  await new Promise((r) => setImmediate(r));
  assert.equal(h.stats().most, 3);
  assert.deepEqual(h.stats().groups, [[20], [20], [20, 20]]);
  await h.drain();
  assert.deepEqual(await Promise.all(all), [20, 20, 20, 20, 20]);
  assert.deepEqual(h.stats().groups, [[20], [20], [20, 20], [20]]);
});

test('groups beyond two per caller are shared by the process: two busy callers hold six connections, not eight', async () => {
  const h = harness(4, waitingAtLeast(16, (j: Job) => j.size));
  const all = [...[1, 2, 3, 4, 5].map(() => h.submit(100, 'a')), ...[1, 2, 3, 4, 5].map(() => h.submit(100, 'b'))];
  await new Promise((r) => setImmediate(r));
  assert.equal(h.stats().most, 6);
  await h.drain();
  assert.equal((await Promise.all(all)).length, 10);
  assert.equal(h.stats().groups.flat().length, 10);
  assert.ok(h.stats().groups.every((g) => g.length <= 3));
});
