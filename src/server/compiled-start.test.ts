import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { COMPILED_CLI, spawnServer } from '../sim/child-server.js';
import { sharedDb } from './ingest/fault-helpers.js';

/*
 * `npm start` and production run the compiled server (dist/server, `npm run build:server`), not the
 * TypeScript through tsx. This starts that build on the suite's store and checks it migrated (its
 * .sql files are copied next to the compiled migration runner) and answers. scripts/test.sh builds
 * it before the tests; without a build the test is skipped locally and fails under CI.
 */
test('the compiled server starts, migrates its store and answers', async (t) => {
  if (!existsSync(COMPILED_CLI)) {
    if (process.env.CI === 'true') assert.fail(`${COMPILED_CLI} is missing: scripts/test.sh runs npm run build:server first`);
    t.skip('no dist/server build (npm run build:server)');
    return;
  }
  const shared = await sharedDb();
  try {
    const server = await spawnServer(shared.env, { compiled: true });
    try {
      const health = await fetch(`${server.url}/api/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', db: shared.kind });
      const meta = await fetch(`${server.url}/fhir/metadata`);
      assert.equal(meta.status, 200);
      assert.equal(((await meta.json()) as { resourceType: string }).resourceType, 'CapabilityStatement');
    } finally {
      await server.stop();
    }
    // Every migration in the source tree was applied by the compiled runner.
    const db = await shared.open();
    try {
      const applied = await db.query<{ n: number }>('select count(*)::int as n from schema_migrations');
      const files = readdirSync(new URL('./db/migrations/', import.meta.url)).filter((f) => f.endsWith('.sql'));
      assert.equal(applied.rows[0]!.n, files.length);
    } finally {
      await db.close();
    }
  } finally {
    await shared.destroy();
  }
});
