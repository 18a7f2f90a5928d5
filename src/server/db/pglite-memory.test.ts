import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { openPglite, pgliteStartParams, PGLITE_SHARED_BUFFERS } from './pglite.js';

/*
 * PGlite's memory settings (docs/SCALING.md, "PGlite"; bench/README.md, "PGlite memory (round 5)").
 * No timings and no RSS thresholds here: the tests check that the settings are in force, the
 * bench prints what they are worth.
 */

const PGLITE_TS = fileURLToPath(new URL('./pglite.ts', import.meta.url));
const MIGRATE_TS = fileURLToPath(new URL('./migrate.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Opens an in-memory PGlite in a child Node process as the server does, applies every migration
 * (a few thousand statements through PostgreSQL's parser), runs the statements again, lets V8's
 * background compilers finish and reports each WebAssembly function V8 compiled with TurboFan
 * (V8's own trace, `--trace-wasm-compilation-times`). With `stopAtFirst`, ends the child at the first such line.
 */
function turbofanCompilations(env: Record<string, string>, stopAtFirst: boolean): Promise<string[]> {
  const script = `
    import { openPglite } from ${JSON.stringify(PGLITE_TS)};
    import { migrate } from ${JSON.stringify(MIGRATE_TS)};
    const db = await openPglite();
    await migrate(db);
    for (let i = 0; i < 200; i++) await db.query('select count(*) from schema_migrations where version > $1', [i]);
    // Tier-up compiles on background threads: give them the time they take on a busy machine.
    await new Promise((r) => setTimeout(r, 3000));
    await db.close();
    console.log('child done');`;
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NODE_TEST') && !k.startsWith('VARDE_PGLITE')) base[k] = v;
  const child = spawn(process.execPath, ['--trace-wasm-compilation-times', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const found: string[] = [];
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    let i;
    while ((i = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      if (/using TurboFan/.test(line)) {
        found.push(line);
        if (stopAtFirst) child.kill('SIGKILL');
      }
      if (line === 'child done') found.push(line);
    }
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code === 0 || (stopAtFirst && signal === 'SIGKILL' && found.length)) resolve(found);
      else reject(new Error(`child exited ${code ?? signal}: ${err}`));
    });
  });
}

test('PGlite runs its WebAssembly without TurboFan tier-up (the ~600 MB compile of the SQL parser at start)', async () => {
  const lines = await turbofanCompilations({}, false);
  assert.ok(lines.includes('child done'), 'the child ran to its end');
  assert.deepEqual(lines.filter((l) => l !== 'child done'), [], 'no WebAssembly function was compiled by TurboFan');
});

test('the probe sees TurboFan tier-up when it is on (VARDE_PGLITE_WASM_TIERUP=1), so the test above can fail', async () => {
  const lines = await turbofanCompilations({ VARDE_PGLITE_WASM_TIERUP: '1' }, true);
  assert.ok(lines.some((l) => /using TurboFan/.test(l)), `expected a TurboFan compilation, got ${JSON.stringify(lines)}`);
});

test('shared_buffers is set on the command line: the default, an option, the environment, and over postgresql.conf', async () => {
  const show = async (dataDir?: string, opts?: { sharedBuffers?: string }) => {
    const db = await openPglite(dataDir, opts);
    try {
      return (await db.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]!.shared_buffers;
    } finally {
      await db.close();
    }
  };
  assert.equal(await show(), PGLITE_SHARED_BUFFERS);
  assert.equal(await show(undefined, { sharedBuffers: '16MB' }), '16MB');
  const saved = process.env.VARDE_PGLITE_SHARED_BUFFERS;
  process.env.VARDE_PGLITE_SHARED_BUFFERS = '24MB';
  try {
    assert.equal(await show(), '24MB');
  } finally {
    if (saved === undefined) delete process.env.VARDE_PGLITE_SHARED_BUFFERS;
    else process.env.VARDE_PGLITE_SHARED_BUFFERS = saved;
  }
  // On disk, initdb writes PGlite's own 128MB into postgresql.conf; the start parameter wins and the file is left alone.
  const dir = mkdtempSync(join(tmpdir(), 'varde-pglite-mem-'));
  try {
    assert.equal(await show(dir), PGLITE_SHARED_BUFFERS);
    assert.match(readFileSync(join(dir, 'postgresql.conf'), 'utf8'), /^shared_buffers = 128MB/m);
    assert.equal(await show(dir), PGLITE_SHARED_BUFFERS, 'and again when the directory is opened a second time');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the start parameters keep PGlite\'s own and refuse a size PostgreSQL would not read', () => {
  const params = pgliteStartParams({ sharedBuffers: '64MB' });
  assert.deepEqual(params.slice(0, PGlite.defaultStartParams.length), PGlite.defaultStartParams);
  assert.deepEqual(params.slice(PGlite.defaultStartParams.length), ['-c', 'shared_buffers=64MB']);
  for (const bad of ['32', '32 MB', '1TB', '32MB; drop table x', '']) assert.throws(() => pgliteStartParams({ sharedBuffers: bad }), /PostgreSQL size/);
});
