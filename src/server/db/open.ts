import type { Config } from '../config/index.js';
import { migrate } from './migrate.js';
import type { Db } from './port.js';
import { openPostgres } from './postgres.js';
import { profiled } from './profile.js';

/** Opens the configured store and brings its schema up to date. */
export async function openDb(
  config: Pick<Config, 'DATABASE_URL' | 'PGLITE_DIR'> & Partial<Pick<Config, 'VARDE_PG_PREPARE' | 'VARDE_PGLITE_SHARED_BUFFERS' | 'VARDE_PGLITE_WASM_TIERUP'>>,
): Promise<Db> {
  const db = config.DATABASE_URL
    ? await openPostgres(config.DATABASE_URL, { prepare: config.VARDE_PG_PREPARE ?? true })
    // Loaded only for the embedded store: a server on PostgreSQL never needs PGlite's JavaScript.
    : await (await import('./pglite.js')).openPglite(config.PGLITE_DIR, {
      ...(config.VARDE_PGLITE_SHARED_BUFFERS !== undefined ? { sharedBuffers: config.VARDE_PGLITE_SHARED_BUFFERS } : {}),
      ...(config.VARDE_PGLITE_WASM_TIERUP !== undefined ? { wasmTierUp: config.VARDE_PGLITE_WASM_TIERUP } : {}),
    });
  await migrate(db);
  // Statement timings for bench/README.md's profiles (VARDE_DB_PROFILE=<file>); off by default.
  const profile = process.env.VARDE_DB_PROFILE;
  return profile ? profiled(db, profile) : db;
}
