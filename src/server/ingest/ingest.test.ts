import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registerClient } from '../auth/clients.js';
import { countRows, useTestServer } from '../testing/server.js';
import { CLOCK_SKEW_TOLERANCE_MS, idempotencyKeyFor } from './service.js';

let token: string;
let readOnlyToken: string;

const env = useTestServer({
  setup: async () => {
    const gw = await registerClient(env.db, { clientId: 'gw-a', name: 'Gateway A', organisationId: env.f.orgs.muniA, scopes: ['observation.write', 'device.read'] });
    token = await tokenFor(gw.clientId, gw.clientSecret, 'observation.write');
    const ro = await registerClient(env.db, { clientId: 'ro-a', name: 'Read-only A', organisationId: env.f.orgs.muniA, scopes: ['device.read'] });
    readOnlyToken = await tokenFor(ro.clientId, ro.clientSecret, 'device.read');
  },
});

async function tokenFor(clientId: string, secret: string, scope: string): Promise<string> {
  const res = await env.server.app.inject({
    method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope }).toString(),
  });
  assert.equal(res.statusCode, 200, res.body);
  return (JSON.parse(res.body) as { access_token: string }).access_token;
}

interface Answer {
  status: number;
  body: {
    created?: number; duplicates?: number; clockOffsetMs?: number; clockCorrected?: boolean;
    results?: { index: number; readingId: string; status: string; effectiveAt: string; observationIds: string[]; zone: string | null }[];
    error?: { code: string; message: string; fields?: Record<string, string> };
  };
}

