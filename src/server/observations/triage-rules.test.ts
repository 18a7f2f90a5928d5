import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PlanDefinition } from '../../domain/plan.js';
import { countRows, injectJson, useTestServer } from '../testing/server.js';
import { sweepHeldRemeasures } from './remeasure-job.js';

/*
 * Issue 8 on the server: what the engine decides reaches the patient and the nurse — exact values,
 * HI/LO, history as long as any plan window, late data, one alert per sitting, re-measurement and
 * NEWS2 with the service's opening hours.
 */

const text = (s: string) => ({ nb: s, nn: s, en: s });
const actions = { green: text('Grønn.'), yellow: text('Gul.'), red: text('Rød: ring legevakt 116 117.') };
const daily = { kind: 'daily' as const, dueBy: '10:00', graceMinutes: 60 };
const PLAN: PlanDefinition = {
  measures: [
    { code: 'spo2', schedule: daily, thresholds: { redBelow: 88, yellowBelow: 92 }, actions, remeasure: { restMinutes: 5, withinMinutes: 30 } },
    { code: 'heart_rate', schedule: daily, thresholds: { redBelow: 40, yellowBelow: 50, yellowAbove: 110, redAbove: 130 }, actions },
    { code: 'resp_rate', schedule: daily, thresholds: {}, actions },
    { code: 'temperature', schedule: daily, thresholds: { yellowAbove: 38, redAbove: 39 }, actions },
    { code: 'bp_systolic', schedule: daily, thresholds: { yellowAbove: 179, redAbove: 219 }, actions },
    { code: 'bp_diastolic', schedule: daily, thresholds: {}, actions },
    { code: 'weight', schedule: daily, thresholds: {}, actions },
    { code: 'glucose', schedule: daily, thresholds: { redBelow: 3.0, yellowBelow: 3.9, yellowAbove: 13.9, redAbove: 20 }, actions },
  ],
  questionnaires: [],
  trendRules: [
    { id: 'weight-rise', code: 'weight', kind: 'rise', amount: 2, windowDays: 3, zone: 'yellow' },
    { id: 'bp-month', code: 'bp_systolic', kind: 'rise', amount: 30, windowDays: 30, zone: 'yellow' },
  ],
  combinedRules: [{ kind: 'sitting', id: 'two-yellow', minYellow: 2, codes: ['heart_rate', 'temperature'], zone: 'red' }],
  news2: { enabled: true, scale: 1 },
  medicines: '',
  contacts: '',
};

const env = useTestServer({ plan: PLAN });

const HOUR = 3_600_000;
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
let seq = 0;
const record = (measurements: unknown[], effectiveAt?: string, extra: Record<string, unknown> = {}, cookie = env.c.patient) =>
  injectJson(env.server, 'POST', '/api/me/observations', cookie, { idempotencyKey: `triage-rules-${++seq}`, measurements, ...(effectiveAt ? { effectiveAt } : {}), ...extra });
// The second patient (municipality B, same plan) for tests that must not see the first one's recent vitals.
const recordOther = (measurements: unknown[], effectiveAt?: string, extra: Record<string, unknown> = {}) => record(measurements, effectiveAt, extra, env.c.otherPatient);
type AlertRow = { rule_id: string; zone: string; findings: { values: { observationId: string; value: number; interpretation?: string }[]; rules?: { ruleId: string }[]; summary: { en: string } }[] };
const alertsFor = async (ruleId: string) => (await env.db.query<AlertRow>(`select rule_id, zone, findings from alerts where patient_id = $1 and rule_id = $2 and status <> 'resolved'`, [env.f.patient.id, ruleId])).rows;
const setHours = async (open: boolean) => {
  const all: [string, string][] = [['00:00', '23:59']];
  const weekly = open ? { 1: all, 2: all, 3: all, 4: all, 5: all, 6: all, 7: all } : {};
  await env.db.query('update organisations set opening_hours = $2 where id = $1', [env.f.orgs.muniA, JSON.stringify({ timeZone: 'Europe/Oslo', weekly, closedDates: [], publicHolidays: false })]);
};

