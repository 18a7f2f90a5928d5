import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './port.js';

/** Dates stay 'YYYY-MM-DD' strings: a JS Date would shift a birth date by the local offset. */
const parsers = { [types.DATE]: (v: string) => v };

/**
 * Opens the embedded database. `dataDir` undefined gives an in-memory database (tests);
 * otherwise the data lives on disk and survives restarts.
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir ? { dataDir, parsers } : { parsers });

  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
  });
  const base = wrap(pg);

  return {
    kind: 'pglite',
    query: base.query,
    async tx(fn) {
      return pg.transaction(async (t) => fn(wrap(t)));
    },
    async exec(sql) {
      await pg.exec(sql);
    },
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return async () => {
        await unlisten();
      };
    },
    async close() {
      await pg.close();
    },
  };
}
