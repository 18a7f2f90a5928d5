import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countRows, useTestServer } from '../testing/server.js';

const env = useTestServer();
const note = { contactType: 'phone', text: 'Ringte Kari om begge målingene.' };

async function openAlerts(patientId: string) {
  return (await env.db.query<{ id: string; zone: string; status: string }>(`select id, zone, status from alerts where patient_id = $1 and status = 'open' order by zone`, [patientId])).rows;
}

describe('acknowledge all open alerts of a patient with one note', () => {
  test('two open alerts are acknowledged in one go, with one note, audited, and the patient app then shows no open advice', async () => {
    let r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'bulk-sitting-1', measurements: [{ code: 'heart_rate', value: 130 }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'bulk-sitting-2', measurements: [{ code: 'spo2', value: 85 }, { code: 'heart_rate', value: 110 }] });
    const alerts = await openAlerts(env.f.patient.id);
    assert.ok(alerts.length >= 2, JSON.stringify(alerts));

    // The patient sees every open advice (red first) until a nurse acknowledges.
    const before = await env.call('GET', '/api/me/status', env.c.patient);
    assert.equal(before.status, 200);
    const advice = before.body!.advice as { zone: string; actions: { code: string; text: string }[]; notice: string | null };
    assert.equal(advice.zone, 'red');
    assert.ok(advice.actions.some((a) => /116 117/.test(a.text)), JSON.stringify(advice));
    assert.ok(advice.actions.some((a) => /Hvil og mål igjen/.test(a.text)), `the heart-rate yellow advice is kept too: ${JSON.stringify(advice)}`);
    assert.equal(before.body!.planApproved, true);
    const session = before.body!.session as { idleExpiresAt: string; idleMinutes: number };
    assert.equal(session.idleMinutes, 60);
    assert.ok(Date.parse(session.idleExpiresAt) > Date.now());

    const notesBefore = await countRows(env.db, 'contact_notes where patient_id = $1', [env.f.patient.id]);
    const ack = await env.call('POST', `/api/patients/${env.f.patient.id}/alerts/acknowledge`, env.c.nurseA, { alertIds: alerts.map((a) => a.id), note });
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    assert.deepEqual((ack.body!.alerts as { status: string }[]).map((a) => a.status), alerts.map(() => 'acknowledged'));
    assert.equal(await countRows(env.db, 'contact_notes where patient_id = $1', [env.f.patient.id]), notesBefore + 1, 'one note for all');
    assert.equal(
      await countRows(env.db, `audit_events where patient_id = $1 and resource_type = 'Flag' and action = 'update' and details->>'bulk' = 'true'`, [env.f.patient.id]),
      alerts.length,
    );
    assert.equal((await openAlerts(env.f.patient.id)).length, 0);

    const after = await env.call('GET', '/api/me/status', env.c.patient);
    assert.equal(after.body!.advice, null);
  });

  test('an alert already handled makes the whole call fail and nothing changes (one transaction)', async () => {
    // Acknowledged alerts absorb new readings of the same rule; start from resolved ones.
    await env.db.query(`update alerts set status = 'resolved', resolved_at = now() where patient_id = $1`, [env.f.patient.id]);
    await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'bulk-sitting-3', measurements: [{ code: 'spo2', value: 84 }] });
    await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'bulk-sitting-4', measurements: [{ code: 'heart_rate', value: 131 }] });
    const alerts = await openAlerts(env.f.patient.id);
    assert.ok(alerts.length >= 2);
    const first = alerts[0]!;
    const one = await env.call('POST', `/api/alerts/${first.id}/acknowledge`, env.c.nurseA, { note });
    assert.equal(one.status, 200);
    const notesBefore = await countRows(env.db, 'contact_notes where patient_id = $1', [env.f.patient.id]);
    const r = await env.call('POST', `/api/patients/${env.f.patient.id}/alerts/acknowledge`, env.c.nurseA, { alertIds: alerts.map((a) => a.id), note });
    assert.equal(r.status, 409);
    assert.equal((r.body!.error as { code: string }).code, 'alerts_changed');
    assert.equal((await openAlerts(env.f.patient.id)).length, alerts.length - 1, 'the others are still open');
    assert.equal(await countRows(env.db, 'contact_notes where patient_id = $1', [env.f.patient.id]), notesBefore);
  });

  test('a nurse without a care relation is refused, and an alert of another patient is unknown', async () => {
    const alerts = await openAlerts(env.f.patient.id);
    assert.ok(alerts.length >= 1);
    const foreign = await env.call('POST', `/api/patients/${env.f.patient.id}/alerts/acknowledge`, env.c.nurseB, { alertIds: alerts.map((a) => a.id), note });
    assert.equal(foreign.status, 403);
    const mixed = await env.call('POST', `/api/patients/${env.f.otherPatient.id}/alerts/acknowledge`, env.c.nurseA, { alertIds: alerts.map((a) => a.id), note });
    assert.ok(mixed.status === 404 || mixed.status === 403, String(mixed.status));
    assert.equal((await openAlerts(env.f.patient.id)).length, alerts.length);
    const bad = await env.call('POST', `/api/patients/${env.f.patient.id}/alerts/acknowledge`, env.c.nurseA, { alertIds: alerts.map((a) => a.id), note: { contactType: 'phone', text: '' } });
    assert.equal(bad.status, 400);
    assert.ok((bad.body!.error as { fields: Record<string, string> }).fields['note.text']);
  });

  test('the patient app is refused the clinic route', async () => {
    const alerts = await openAlerts(env.f.patient.id);
    const r = await env.call('POST', `/api/patients/${env.f.patient.id}/alerts/acknowledge`, env.c.patient, { alertIds: alerts.map((a) => a.id), note });
    assert.equal(r.status, 403);
  });
});
