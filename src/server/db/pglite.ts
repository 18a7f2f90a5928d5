import { mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { PGlite, types } from '@electric-sql/pglite';
import { PGLITE_SHARED_BUFFERS, PgSize } from '../config/index.js';
import type { Db, Queryable, QueryResult } from './port.js';

/** Dates stay 'YYYY-MM-DD' strings: a JS Date would shift a birth date by the local offset. */
const parsers = { [types.DATE]: (v: string) => v };

/**
 * V8 flags that keep PGlite's WebAssembly on V8's baseline compiler (Liftoff). With V8's default
 * tier-up, a function that has run enough is compiled again by TurboFan on a background thread.
 * PostgreSQL's SQL parser (`raw_parser`, the bison state machine: one 105 kB function) is hot from
 * the first statements, and TurboFan takes ~600 MB of compiler memory for about a second to compile
 * it: that was the ~880 MB RSS peak a PGlite server reached right after start, whatever the load
 * (`--trace-wasm-compilation-times`; bench/README.md, "PGlite memory (round 5)"). V8 has no flag to
 * leave out one function, so tier-up is off for the whole module: no transient, ~50 MB less
 * resident code, and more server CPU: ~25 % per single-reading ingest, ~15 % per worklist page,
 * ~45 % per batched upload of 100 readings.
 * Not accepted in NODE_OPTIONS, so set here, before PGlite compiles its module. Process-wide: the
 * only other WebAssembly in the server is undici's HTTP parser (fetch: outbox deliveries, OIDC),
 * a few small answers. VARDE_PGLITE_WASM_TIERUP=1 keeps V8's default.
 */
export const PGLITE_V8_FLAGS = '--no-wasm-tier-up --no-wasm-dynamic-tiering';

/** PostgreSQL's buffer pool inside PGlite by default (why 64 MB: config/index.ts). */
export { PGLITE_SHARED_BUFFERS };

export interface PgliteOptions {
  /** shared_buffers; default VARDE_PGLITE_SHARED_BUFFERS, else PGLITE_SHARED_BUFFERS. */
  sharedBuffers?: string;
  /** TurboFan tier-up of PGlite's WebAssembly; default VARDE_PGLITE_WASM_TIERUP=1, else off. */
  wasmTierUp?: boolean;
  /**
   * A data directory dumped by PGlite's `dumpDataDir` (a tarball) to start from instead of an
   * empty cluster: skips initdb (~2.5 s of WebAssembly). In-memory databases only.
   */
  loadDataDir?: Blob;
}

let tierUpSettled = false;

/** Sets PGLITE_V8_FLAGS once, unless tier-up is asked for. Must run before the first PGlite is created. */
function baselineWasmOnly(tierUp = process.env.VARDE_PGLITE_WASM_TIERUP === '1'): void {
  if (tierUpSettled) return;
  tierUpSettled = true;
  if (tierUp) return;
  setFlagsFromString(PGLITE_V8_FLAGS);
}

/**
 * The command line PGlite starts PostgreSQL with: its defaults plus our memory settings (a `-c`
 * wins over the data directory's postgresql.conf, which is left as it is).
 */
export function pgliteStartParams(opts: PgliteOptions = {}): string[] {
  const sharedBuffers = PgSize.parse(opts.sharedBuffers ?? process.env.VARDE_PGLITE_SHARED_BUFFERS ?? PGLITE_SHARED_BUFFERS);
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`];
}

/** The embedded database as a Db, and what only PGlite can do. */
export interface PgliteDb extends Db {
  /** The whole data directory as an uncompressed tarball, for `loadDataDir`. */
  dumpDataDir(): Promise<Blob>;
}

/**
 * Opens the embedded database. `dataDir` undefined gives an in-memory database (tests);
 * otherwise the data lives on disk and survives restarts.
 */
export async function openPglite(dataDir?: string, opts: PgliteOptions = {}): Promise<PgliteDb> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  baselineWasmOnly(opts.wasmTierUp);
  const startParams = pgliteStartParams(opts);
  const pg = await PGlite.create(
    dataDir ? { dataDir, parsers, startParams } : { parsers, startParams, ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}) },
  );

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
    dumpDataDir: () => pg.dumpDataDir('none'),
  };
}