describe('plausibility never refuses a clinically possible value', () => {
  test('glucose 35 mmol/L is stored exactly and red (hyperosmolar range, Kitabchi 2009)', async () => {
    const r = await record([{ code: 'glucose', value: 35 }], ago(10 * HOUR));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const o = (r.body!.observations as { value: number; zone: string }[])[0]!;
    assert.deepEqual([o.value, o.zone], [35, 'red']);
  });

  test('a meter showing HI is accepted without a number, stored with its flag, and red', async () => {
    const r = await record([{ code: 'glucose', interpretation: 'HI' }], ago(9 * HOUR));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const o = (r.body!.observations as { value: number; zone: string; interpretation?: string }[])[0]!;
    assert.deepEqual([o.value, o.zone, o.interpretation], [33.3, 'red', 'HI']);
    const stored = (await env.db.query<{ interpretation: string }>(`select interpretation from observations where id = $1`, [(o as unknown as { id: string }).id])).rows[0]!;
    assert.equal(stored.interpretation, 'HI');
    const a = (await alertsFor('threshold:glucose'))[0]!;
    assert.ok(a.findings.some((x) => x.values.some((v) => v.interpretation === 'HI')));
  });

  test('SpO2 85.5 is stored as 85.5 and is red below 88 (no rounding before triage)', async () => {
    const r = await record([{ code: 'spo2', value: 87.5 }], ago(8 * HOUR));
    const o = (r.body!.observations as { value: number; zone: string }[])[0]!;
    assert.deepEqual([o.value, o.zone], [87.5, 'red']);
  });

  test('systolic below diastolic is refused, naming the field, and nothing is stored', async () => {
    const before = await countRows(env.db, 'observations where patient_id = $1', [env.f.patient.id]);
    const r = await record([{ code: 'bp_systolic', value: 70 }, { code: 'bp_diastolic', value: 120 }], ago(7 * HOUR));
    assert.equal(r.status, 422);
    const err = r.body!.error as { code: string; fields: Record<string, string> };
    assert.equal(err.code, 'invalid_measurement');
    assert.match(err.fields['measurements.0.value'] ?? '', /below diastolic/);
    assert.equal(await countRows(env.db, 'observations where patient_id = $1', [env.f.patient.id]), before);
  });
});

describe('combined signals: one sitting, one alert', () => {
  test('two yellow measures in one sitting raise ONE red alert listing both (UKONS 2016)', async () => {
    const at = ago(6 * HOUR);
    const r = await record([{ code: 'heart_rate', value: 115 }, { code: 'temperature', value: 38.5 }], at);
    assert.equal(r.status, 201);
    assert.equal((r.body!.feedback as { zone: string }).zone, 'red');
    const fromSitting = (await env.db.query<AlertRow>(`select rule_id, zone, findings from alerts where patient_id = $1 and last_at = $2`, [env.f.patient.id, at])).rows;
    assert.equal(fromSitting.length, 1, JSON.stringify(fromSitting.map((a) => a.rule_id)));
    const a = fromSitting[0]!;
    assert.deepEqual([a.rule_id, a.zone], ['combined:two-yellow', 'red']);
    const finding = a.findings[a.findings.length - 1]!;
    assert.equal(finding.values.length, 2);
    assert.deepEqual(finding.rules?.map((x) => x.ruleId).sort(), ['combined:two-yellow', 'threshold:heart_rate', 'threshold:temperature']);
  });
});

describe('windows and late data', () => {
  test('history covers the longest window a plan may state (a 30-day rule; the env.server used to load 8 days)', async () => {
    assert.equal((await record([{ code: 'bp_systolic', value: 120 }, { code: 'bp_diastolic', value: 80 }], ago(20 * 24 * HOUR))).status, 201);
    assert.equal((await record([{ code: 'bp_systolic', value: 160 }, { code: 'bp_diastolic', value: 90 }], ago(5 * HOUR))).status, 201);
    const a = await alertsFor('trend:bp-month');
    assert.equal(a.length, 1);
    assert.deepEqual(a[0]!.findings[0]!.values.map((v) => v.value), [120, 160]);
  });

  test('an older weight arriving after a newer one re-evaluates the newer one', async () => {
    const newer = ago(4 * HOUR);
    assert.equal((await record([{ code: 'weight', value: 82.5 }], newer)).status, 201);
    assert.equal((await alertsFor('trend:weight-rise')).length, 0);
    // An offline tablet syncs the weighing of two days earlier.
    assert.equal((await record([{ code: 'weight', value: 80.0 }], ago(2 * 24 * HOUR))).status, 201);
    const a = await alertsFor('trend:weight-rise');
    assert.equal(a.length, 1);
    assert.deepEqual(a[0]!.findings[0]!.values.map((v) => v.value), [80, 82.5]);
  });
});

