import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';
import { TEST_DB_KIND } from '../testing/db.js';
import { migrate, splitStatements } from './migrate.js';
import { notify, type Db } from './port.js';

const env = useTestServer({ dbOnly: true });

test(`the suite runs on ${TEST_DB_KIND}`, () => {
  assert.equal(env.db.kind, TEST_DB_KIND);
});

test('migrations are recorded and a second run applies nothing', async () => {
  assert.deepEqual(await migrate(env.db), []);
  const r = await env.db.query<{ version: number }>('select version from schema_migrations order by version');
  assert.ok(r.rows.length >= 1);
  assert.equal(r.rows[0]!.version, 1);
});

test('types come back the same from both adapters', async () => {
  const r = await env.db.query<{ d: string; t: Date; f: number; j: { a: number[] }; n: number; u: string }>(
    `select '1940-02-29'::date as d, '2026-03-29T01:30:00Z'::timestamptz as t, 36.6::float8 as f, '{"a":[1]}'::jsonb as j,
            count(*)::int as n, gen_random_uuid()::text as u from (values (1),(2)) v`,
  );
  const row = r.rows[0]!;
  assert.equal(row.d, '1940-02-29');
  assert.ok(row.t instanceof Date);
  assert.equal(row.t.toISOString(), '2026-03-29T01:30:00.000Z');
  assert.equal(row.f, 36.6);
  assert.deepEqual(row.j, { a: [1] });
  assert.equal(row.n, 2);
  assert.match(row.u, /^[0-9a-f-]{36}$/);
});

test('a throw inside tx rolls everything back', async () => {
  await env.db.exec('create table tx_probe (x int)');
  await assert.rejects(
    env.db.tx(async (tx) => {
      await tx.query('insert into tx_probe values ($1)', [1]);
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal((await env.db.query('select * from tx_probe')).rows.length, 0);
  await env.db.tx(async (tx) => tx.query('insert into tx_probe values ($1)', [2]));
  assert.deepEqual((await env.db.query<{ x: number }>('select x from tx_probe')).rows, [{ x: 2 }]);
});

test('NOTIFY inside a transaction is delivered after commit, and not at all after rollback', async () => {
  const got: string[] = [];
  const stop = await env.db.listen('probe_channel', (p) => got.push(p));
  await assert.rejects(
    env.db.tx(async (tx) => {
      await notify(tx, 'probe_channel', { n: 1 });
      throw new Error('rollback');
    }),
  );
  await env.db.tx(async (tx) => notify(tx, 'probe_channel', { n: 2 }));
  for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got.map((p) => JSON.parse(p)), [{ n: 2 }]);
  await stop();
});

test('statement splitting keeps dollar-quoted bodies and drops comments', () => {
  const parts = splitStatements(`-- a comment;\ncreate table a (x int);\ndo $$\nbegin\n  perform 1;\nend\n$$;\nselect 1;`);
  assert.equal(parts.length, 3);
  assert.match(parts[1]!, /perform 1;/);
});
