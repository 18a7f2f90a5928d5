import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanDefinition } from '../../domain/plan.js';
import type { Ctx } from '../context.js';
import { EVENTS_CHANNEL, type ClinicalEvent } from '../events/bus.js';
import { deviceClientCtx } from '../testing/ctx.js';
import { useTestServer } from '../testing/server.js';
import { checkSitting, storeSittings } from './service.js';

/*
 * The event each new sitting sends to the care team's screens (storeSittings): 'alert' when one of
 * its findings raised an alert or made one worse, else 'observation', with the worst zone of its
 * findings; for a group commit of several sittings as for one. Findings of distinct (episode,
 * rule) are raised by the write statement itself, which picks the type; a rule found twice in one
 * call goes through upsertFindings' rounds first (the first case below).
 */
const text = (s: string) => ({ nb: s, nn: s, en: s });
const actions = { green: text('Grønn.'), yellow: text('Gul.'), red: text('Rød.') };
const PLAN: PlanDefinition = {
  measures: [{ code: 'glucose', schedule: { kind: 'as_needed' }, thresholds: { redBelow: 3.0, yellowBelow: 3.9, yellowAbove: 13.9, redAbove: 20 }, actions }],
  questionnaires: [],
  trendRules: [],
  news2: { enabled: false, scale: 1 },
  medicines: '',
  contacts: '',
};

const env = useTestServer({ plan: PLAN, noServer: true });
/** A gateway of the patient's municipality (read once the environment is set up). */
const gateway = (): Ctx => deviceClientCtx(env.db, env.f.orgs.muniA, 'events-gw');

let seq = 0;
type Seen = Pick<ClinicalEvent, 'type' | 'patientId' | 'zone'>;

/** Stores the sittings in one call (one transaction) and returns the events it sent, sorted. */
async function store(sittings: { patientId: string; glucose: number; minutesAgo: number }[]): Promise<Seen[]> {
  const got: Seen[] = [];
  const stop = await env.db.listen(EVENTS_CHANNEL, (payload) => {
    const e = JSON.parse(payload) as ClinicalEvent;
    got.push({ type: e.type, patientId: e.patientId, ...(e.zone ? { zone: e.zone } : {}) });
  });
  try {
    const ctx = gateway();
    const items = sittings.map((s) => ({
      patientId: s.patientId, idempotencyKey: `events-${++seq}`,
      sitting: checkSitting(ctx, { effectiveAt: new Date(Date.now() - s.minutesAgo * 60_000).toISOString(), measurements: [{ code: 'glucose', value: s.glucose }] }),
    }));
    await env.db.tx((tx) => storeSittings(ctx, tx, items, { source: 'device' }));
    const want = new Set(sittings.map((s) => s.patientId)).size;
    for (let i = 0; i < 100 && got.length < want; i++) await new Promise((r) => setTimeout(r, 20));
    // A moment more: an event too many must show as well.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await stop();
  }
  return got.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

test('new, merged and worsened alerts send the events the screens expect, alone or in a group', async () => {
  const p = env.f.patient.id;
  const other = env.f.otherPatient.id;
  // Two findings of one rule in one call (two rounds): the first raises, the second makes it worse.
  assert.deepEqual(await store([{ patientId: p, glucose: 3.5, minutesAgo: 30 }, { patientId: p, glucose: 2.5, minutesAgo: 20 }]), [
    { type: 'alert', patientId: p, zone: 'red' },
    { type: 'alert', patientId: p, zone: 'yellow' },
  ]);
  // A yellow merges into the red alert: nothing new for the nurse.
  assert.deepEqual(await store([{ patientId: p, glucose: 3.6, minutesAgo: 10 }]), [{ type: 'observation', patientId: p, zone: 'yellow' }]);
  // A red again: merged, not worse.
  assert.deepEqual(await store([{ patientId: p, glucose: 2.4, minutesAgo: 9 }]), [{ type: 'observation', patientId: p, zone: 'red' }]);
  // Handled; then a yellow raises a new alert, while another patient's green reading in the same call is only a reading.
  await env.db.query(`update alerts set status = 'resolved', resolved_at = now() where patient_id = $1`, [p]);
  assert.deepEqual(await store([{ patientId: p, glucose: 3.7, minutesAgo: 5 }, { patientId: other, glucose: 6, minutesAgo: 5 }]), [
    { type: 'alert', patientId: p, zone: 'yellow' },
    { type: 'observation', patientId: other },
  ]);
  // A red makes the open yellow alert worse (and reopens what the nurse acknowledged).
  await env.db.query(`update alerts set status = 'acknowledged', acknowledged_at = now() where patient_id = $1 and status = 'open'`, [p]);
  assert.deepEqual(await store([{ patientId: p, glucose: 2.0, minutesAgo: 1 }]), [{ type: 'alert', patientId: p, zone: 'red' }]);
  const open = await env.db.query<{ zone: string; status: string; occurrences: number }>(
    `select zone, status, occurrences from alerts where patient_id = $1 and status <> 'resolved'`, [p]);
  assert.deepEqual(open.rows, [{ zone: 'red', status: 'open', occurrences: 2 }]);
});
