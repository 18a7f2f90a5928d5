import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { useTestServer } from '../testing/server.js';

// Migration 034: worklist_rows keeps one index fewer, and varde_epoch (the worklist's time key,
// worklist_rows.order_time) is an inlinable expression that must give exactly the numbers
// extract(epoch …) gave, or rows stored before and after the migration would sort apart.
const env = useTestServer({ dbOnly: true });

test('varde_epoch equals extract(epoch) to the microsecond, before 1970 and after, in any session zone', async () => {
  await fc.assert(
    fc.asyncProperty(
      // Microseconds from 1900 to 2100.
      fc.bigInt({ min: -2_208_988_800_000_000n, max: 4_102_444_800_000_000n }),
      fc.constantFrom('UTC', 'Europe/Oslo', 'America/St_Johns', 'Pacific/Chatham'),
      async (us, zone) => {
        const r = await env.db.tx(async (tx) => {
          await tx.query(`select set_config('TimeZone', $1, true)`, [zone]);
          return tx.query<{ mine: number; pg: number }>(
            `select varde_epoch(t) as mine, extract(epoch from t)::double precision as pg
               from (select timestamptz 'epoch' + $1::bigint * interval '1 microsecond' as t) x`,
            [us.toString()],
          );
        });
        assert.equal(r.rows[0]!.mine, r.rows[0]!.pg);
      },
    ),
    { numRuns: 60 },
  );
});

test('worklist_rows: the primary key leads with the episode, and no separate episode index is written', async () => {
  const r = await env.db.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes where tablename = 'worklist_rows' order by indexname`);
  const names = r.rows.map((x) => x.indexname);
  assert.deepEqual(names, ['worklist_rows_pkey', 'worklist_rows_triage_order']);
  assert.match(r.rows[0]!.indexdef, /\(episode_id, organisation_id\)/);
});