describe('re-measure before alarming', () => {
  test('a yellow SpO2 asks the patient to rest and measure again; only a yellow re-measurement raises the alert', async () => {
    const first = await record([{ code: 'spo2', value: 91 }], ago(2 * 60_000));
    assert.equal(first.status, 201);
    const fb = first.body!.feedback as { zone: string; action: string; remeasure: { codes: string[]; restMinutes: number } | null };
    assert.equal(fb.zone, 'yellow');
    assert.deepEqual([fb.remeasure?.codes, fb.remeasure?.restMinutes], [['spo2'], 5]);
    assert.match(fb.action, /Sitt i ro i 5 minutter og mål på nytt/);
    const firstId = (first.body!.observations as { id: string }[])[0]!.id;
    const cites = async (id: string) => (await env.db.query(`select 1 from alerts where patient_id = $1 and findings @> $2::jsonb`, [env.f.patient.id, JSON.stringify([{ values: [{ observationId: id }] }])])).rows.length;
    assert.equal(await cites(firstId), 0, 'no alert while the re-measurement is awaited');

    const second = await record([{ code: 'spo2', value: 90 }]);
    assert.equal(second.status, 201);
    assert.equal((second.body!.feedback as { remeasure: unknown }).remeasure, null);
    assert.equal(await cites(firstId), 1, 'the confirmed yellow cites the first reading too');
  });

  test('a held yellow whose re-measurement never came is raised by the sweep, once', async () => {
    const p = env.f.otherPatient.id;
    const r = await recordOther([{ code: 'spo2', value: 91.5 }], ago(3 * HOUR));
    // Three hours ago is long past the 30-minute window: the upload itself raises it.
    const id = (r.body!.observations as { id: string }[])[0]!.id;
    const cites = async () => (await env.db.query(`select 1 from alerts where patient_id = $1 and findings @> $2::jsonb`, [p, JSON.stringify([{ values: [{ observationId: id }] }])])).rows.length;
    assert.equal(await cites(), 1);

    // Held now, expired later.
    const held = await recordOther([{ code: 'spo2', value: 91.2 }], ago(60_000));
    assert.ok((held.body!.feedback as { remeasure: unknown }).remeasure);
    const heldId = (held.body!.observations as { id: string }[])[0]!.id;
    const citesHeld = async () => (await env.db.query(`select 1 from alerts where patient_id = $1 and findings @> $2::jsonb`, [p, JSON.stringify([{ values: [{ observationId: heldId }] }])])).rows.length;
    assert.equal(await citesHeld(), 0);
    assert.equal((await sweepHeldRemeasures(env.db, new Date(Date.now() + 10 * 60_000))).raised, 0, 'still inside the window');
    assert.equal((await sweepHeldRemeasures(env.db, new Date(Date.now() + 31 * 60_000))).raised, 1);
    assert.equal(await citesHeld(), 1);
    assert.equal((await sweepHeldRemeasures(env.db, new Date(Date.now() + 32 * 60_000))).raised, 0, 'raised once');
  });
});

describe('NEWS2 at home', () => {
  test('NEWS2 5 is yellow while the service is open and red while it is closed', async () => {
    await setHours(true);
    const open = await record([{ code: 'resp_rate', value: 22 }, { code: 'spo2', value: 93 }, { code: 'heart_rate', value: 95 }], ago(3 * HOUR));
    assert.equal((open.body!.feedback as { zone: string }).zone, 'yellow');
    await setHours(false);
    const closed = await record([{ code: 'resp_rate', value: 22 }, { code: 'spo2', value: 93 }, { code: 'heart_rate', value: 95 }], ago(30 * 60_000));
    const fb = closed.body!.feedback as { zone: string; serviceOpen: boolean };
    assert.deepEqual([fb.zone, fb.serviceOpen], ['red', false]);
    const a = (await alertsFor('news2'))[0]!;
    assert.equal(a.zone, 'red');
    assert.match(a.findings[a.findings.length - 1]!.summary.en, /red because the follow-up service is closed/);
  });

  test('new confusion can be reported with a sitting and counts 3 in NEWS2', async () => {
    // Pulse 80 scores 0; new confusion (ACVPU "C") 3: a single 3 → yellow (RCP 2017 chart 2).
    const r = await recordOther([{ code: 'heart_rate', value: 80 }], ago(10 * 60_000), { newConfusion: true });
    assert.equal(r.status, 201);
    assert.equal((r.body!.feedback as { zone: string }).zone, 'yellow');
    const a = (await env.db.query<AlertRow>(`select rule_id, zone, findings from alerts where patient_id = $1 and rule_id = 'news2'`, [env.f.otherPatient.id])).rows[0]!;
    assert.match(a.findings[a.findings.length - 1]!.summary.en, /new confusion \(3\)/);
  });
});
