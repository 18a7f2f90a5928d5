import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../db/port.js';
import { testDb } from '../testing/db.js';
import { seedFixture, type Fixture } from '../testing/fixtures.js';
import { sweepMissing } from './missing-job.js';

let db: Db;
let f: Fixture;
before(async () => {
  db = await testDb();
  f = await seedFixture(db);
});
after(async () => db.close());

const missingAlerts = async () =>
  (await db.query<{ rule_id: string; status: string; occurrences: number }>(
    `select rule_id, status, occurrences from alerts where episode_id = $1 and zone = 'missing' order by rule_id, created_at`, [f.patient.episodeId],
  )).rows;

test('overdue measurements raise one missing alert per measure, and a repeat sweep adds nothing', async () => {
  // Test plan: SpO2 and pulse daily by 10:00 Oslo time + 60 min grace. 12:00 Oslo in winter = 11:00Z.
  const now = new Date(Date.now());
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 11, 30));
  const probe = at > now ? new Date(at.getTime() - 86_400_000) : at;
  await db.query(`update plans set approved_at = $2 where id = $1`, [f.patient.planId, new Date(probe.getTime() - 3 * 86_400_000)]);
  const first = await sweepMissing(db, probe);
  assert.ok(first.raised >= 2, JSON.stringify(first));
  assert.deepEqual((await missingAlerts()).map((a) => [a.rule_id, a.status, a.occurrences]), [
    ['missing:heart_rate', 'open', 1],
    ['missing:spo2', 'open', 1],
  ]);
  const again = await sweepMissing(db, new Date(probe.getTime() + 60_000));
  assert.equal(again.raised, 0);
  assert.deepEqual((await missingAlerts()).map((a) => a.occurrences), [1, 1]);
});
