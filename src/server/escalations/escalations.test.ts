import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';

let alertId: string;

const env = useTestServer({
  setup: async ({ call, c, db, f }) => {
    await call('POST', '/api/me/observations', c.patient, { idempotencyKey: 'esc-red-0001', measurements: [{ code: 'spo2', value: 85 }] });
    alertId = (await db.query<{ id: string }>('select id from alerts where patient_id = $1', [f.patient.id])).rows[0]!.id;
  },
});
const { call, count } = env;


/** Opens the live stream as `cookie`, runs `act`, and returns the first worklist event (or null after `ms`). */
async function firstEvent(cookie: string, act: () => Promise<void>, ms = 3000): Promise<{ patientId: string; reason: string } | null> {
  const ctl = new AbortController();
  const res = await fetch(`${env.server.url}/api/worklist/stream`, { headers: { cookie }, signal: ctl.signal });
  const reader = res.body!.getReader();
  let buf = new TextDecoder().decode((await reader.read()).value);
  await act();
  const deadline = Date.now() + ms;
  try {
    while (Date.now() < deadline) {
      const r = await Promise.race([reader.read(), new Promise<null>((ok) => setTimeout(() => ok(null), deadline - Date.now()))]);
      if (!r || r.done) return null;
      buf += new TextDecoder().decode(r.value);
      const m = /event: worklist\ndata: (.*)\n\n/.exec(buf);
      if (m) return JSON.parse(m[1]!) as { patientId: string; reason: string };
    }
    return null;
  } finally {
    ctl.abort();
  }
}

test('a note is required; a nurse without a care relation is refused and the refusal audited', async () => {
  const empty = await call('POST', `/api/alerts/${alertId}/escalate`, env.c.nurseA, { note: '' });
  assert.equal(empty.status, 400);
  assert.ok((empty.body!.error as { fields: Record<string, string> }).fields.note);
  const denied = await call('POST', `/api/alerts/${alertId}/escalate`, env.c.nurseB, { note: 'Se på denne.' });
  assert.equal(denied.status, 403);
  assert.equal(await count(`audit_events where patient_id = $1 and outcome = 'denied' and resource_type = 'Escalation'`, [env.f.patient.id]), 1);
  assert.equal((await call('POST', `/api/alerts/00000000-0000-4000-8000-000000000000/escalate`, env.c.nurseA, { note: 'Hei.' })).status, 404);
});

test('the nurse escalates; the GP office hears it live and finds it in its list', async () => {
  let created: Record<string, unknown> | null = null;
  const event = await firstEvent(env.c.gp, async () => {
    const r = await call('POST', `/api/alerts/${alertId}/escalate`, env.c.nurseA, { note: 'SpO2 85 % to dager på rad. Vurder antibiotika.' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    created = r.body;
  });
  assert.deepEqual(event && { patientId: event.patientId, reason: event.reason }, { patientId: env.f.patient.id, reason: 'escalation' });
  assert.equal(created!.status, 'open');
  assert.equal(created!.toOrganisation, 'Legekontoret');
  assert.equal(created!.createdBy, 'Sykepleier A');
  assert.equal(await count(`audit_events where patient_id = $1 and action = 'create' and resource_type = 'Escalation'`, [env.f.patient.id]), 1);

  const inbox = await call('GET', '/api/escalations?status=open', env.c.gp);
  assert.equal(inbox.status, 200);
  const list = inbox.body!.escalations as { patient: { name: string }; note: string; alert: { zone: string; summary: { nb: string } } }[];
  assert.equal(list.length, 1);
  assert.equal(list[0]!.patient.name, 'Kari Testesen');
  assert.equal(list[0]!.alert.zone, 'red');
  assert.match(list[0]!.alert.summary.nb, /SpO2/);
  // Reading the inbox shows in the patient's access log.
  const log = await call('GET', '/api/me/access-log', env.c.patient);
  assert.ok((log.body!.events as { actorName: string; resourceType: string }[]).some((e) => e.actorName === 'Fastlege' && e.resourceType === 'Escalation'));
  // Nurses of the municipality receive nothing in their GP inbox, and patients cannot list escalations.
  assert.deepEqual((await call('GET', '/api/escalations', env.c.nurseA)).body!.escalations, []);
  assert.equal((await call('GET', '/api/escalations', env.c.patient)).status, 403);
});

test('the same alert cannot be escalated twice while open', async () => {
  const again = await call('POST', `/api/alerts/${alertId}/escalate`, env.c.nurseA, { note: 'Igjen.' });
  assert.equal(again.status, 409);
});

test('only the receiving GP office marks it handled, once', async () => {
  const id = (await env.db.query<{ id: string }>('select id from escalations')).rows[0]!.id;
  assert.equal((await call('POST', `/api/escalations/${id}/handle`, env.c.nurseA, {})).status, 403);
  const ok = await call('POST', `/api/escalations/${id}/handle`, env.c.gp, { note: 'Startet antibiotika, kontroll fredag.' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body!.status, 'handled');
  assert.equal(ok.body!.handledBy, 'Fastlege');
  assert.equal((await call('POST', `/api/escalations/${id}/handle`, env.c.gp, {})).status, 409);
  assert.deepEqual((await call('GET', '/api/escalations?status=open', env.c.gp)).body!.escalations, []);
  const forPatient = await call('GET', `/api/patients/${env.f.patient.id}/escalations`, env.c.nurseA);
  assert.deepEqual((forPatient.body!.escalations as { status: string; handledNote: string }[]).map((e) => [e.status, e.handledNote]), [['handled', 'Startet antibiotika, kontroll fredag.']]);
  assert.equal((await call('GET', `/api/patients/${env.f.patient.id}/escalations`, env.c.nurseB)).status, 403);
});

test('a resolved alert cannot be escalated', async () => {
  await call('POST', `/api/alerts/${alertId}/resolve`, env.c.nurseA, { note: { contactType: 'phone', text: 'Bedre nå.' } });
  assert.equal((await call('POST', `/api/alerts/${alertId}/escalate`, env.c.nurseA, { note: 'For sent.' })).status, 409);
});
