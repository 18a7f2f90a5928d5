import { writeFileSync } from 'node:fs';
import type { Db, Queryable, QueryOptions, QueryResult } from './port.js';

/*
 * Statement timing for profiling the write path (bench/README.md): with VARDE_DB_PROFILE=<file>
 * every statement's wall time (from sending it to its answer, so it includes waiting for a pooled
 * connection) is summed per statement text and written to <file>.<pid>.json when the process
 * exits. Off unless the variable is set; never used in tests or production.
 */

interface Stat { calls: number; ms: number; maxMs: number; rows: number; kB: number }

/** Wraps `db` so each statement's time is summed per SQL text; writes the table at process exit. */
export function profiled(db: Db, file: string): Db {
  const stats = new Map<string, Stat>();
  const time = (q: Queryable): Queryable => ({
    async query<T>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<T>> {
      const t0 = performance.now();
      let res: QueryResult<T> | undefined;
      try {
        return (res = await q.query<T>(sql, params, opts));
      } finally {
        const ms = performance.now() - t0;
        const key = sql.replace(/\s+/g, ' ').trim().slice(0, 160);
        const s = stats.get(key) ?? { calls: 0, ms: 0, maxMs: 0, rows: 0, kB: 0 };
        s.calls++;
        s.ms += ms;
        s.maxMs = Math.max(s.maxMs, ms);
        // What the server parsed from the answer: rows, and their size as JSON (outside the timing).
        s.rows += res?.rows.length ?? 0;
        s.kB += res ? JSON.stringify(res.rows).length / 1024 : 0;
        stats.set(key, s);
      }
    },
  });
  const txStat = { calls: 0, ms: 0, maxMs: 0, rows: 0, kB: 0 };
  stats.set('(whole transactions, begin to commit)', txStat);
  process.once('exit', () => {
    const rows = [...stats].map(([sql, s]) => ({ sql, ...s, avgMs: s.calls ? s.ms / s.calls : 0 })).sort((a, b) => b.ms - a.ms);
    writeFileSync(`${file}.${process.pid}.json`, JSON.stringify(rows, null, 1));
  });
  return {
    kind: db.kind,
    query: time(db).query,
    async tx(fn, opts) {
      const t0 = performance.now();
      try {
        return await db.tx((tx) => fn(time(tx)), opts);
      } finally {
        const ms = performance.now() - t0;
        txStat.calls++;
        txStat.ms += ms;
        txStat.maxMs = Math.max(txStat.maxMs, ms);
      }
    },
    exec: (sql) => db.exec(sql),
    listen: (channel, onPayload) => db.listen(channel, onPayload),
    close: () => db.close(),
  };
}
