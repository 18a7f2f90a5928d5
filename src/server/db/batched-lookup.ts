import type { Db } from './port.js';

/*
 * Lookups by key from concurrent requests, read together in one statement (issue 15). Gateways
 * post many small requests at once, each naming its patient or device by identifier; a statement
 * per request outside the group commit that then writes them cost throughput for no other reason
 * (bench/README.md, "Round 22" for patients named in single creates, "Round 24" for the Patient
 * and Device entries of PHD Bundles). A lookup waits for the next statement to start, never joins
 * one already sent: it always sees what was committed before it was asked. Lookups of different
 * scopes (an organisation whose devices or care relations are asked about) never share a statement.
 */

interface Waiter<V> {
  key: string;
  resolve(v: V | undefined): void;
  reject(err: unknown): void;
}
interface Queue<V> {
  waiting: Waiter<V>[];
  running: boolean;
}

/** Keys per shared statement at most. */
const MAX_BATCH = 1000;

/**
 * A lookup by key whose concurrent calls on one database and scope are read by one call of `read`.
 * @param read the values of the keys asked for (a key it leaves out resolves to undefined)
 * @returns `(db, scope, key)` resolving to the key's value
 */
export function batchedLookup<V>(
  read: (db: Db, scope: string, keys: string[]) => Promise<ReadonlyMap<string, V>>,
): (db: Db, scope: string, key: string) => Promise<V | undefined> {
  const queues = new WeakMap<Db, Map<string, Queue<V>>>();
  const pump = (db: Db, scope: string, q: Queue<V>): void => {
    if (q.running || q.waiting.length === 0) return;
    const batch = q.waiting.splice(0, MAX_BATCH);
    q.running = true;
    read(db, scope, [...new Set(batch.map((w) => w.key))]).then(
      (found) => batch.forEach((w) => w.resolve(found.get(w.key))),
      (err: unknown) => batch.forEach((w) => w.reject(err)),
    ).finally(() => {
      q.running = false;
      pump(db, scope, q);
    });
  };
  return (db, scope, key) => {
    let byScope = queues.get(db);
    if (!byScope) queues.set(db, (byScope = new Map()));
    let q = byScope.get(scope);
    if (!q) byScope.set(scope, (q = { waiting: [], running: false }));
    const queue = q;
    return new Promise((resolve, reject) => {
      queue.waiting.push({ key, resolve, reject });
      pump(db, scope, queue);
    });
  };
}