async function ingest(body: unknown, auth: { bearer?: string; cookie?: string } = { bearer: token }): Promise<Answer> {
  const res = await env.server.app.inject({
    method: 'POST', url: '/api/ingest/observations',
    headers: {
      'content-type': 'application/json',
      ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
      ...(auth.cookie ? { cookie: auth.cookie } : {}),
    },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as Answer['body'] };
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const count = (fromClause: string, params: unknown[] = []) => countRows(env.db, fromClause, params);

describe('device uploads', () => {
  test('a batch is stored with zones, device, clock offset, alert and audit; by patient id or identity number', async () => {
    const r = await ingest({
      sentAt: ago(0), device: { serial: 'OX-1', model: 'Pulsoksymeter X' },
      readings: [
        { readingId: 'r-1', patientId: env.f.patient.id, effectiveAt: ago(3600_000), measurements: [{ code: 'spo2', value: 95, unit: '%' }, { code: 'heart_rate', value: 72 }] },
        { readingId: 'r-2', patientIdentifier: env.f.patient.identifier, effectiveAt: ago(60_000), measurements: [{ code: 'spo2', value: 85 }] },
      ],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.created, 2);
    assert.equal(r.body.clockCorrected, false);
    assert.deepEqual(r.body.results!.map((x) => [x.index, x.readingId, x.status, x.zone]), [[0, 'r-1', 'created', 'green'], [1, 'r-2', 'created', 'red']]);
    const rows = (await env.db.query<{ source: string; device_id: string; device_clock_offset_ms: number; idempotency_key: string; recorded_by: string }>(
      'select * from observations where patient_id = $1 order by effective_at, code', [env.f.patient.id])).rows;
    assert.equal(rows.length, 3);
    for (const o of rows) {
      assert.equal(o.source, 'device');
      assert.equal(o.recorded_by, 'client:gw-a');
      assert.ok(Math.abs(o.device_clock_offset_ms) < 5000);
    }
    assert.equal(rows[2]!.idempotency_key, idempotencyKeyFor('gw-a', 'OX-1', 'r-2'));
    const dev = (await env.db.query<{ id: string; model: string; organisation_id: string }>('select * from devices where serial = $1', ['OX-1'])).rows;
    assert.equal(dev.length, 1);
    assert.equal(dev[0]!.organisation_id, env.f.orgs.muniA);
    assert.equal(dev[0]!.model, 'Pulsoksymeter X');
    assert.equal(rows[0]!.device_id, dev[0]!.id);
    const alerts = (await env.db.query<{ rule_id: string; zone: string }>('select rule_id, zone from alerts where patient_id = $1', [env.f.patient.id])).rows;
    assert.deepEqual(alerts, [{ rule_id: 'threshold:spo2', zone: 'red' }]);
    assert.equal(await count(`audit_events where patient_id = $1 and action = 'create' and actor_id = 'gw-a'`, [env.f.patient.id]), 2);
  });

  test('re-sending is idempotent: duplicates are reported, nothing is stored twice, alerts are not merged again', async () => {
    const before = await count('observations');
    const r = await ingest({
      sentAt: ago(0), device: { serial: 'OX-1' },
      readings: [
        { readingId: 'r-2', patientIdentifier: env.f.patient.identifier, effectiveAt: ago(60_000), measurements: [{ code: 'spo2', value: 85 }] },
        { readingId: 'r-1', patientId: env.f.patient.id, effectiveAt: ago(3600_000), measurements: [{ code: 'spo2', value: 95 }, { code: 'heart_rate', value: 72 }] },
      ],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.results!.map((x) => [x.readingId, x.status, x.zone]), [['r-2', 'duplicate', 'red'], ['r-1', 'duplicate', 'green']]);
    assert.equal(r.body.results![1]!.observationIds.length, 2);
    assert.equal(await count('observations'), before);
    assert.equal((await env.db.query<{ occurrences: number }>('select occurrences from alerts where patient_id = $1', [env.f.patient.id])).rows[0]!.occurrences, 1);

    const mixed = await ingest({
      sentAt: ago(0), device: { serial: 'OX-1' },
      readings: [
        { readingId: 'r-1', patientId: env.f.patient.id, effectiveAt: ago(3600_000), measurements: [{ code: 'spo2', value: 95 }] },
        { readingId: 'r-3', patientId: env.f.patient.id, effectiveAt: ago(30_000), measurements: [{ code: 'spo2', value: 96 }] },
      ],
    });
    assert.equal(mixed.status, 201);
    assert.deepEqual(mixed.body.results!.map((x) => x.status), ['duplicate', 'created']);
    // The reading id is unique per device: another device may use the same one.
    const other = await ingest({ sentAt: ago(0), device: { serial: 'OX-2' }, readings: [{ readingId: 'r-3', patientId: env.f.patient.id, effectiveAt: ago(20_000), measurements: [{ code: 'spo2', value: 97 }] }] });
    assert.deepEqual(other.body.results!.map((x) => x.status), ['created']);
  });

  test('a device clock far off is corrected and recorded; a small offset is left alone', async () => {
    // The device clock is 1 h behind ours: it says it sent the batch an hour ago.
    const hour = 3600_000;
    const r = await ingest({ sentAt: ago(hour), readings: [{ readingId: 'slow-1', patientId: env.f.patient.id, effectiveAt: ago(hour + 10 * 60_000), measurements: [{ code: 'spo2', value: 94 }] }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.clockCorrected, true);
    assert.ok(Math.abs(r.body.clockOffsetMs! - hour) < 5000);
    const stored = Date.parse(r.body.results![0]!.effectiveAt);
    assert.ok(Math.abs(stored - (Date.now() - 10 * 60_000)) < 5000, 'stored in our time');
    const o = (await env.db.query<{ effective_at: Date; device_clock_offset_ms: number }>('select * from observations where id = $1', [r.body.results![0]!.observationIds[0]])).rows[0]!;
    assert.equal(o.effective_at.getTime(), stored);
    assert.equal(o.device_clock_offset_ms, r.body.clockOffsetMs);

    // 30 s behind: transmission delay, not a wrong clock; the device's time is kept.
    const eff = ago(5 * 60_000);
    const small = await ingest({ sentAt: ago(30_000), readings: [{ readingId: 'small-1', patientId: env.f.patient.id, effectiveAt: eff, measurements: [{ code: 'spo2', value: 94 }] }] });
    assert.equal(small.body.clockCorrected, false);
    assert.ok(small.body.clockOffsetMs! < CLOCK_SKEW_TOLERANCE_MS);
    assert.equal(small.body.results![0]!.effectiveAt, eff);

    // A device clock 1 h ahead, reading taken just now by it: stored now, not in the future.
    const fast = await ingest({ sentAt: new Date(Date.now() + hour).toISOString(), readings: [{ readingId: 'fast-1', patientId: env.f.patient.id, effectiveAt: new Date(Date.now() + hour - 1000).toISOString(), measurements: [{ code: 'spo2', value: 94 }] }] });
    assert.equal(fast.status, 201, JSON.stringify(fast.body));
    assert.ok(Date.parse(fast.body.results![0]!.effectiveAt) <= Date.now());
  });

  test('late uploads are triaged in the order they were measured', async () => {
    const r = await ingest({
      sentAt: ago(0),
      readings: [
        { readingId: 'late-2', patientId: env.f.patient.id, effectiveAt: ago(2 * 3600_000), measurements: [{ code: 'heart_rate', value: 135 }] },
        { readingId: 'late-1', patientId: env.f.patient.id, effectiveAt: ago(3 * 3600_000), measurements: [{ code: 'heart_rate', value: 131 }] },
      ],
    });
    assert.equal(r.status, 201);
    const a = (await env.db.query<{ findings: { at: string; values: { value: number }[] }[] }>(`select findings from alerts where rule_id = 'threshold:heart_rate'`)).rows[0]!;
    assert.deepEqual(a.findings.map((x) => x.values[0]!.value), [131, 135]);
  });

  test('a meter HI/LO flag and a value beyond the meter range are red, never refused (issue 8)', async () => {
    const r = await ingest({
      sentAt: ago(0),
      readings: [
        { readingId: 'glu-hi', patientId: env.f.patient.id, effectiveAt: ago(5 * 3600_000), measurements: [{ code: 'glucose', interpretation: 'HI' }] },
        { readingId: 'glu-35', patientId: env.f.patient.id, effectiveAt: ago(4 * 3600_000), measurements: [{ code: 'glucose', value: 630, unit: 'mg/dL' }] },
        { readingId: 'glu-lo', patientId: env.f.patient.id, effectiveAt: ago(3.5 * 3600_000), measurements: [{ code: 'glucose', value: 0.6, interpretation: 'LO' }] },
      ],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.results!.map((x) => x.zone), ['red', 'red', 'red']);
    const rows = (await env.db.query<{ value: number; interpretation: string | null }>(
      `select value, interpretation from observations where patient_id = $1 and code = 'glucose' order by effective_at`, [env.f.patient.id])).rows;
    assert.deepEqual(rows.map((x) => [x.value, x.interpretation]), [[33.3, 'HI'], [35, null], [0.6, 'LO']]);
  });
});

describe('refusals', () => {
  test('one bad reading refuses the whole upload, naming every bad field; nothing is stored', async () => {
    const before = await count('observations');
    const r = await ingest({
      sentAt: ago(0),
      readings: [
        { readingId: 'bad-0', patientId: env.f.patient.id, effectiveAt: ago(1000), measurements: [{ code: 'spo2', value: 95 }] },
        { readingId: 'bad-1', patientId: env.f.patient.id, effectiveAt: new Date(Date.now() + 3600_000).toISOString(), measurements: [{ code: 'spo2', value: 95 }] },
        { readingId: 'bad-2', patientId: env.f.patient.id, effectiveAt: ago(1000), measurements: [{ code: 'heart_rate', value: 70 }, { code: 'spo2', value: 104 }] },
        { readingId: 'bad-3', patientId: env.f.patient.id, effectiveAt: ago(1000), measurements: [{ code: 'spo2', value: 0.95, unit: '1' }] },
      ],
    });
    assert.equal(r.status, 422);
    assert.equal(r.body.error!.code, 'future_timestamp');
    assert.match(r.body.error!.message, /Reading 1 .*in the future.*3 of 4 readings/);
    assert.deepEqual(Object.keys(r.body.error!.fields!).sort(), ['readings.1.effectiveAt', 'readings.2.measurements.1.value', 'readings.3.measurements.0.unit']);
    assert.equal(await count('observations'), before);
  });

  test('a device without a usable clock is refused', async () => {
    const r = await ingest({ sentAt: ago(3 * 86_400_000), readings: [{ readingId: 'clock-0', patientId: env.f.patient.id, effectiveAt: ago(3 * 86_400_000), measurements: [{ code: 'spo2', value: 95 }] }] });
    assert.equal(r.status, 422);
    assert.equal(r.body.error!.code, 'device_clock_unreliable');
    assert.ok(r.body.error!.fields!.sentAt);
  });

  test('malformed uploads get 400 with the reading index and field', async () => {
    const r = await ingest({
      sentAt: 'yesterday',
      readings: [
        { patientId: env.f.patient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] },
        { readingId: 'x', patientId: env.f.patient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: '95' }] },
      ],
    });
    assert.equal(r.status, 400);
    for (const k of ['sentAt', 'readings.0.readingId', 'readings.1.measurements.0.value']) {
      assert.ok(r.body.error!.fields![k], `${k} in ${JSON.stringify(r.body.error!.fields)}`);
    }
    // Cross-field rules are checked once the shapes are right.
    const rules = await ingest({
      sentAt: ago(0),
      readings: [
        { readingId: 'x', patientId: env.f.patient.id, patientIdentifier: env.f.patient.identifier, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] },
        { readingId: 'x', patientId: env.f.patient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }, { code: 'spo2', value: 96 }] },
        { readingId: 'y', effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] },
      ],
    });
    assert.equal(rules.status, 400);
    for (const k of ['readings.0.patientId', 'readings.1.measurements.1.code', 'readings.2.patientId']) {
      assert.ok(rules.body.error!.fields![k], `${k} in ${JSON.stringify(rules.body.error!.fields)}`);
    }
    const dup = await ingest({ sentAt: ago(0), readings: [0, 1].map(() => ({ readingId: 'same', patientId: env.f.patient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] })) });
    assert.equal(dup.status, 400);
    assert.match(dup.body.error!.fields!['readings.1.readingId']!, /reading 0/);
    const tooMany = await ingest({ sentAt: ago(0), readings: Array.from({ length: 1001 }, (_, i) => ({ readingId: `m-${i}`, patientId: env.f.patient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] })) });
    assert.equal(tooMany.status, 400);
    assert.ok(tooMany.body.error!.fields!.readings);
    const badFnr = await ingest({ sentAt: ago(0), readings: [{ readingId: 'fnr-0', patientIdentifier: '12345678901', effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] }] });
    assert.equal(badFnr.status, 422);
    assert.ok(badFnr.body.error!.fields!['readings.0.patientIdentifier']);
  });

  test('patients outside the client’s care teams are refused (audited), also inside an otherwise good batch', async () => {
    const before = await count('observations');
    const deniedBefore = await count(`audit_events where outcome = 'denied' and actor_id = 'gw-a'`);
    const r = await ingest({
      sentAt: ago(0),
      readings: [
        { readingId: 'ok-0', patientId: env.f.patient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] },
        { readingId: 'no-1', patientId: env.f.otherPatient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] },
        { readingId: 'no-2', patientIdentifier: env.f.otherPatient.identifier, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] },
      ],
    });
    assert.equal(r.status, 403);
    assert.deepEqual(Object.keys(r.body.error!.fields!), ['readings.1.patientId', 'readings.2.patientIdentifier']);
    assert.equal(await count('observations'), before);
    assert.equal(await count(`audit_events where outcome = 'denied' and actor_id = 'gw-a'`), deniedBefore + 1);
    // An unknown (valid) identity number is refused the same way: no probing who is registered.
    const { syntheticFnr } = await import('../../domain/identifiers.js');
    const unknown = await ingest({ sentAt: ago(0), readings: [{ readingId: 'unk-0', patientIdentifier: syntheticFnr('1950-05-05', 301), effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] }] });
    assert.equal(unknown.status, 403);
    assert.ok(unknown.body.error!.fields!['readings.0.patientIdentifier']);
  });

  test('a reading resolves its own missing-measurement alert only, among many open ones', async () => {
    // Open missing alerts of both fixture patients for several measures; the upload answers one.
    const open = async (patientId: string, episodeId: string, planId: string, code: string) => env.db.query(
      `insert into alerts (patient_id, episode_id, rule_id, kind, zone, status, plan_id, plan_version, summary, first_at, last_at)
       values ($1, $2, $3, 'missing', 'missing', 'open', $4, 1, '{"nb":"x","nn":"x","en":"x"}', now() - interval '1 hour', now() - interval '1 hour')
       on conflict do nothing`, [patientId, episodeId, `missing:${code}`, planId]);
    const { patient: p, otherPatient: o } = env.f;
    for (const code of ['spo2', 'weight', 'heart_rate']) {
      await open(p.id, p.episodeId, p.planId, code);
      await open(o.id, o.episodeId, o.planId, code);
    }
    const r = await ingest({ sentAt: ago(0), readings: [{ readingId: 'miss-1', patientId: p.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 96 }, { code: 'heart_rate', value: 70 }] }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const states = (await env.db.query<{ patient_id: string; rule_id: string; status: string }>(
      `select patient_id, rule_id, status from alerts where zone = 'missing' and patient_id = any($1::uuid[]) order by patient_id = $2 desc, rule_id`, [[p.id, o.id], p.id])).rows;
    assert.deepEqual(states.map((x) => [x.patient_id === p.id ? 'p' : 'o', x.rule_id, x.status]), [
      ['p', 'missing:heart_rate', 'resolved'], ['p', 'missing:spo2', 'resolved'], ['p', 'missing:weight', 'open'],
      ['o', 'missing:heart_rate', 'open'], ['o', 'missing:spo2', 'open'], ['o', 'missing:weight', 'open'],
    ]);
  });

  test('only device clients with observation.write may upload', async () => {
    const body = { sentAt: ago(0), readings: [{ readingId: 'who-0', patientId: env.f.patient.id, effectiveAt: ago(0), measurements: [{ code: 'spo2', value: 95 }] }] };
    assert.equal((await ingest(body, {})).status, 401);
    assert.equal((await ingest(body, { bearer: 'not-a-token' })).status, 401);
    assert.equal((await ingest(body, { bearer: readOnlyToken })).status, 403);
    assert.equal((await ingest(body, { cookie: env.c.nurseA })).status, 403);
    assert.equal((await ingest(body, { cookie: env.c.patient })).status, 403);
  });
});
