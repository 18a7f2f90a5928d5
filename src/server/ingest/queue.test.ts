import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ctx } from '../context.js';
import type { Db } from '../db/port.js';
import { GroupQueues, type QueuedJob } from './queue.js';

/*
 * On PostgreSQL a second group of the same caller starts while one is writing only when the
 * waiting writes are worth it (combiner.ts: 16 readings waiting); small writes wait
 * and collect into the next group instead.
 */
interface Job extends QueuedJob<number> {
  size: number;
}

function harness() {
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
    2,
    (queue) => queue.reduce((n, j) => n + j.size, 0) >= 100,
  );
  const submit = (size: number) =>
    new Promise<number>((resolve, reject) => queues.submit(db, 'client', { ctx: {} as Ctx, size, resolve, reject }));
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
