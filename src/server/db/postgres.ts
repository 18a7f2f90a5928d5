import { createHash } from 'node:crypto';
import pg from 'pg';
import { withArrayLiterals } from './array-literal.js';
import type { Db, Queryable, QueryOptions, QueryResult } from './port.js';

// 'YYYY-MM-DD' strings for `date` (see pglite.ts); bigint counts as JS numbers (counts stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

/**
 * Distinct statement texts that get a server-side prepared statement per connection. The SQL of
 * the code base is a bounded set (a few hundred texts); the cap only keeps a statement built from
 * changing parts (none known) from growing every backend's plan cache without end.
 */
const MAX_PREPARED = 2000;

/**
 * Name of the prepared statement for a text, or undefined to send it unnamed. Parameterised
 * statements are prepared once per pooled connection (parse and analysis once, and PostgreSQL may
 * then reuse a generic plan): the write path's handful of large statements were parsed and
 * planned again on every group commit. The name is a digest of the text, so one name never
 * stands for two texts (node-pg refuses that) and every process names a text alike.
 */
const names = new Map<string, string>();
let renamed = 0;
const digestName = (sql: string, suffix = '') => `v_${createHash('sha1').update(sql).digest('base64url')}${suffix}`;
function statementName(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_PREPARED) {
    name = digestName(sql);
    names.set(sql, name);
  }
  return name;
}

/**
 * A prepared statement whose tables changed shape under it (another node migrated during a
 * rolling deploy: `select *` of a table that gained a column) fails on every connection that
 * prepared it, for good. From then on the text is prepared under a new name, so it fails once
 * per process at most; outside a transaction the query is sent again at once, inside one the
 * caller's retry (ingest/queue.ts#withRetry) starts the transaction again.
 */
export function isStalePlan(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}
function renameStatement(sql: string): void {
  if (names.has(sql)) names.set(sql, digestName(sql, `_${++renamed}`));
}

/**
 * How a transaction of TxOptions.genericPlans starts. Its statements are key probes by design, and
 * a generic plan is built once per connection, then kept until the next ANALYZE of its tables.
 * Built while a month's observation partition was empty (the first minutes of a month, or any
 * time after an ANALYZE that found it empty), it scanned that whole partition on every probe
 * instead of its index: the triage-context read of a single-reading group grew from about 1 ms to
 * 20–50 ms within a 10-second bench phase on 1 December (bench/README.md, round 9). Without
 * sequential scans the plan is the same whatever the statistics said when it was built; tables
 * without a usable index are still scanned.
 */
const GENERIC_PLAN_TX = 'begin; set local plan_cache_mode = force_generic_plan; set local enable_seqscan = off';

/** Opens a pool on a real PostgreSQL (`DATABASE_URL`). */
export async function openPostgres(
  connectionString: string,
  opts: {
    max?: number;
    /** Connect once now, so a wrong URL fails at start (default). */ check?: boolean;
    /** Server-side prepared statements for parameterised SQL (default on; config VARDE_PG_PREPARE=0 turns it off). */ prepare?: boolean;
  } = {},
): Promise<Db> {
  const prepare = opts.prepare ?? true;
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  if (opts.check !== false) await pool.query('select 1');

  const wrap = (c: Pick<pg.Pool | pg.PoolClient, 'query'>, inTx: boolean): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = [], opts?: QueryOptions): Promise<QueryResult<T>> {
      const values = withArrayLiterals(params) as unknown[];
      const send = () => {
        const name = prepare && params.length > 0 && !opts?.replan ? statementName(sql) : undefined;
        return name ? c.query({ name, text: sql, values }) : c.query(sql, values);
      };
      let r: pg.QueryResult;
      try {
        r = await send();
      } catch (err) {
        if (!isStalePlan(err)) throw err;
        renameStatement(sql);
        // Inside a transaction the error has aborted it: the caller's retry starts it again.
        if (inTx) throw err;
        r = await send();
      }
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
  });
  const base = wrap(pool, false);

  // One dedicated connection carries every LISTEN of this process.
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  async function listenerClient(): Promise<pg.Client> {
    if (listener) return listener;
    const c = new pg.Client({ connectionString });
    await c.connect();
    c.on('notification', (n) => {
      for (const h of handlers.get(n.channel) ?? []) h(n.payload ?? '');
    });
    c.on('error', () => undefined);
    listener = c;
    return c;
  }

  return {
    kind: 'postgres',
    query: base.query,
    async tx(fn, txOpts) {
      const client = await pool.connect();
      try {
        // One round trip either way: a simple-protocol query may hold two statements.
        await client.query(prepare && txOpts?.genericPlans ? GENERIC_PLAN_TX : 'begin');
        const result = await fn(wrap(client, true));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async listen(channel, onPayload) {
      const c = await listenerClient();
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await c.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      await listener?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
