import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countRows, useTestServer } from '../testing/server.js';

const env = useTestServer();

const call = (method: string, url: string, cookie: string | null, body?: unknown) => env.call(method, url, cookie, body);

const count = (fromClause: string, params: unknown[] = []) => countRows(env.db, fromClause, params);

describe('patient records measurements', () => {
  test('a red SpO2 gives red feedback with the plan action, an explained alert and an audit record', async () => {
    const r = await call('POST', '/api/me/observations', env.c.patient, {
      idempotencyKey: 'sitting-0001', measurements: [{ code: 'spo2', value: 85, unit: '%' }, { code: 'heart_rate', value: 88 }],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const obs = r.body!.observations as { code: string; zone: string; unit: string }[];
    assert.deepEqual(obs.map((o) => [o.code, o.zone, o.unit]).sort(), [['heart_rate', 'green', '/min'], ['spo2', 'red', '%']]);
    const fb = r.body!.feedback as { zone: string; action: string };
    assert.equal(fb.zone, 'red');
    assert.match(fb.action, /legevakt 116 117/);

    const alerts = await env.db.query<{ rule_id: string; zone: string; plan_version: number; status: string; findings: { values: { value: number }[] }[] }>(
      'select * from alerts where patient_id = $1', [env.f.patient.id]);
    assert.equal(alerts.rows.length, 1);
    const a = alerts.rows[0]!;
    assert.equal(a.rule_id, 'threshold:spo2');
    assert.equal(a.zone, 'red');
    assert.equal(a.plan_version, 1);
    assert.equal(a.status, 'open');
    assert.equal(a.findings[0]!.values[0]!.value, 85);
    assert.equal(await count(`audit_events where patient_id = $1 and action = 'create' and resource_type = 'Observation'`, [env.f.patient.id]), 1);
  });

  test('the same idempotency key again stores nothing new and returns the same readings', async () => {
    const before = await count('observations where patient_id = $1', [env.f.patient.id]);
    const r = await call('POST', '/api/me/observations', env.c.patient, {
      idempotencyKey: 'sitting-0001', measurements: [{ code: 'spo2', value: 85, unit: '%' }, { code: 'heart_rate', value: 88 }],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body!.replayed, true);
    assert.equal(await count('observations where patient_id = $1', [env.f.patient.id]), before);
    assert.equal((await env.db.query<{ occurrences: number }>('select occurrences from alerts where patient_id = $1', [env.f.patient.id])).rows[0]!.occurrences, 1);
    assert.equal((r.body!.feedback as { zone: string }).zone, 'red');
  });

  test('a second red reading is merged into the open alert', async () => {
    const r = await call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'sitting-0002', measurements: [{ code: 'spo2', value: 86 }] });
    assert.equal(r.status, 201);
    const rows = (await env.db.query<{ occurrences: number }>(`select occurrences from alerts where patient_id = $1 and status <> 'resolved'`, [env.f.patient.id])).rows;
    assert.deepEqual(rows.map((x) => x.occurrences), [2]);
  });

  test('impossible values are refused with the field named and nothing is stored', async () => {
    const before = await count('observations');
    const r = await call('POST', '/api/me/observations', env.c.patient, {
      idempotencyKey: 'sitting-0003', measurements: [{ code: 'heart_rate', value: 70 }, { code: 'spo2', value: 104 }],
    });
    assert.equal(r.status, 422);
    const err = r.body!.error as { code: string; fields: Record<string, string> };
    assert.equal(err.code, 'invalid_measurement');
    assert.match(err.fields['measurements.1.value']!, /104/);
    assert.equal(await count('observations'), before);
  });

  test('glucose in mg/dL is converted, other units refused', async () => {
    const bad = await call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'sitting-0004', measurements: [{ code: 'spo2', value: 0.95, unit: '1' }] });
    assert.equal(bad.status, 422);
    assert.ok((bad.body!.error as { fields: Record<string, string> }).fields['measurements.0.unit']);
  });

  test('malformed bodies and future times are refused clearly', async () => {
    const r = await call('POST', '/api/me/observations', env.c.patient, { measurements: [] });
    assert.equal(r.status, 400);
    const fields = (r.body!.error as { fields: Record<string, string> }).fields;
    assert.ok(fields.idempotencyKey && fields.measurements);
    const future = new Date(Date.now() + 3600_000).toISOString();
    const r2 = await call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'sitting-0005', effectiveAt: future, measurements: [{ code: 'spo2', value: 95 }] });
    assert.equal(r2.status, 422);
    assert.equal((r2.body!.error as { code: string }).code, 'future_timestamp');
  });
});

