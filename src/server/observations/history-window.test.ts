import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanDefinition } from '../../domain/plan.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { deviceClientCtx } from '../testing/ctx.js';
import { useTestServer } from '../testing/server.js';
import { checkSitting, storeSittings } from './service.js';

/*
 * storeSittings reads only the history the plan's rules can use (domain/history-window.ts): the
 * measures and days asked for, by index. The lock statement names the approved plan that chooses
 * them; when a plan was approved while the write waited for the lock, that episode's whole window
 * is read instead, so its rules still see everything they could.
 */
const text = (s: string) => ({ nb: s, nn: s, en: s });
const actions = { green: text('Grønn.'), yellow: text('Gul.'), red: text('Rød.') };
const daily = { kind: 'daily' as const, dueBy: '10:00', graceMinutes: 60 };
const PLAN: PlanDefinition = {
  measures: [
    { code: 'weight', schedule: daily, thresholds: {}, actions },
    { code: 'glucose', schedule: daily, thresholds: { redBelow: 3.0, yellowBelow: 3.9, yellowAbove: 13.9, redAbove: 20 }, actions },
  ],
  questionnaires: [],
  trendRules: [{ id: 'weight-rise', code: 'weight', kind: 'rise', amount: 2, windowDays: 3, zone: 'yellow' }],
  news2: { enabled: false, scale: 1 },
  medicines: '',
  contacts: '',
};

let ctx: Ctx;
const env = useTestServer({
  plan: PLAN,
  noServer: true,
  setup: async () => {
    ctx = deviceClientCtx(env.db, env.f.orgs.muniA, 'window-gw');
  },
});

const DAY = 86_400_000;
let seq = 0;

/** Stores one sitting through storeSittings in its own transaction; `wrap` sees every statement. */
async function store(measurements: { code: 'weight' | 'glucose'; value: number }[], daysAgo: number, wrap?: (q: Queryable) => Queryable) {
  const sitting = checkSitting(ctx, { effectiveAt: new Date(Date.now() - daysAgo * DAY).toISOString(), measurements });
  return env.db.tx((tx) => storeSittings(ctx, wrap ? wrap(tx) : tx, [{ patientId: env.f.patient.id, idempotencyKey: `hw-${++seq}`, sitting }], { source: 'device' }));
}

/** Records the triage context's history ranges, and can hide the approved plan from the lock statement. */
function spy(hidePlan: boolean) {
  const ranges: { codes: string[]; since: string[] }[] = [];
  const wrap = (q: Queryable): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const r = await q.query<T>(sql, params);
      if (/as care_team_orgs/.test(sql) && hidePlan) for (const row of r.rows as Record<string, unknown>[]) Object.assign(row, { plan_id: null, plan_md5: null });
      if (/as existing/.test(sql)) ranges.push({ codes: params[5] as string[], since: (params[6] as Date[]).map((d) => d.toISOString()) });
      return r;
    },
  });
  return { ranges, wrap };
}

test('a weighing reads five days of weights, not the glucose history, and the trend still fires', async () => {
  for (let d = 40; d >= 2; d--) await store([{ code: 'glucose', value: 6.1 }], d);
  await store([{ code: 'weight', value: 80.0 }], 2);
  const s = spy(false);
  const [r] = await store([{ code: 'weight', value: 82.6 }], 0, s.wrap);
  assert.deepEqual(s.ranges.map((x) => x.codes), [['weight']]);
  const days = (Date.now() - Date.parse(s.ranges[0]!.since[0]!)) / DAY;
  assert.ok(days > 4.9 && days < 5.1, `${days} days`);
  assert.equal(r!.zone, 'yellow');
});

test('a plan approved while the write waited for the lock: the episode gets its whole window', async () => {
  await store([{ code: 'weight', value: 90.0 }], 1);
  const s = spy(true);
  const [r] = await store([{ code: 'weight', value: 92.5 }], 0, s.wrap);
  // The lock statement (as this spy shows it) named no plan: no ranges, then the whole 91 days.
  assert.deepEqual(s.ranges.map((x) => x.codes), [[]]);
  assert.equal(r!.zone, 'yellow', 'the weight rise over the day before fires from the history read afterwards');
});