describe('nurse follows up', () => {
  test('the worklist shows the red patient first, and only the patients of the nurse’s organisation', async () => {
    const a = await call('GET', '/api/worklist', env.c.nurseA);
    assert.equal(a.status, 200);
    const items = a.body!.items as { patient: { id: string }; status: string; reason: { nb: string } }[];
    assert.deepEqual(items.map((i) => i.patient.id), [env.f.patient.id]);
    assert.equal(items[0]!.status, 'red');
    assert.match(items[0]!.reason.nb, /88/);
    const b = await call('GET', '/api/worklist', env.c.nurseB);
    assert.deepEqual((b.body!.items as { patient: { id: string } }[]).map((i) => i.patient.id), [env.f.otherPatient.id]);
  });

  test('a nurse without a care relation is refused, and the refusal is audited', async () => {
    const r = await call('GET', `/api/patients/${env.f.patient.id}/observations`, env.c.nurseB);
    assert.equal(r.status, 403);
    assert.equal(await count(`audit_events where patient_id = $1 and outcome = 'denied' and actor_id = $2`, [env.f.patient.id, env.f.people.nurseB]), 1);
  });

  test('acknowledging needs a contact note; with one, the alert is acknowledged and the note kept', async () => {
    const alerts = await call('GET', `/api/patients/${env.f.patient.id}/alerts`, env.c.nurseA);
    const alert = (alerts.body!.alerts as { id: string; summary: { nb: string }; planVersion: number }[])[0]!;
    assert.equal(alert.planVersion, 1);
    const missing = await call('POST', `/api/alerts/${alert.id}/acknowledge`, env.c.nurseA, {});
    assert.equal(missing.status, 400);
    assert.ok((missing.body!.error as { fields: Record<string, string> }).fields.note);
    const wrong = await call('POST', `/api/alerts/${alert.id}/acknowledge`, env.c.nurseB, { note: { contactType: 'phone', text: 'Ringte pasienten' } });
    assert.equal(wrong.status, 403);
    const ok = await call('POST', `/api/alerts/${alert.id}/acknowledge`, env.c.nurseA, { note: { contactType: 'phone', text: 'Ringte pasienten, startet beredskapspakke.' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body!.status, 'acknowledged');
    assert.equal(ok.body!.acknowledgedBy, 'Sykepleier A');
    const notes = await call('GET', `/api/patients/${env.f.patient.id}/notes`, env.c.nurseA);
    assert.equal((notes.body!.notes as { alertId: string; contactType: string }[])[0]!.alertId, alert.id);
    const again = await call('POST', `/api/alerts/${alert.id}/acknowledge`, env.c.nurseA, { note: { contactType: 'phone', text: 'igjen' } });
    assert.equal(again.status, 409);
    const wl = await call('GET', '/api/worklist', env.c.nurseA);
    assert.equal((wl.body!.items as { status: string }[])[0]!.status, 'green');
  });

  test('a worse reading reopens an acknowledged yellow alert as red', async () => {
    await call('POST', `/api/patients/${env.f.patient.id}/observations`, env.c.nurseA, { idempotencyKey: 'visit-0001', measurements: [{ code: 'heart_rate', value: 105 }] });
    const yellow = (await env.db.query<{ id: string; zone: string }>(`select id, zone from alerts where rule_id = 'threshold:heart_rate'`)).rows[0]!;
    assert.equal(yellow.zone, 'yellow');
    await call('POST', `/api/alerts/${yellow.id}/acknowledge`, env.c.nurseA, { note: { contactType: 'phone', text: 'Pasienten hviler.' } });
    await call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'sitting-0006', measurements: [{ code: 'heart_rate', value: 130 }] });
    const after = (await env.db.query<{ zone: string; status: string; occurrences: number }>('select zone, status, occurrences from alerts where id = $1', [yellow.id])).rows[0]!;
    assert.deepEqual(after, { zone: 'red', status: 'open', occurrences: 2 });
  });

  test('the patient sees who accessed their data', async () => {
    const r = await call('GET', '/api/me/access-log', env.c.patient);
    const events = r.body!.events as { actorName: string; organisation: string }[];
    assert.ok(events.some((e) => e.actorName === 'Sykepleier A' && e.organisation === 'Kommune A'));
    assert.ok(!events.some((e) => e.actorName === 'Sykepleier B'), 'a refused attempt is not shown as an access');
  });
});
