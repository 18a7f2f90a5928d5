import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Bundle, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { FNR_SYSTEM } from '../../domain/identifiers.js';
import { registerClient } from '../auth/clients.js';
import { TEST_PLAN } from '../testing/fixtures.js';
import { countRows, useTestServer } from '../testing/server.js';
import { parseFhir, stringifyFhir } from './json.js';
import { EFFECTIVE_PRECISION_EXT, TRIAGE_EXT, TRIAGE_NOTE_EXT, ZONE_EXT } from './mappers.js';

/*
 * Issue 9, "Safety first": what used to lose or change clinical data, one test per bullet. Every
 * test fails on the FHIR face before issue 9 (values rounded or converted on the way back, reused
 * identifiers answered 200, mismatched subjects accepted, old readings alerting as new, statuses
 * refused or ignored, offsets and extra codings dropped).
 */

const env = useTestServer();
let gateway = '';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
/** Any answer of the FHIR face: an Observation, an OperationOutcome or a Bundle. */
type Answer = Omit<Observation, 'resourceType'> & Pick<OperationOutcome, 'issue'> & Pick<Bundle, 'entry'> & { resourceType: string };
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function post(url: string, body: unknown, who: 'gateway' | 'nurse' = 'gateway', headers: Record<string, string> = {}) {
  const res = await env.server.app.inject({
    method: 'POST', url,
    headers: { ...(who === 'gateway' ? { authorization: `Bearer ${gateway}` } : { cookie: env.c.nurseA }), 'content-type': 'application/fhir+json', ...headers },
    payload: typeof body === 'string' ? body : stringifyFhir(body),
  });
  return { status: res.statusCode, text: res.body, body: (res.body ? parseFhir(res.body) : undefined) as Answer };
}
async function get(url: string) {
  const res = await env.server.app.inject({ method: 'GET', url, headers: { cookie: env.c.nurseA } });
  return { status: res.statusCode, text: res.body, body: parseFhir(res.body) as Answer };
}
const ext = (o: Pick<Observation, 'extension'>, url: string) => o.extension?.find((e) => e.url === url);

function obs(code: string, value: number | undefined, unit: string, o: { at?: string; identifier?: string; status?: string; subject?: unknown } = {}): Observation {
  return {
    resourceType: 'Observation',
    ...(o.identifier ? { identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.2.99', value: o.identifier }] } : {}),
    status: (o.status ?? 'final') as Observation['status'],
    code: { coding: [{ system: LOINC, code }] },
    subject: (o.subject ?? { identifier: { system: FNR_SYSTEM, value: env.f.patient.identifier } }) as Observation['subject'],
    effectiveDateTime: o.at ?? ago(10),
    ...(value !== undefined ? { valueQuantity: { value, unit, system: UCUM, code: unit } } : {}),
  };
}

describe('FHIR safety (issue 9)', () => {
  before(async () => {
    const { db, f } = env;
    // SpO2 red below 86 (the issue's example); glucose planned so HI/LO and high values are judged.
    const plan = {
      ...TEST_PLAN,
      measures: [
        { ...TEST_PLAN.measures[0]!, thresholds: { redBelow: 86, yellowBelow: 92 } },
        TEST_PLAN.measures[1]!,
        { ...TEST_PLAN.measures[0]!, code: 'glucose', thresholds: { redBelow: 3, yellowBelow: 4, yellowAbove: 15, redAbove: 20 } },
      ],
    };
    await db.query('update plans set definition = $1 where id = $2', [JSON.stringify(plan), f.patient.planId]);
    const c = await registerClient(db, { clientId: 'safety-gw', name: 'Safety gateway', organisationId: f.orgs.muniA, scopes: ['observation.write', 'device.read'] });
    const res = await env.server.app.inject({
      method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
    });
    gateway = (JSON.parse(res.body) as { access_token: string }).access_token;
  });

  test('values are stored exactly as sent: SpO2 85.5 against "red below 86" is red; 37.0 reads back as 37.0', async () => {
    const r = await post('/fhir/Observation', obs('59408-5', 85.5, '%', { identifier: 'exact-1' }));
    assert.equal(r.status, 201, r.text);
    assert.equal(ext(r.body, ZONE_EXT)?.valueCode, 'red');
    const row = (await env.db.query<{ value: number }>('select o.value from observations o join fhir_resources f on o.id = any(f.observation_ids) where f.id = $1', [r.body.id])).rows[0]!;
    assert.equal(row.value, 85.5);
    const t = await post('/fhir/Observation', '{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},' +
      `"subject":{"identifier":{"system":"${FNR_SYSTEM}","value":"${env.f.patient.identifier}"}},"effectiveDateTime":"${ago(5)}",` +
      '"valueQuantity":{"value":37.0,"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"}}');
    assert.equal(t.status, 201, t.text);
    const back = await get(`/fhir/Observation/${t.body.id}`);
    assert.match(back.text, /"value":37\.0[,}]/);
  });

  test('a business identifier reused with different content is a 409 naming both; the same content again is 200', async () => {
    const first = await post('/fhir/Observation', obs('8867-4', 72, '/min', { identifier: 'dup-1', at: ago(20) }));
    assert.equal(first.status, 201);
    const again = await post('/fhir/Observation', obs('8867-4', 72, '/min', { identifier: 'dup-1', at: first.body.effectiveDateTime }));
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    const before = await countRows(env.db, 'observations');
    const other = await post('/fhir/Observation', obs('8867-4', 140, '/min', { identifier: 'dup-1', at: first.body.effectiveDateTime }));
    assert.equal(other.status, 409, other.text);
    assert.equal(other.body.issue[0]!.code, 'duplicate');
    assert.match(other.body.issue[0]!.diagnostics!, new RegExp(`dup-1.*Observation/${first.body.id}`));
    assert.equal(await countRows(env.db, 'observations'), before, 'the 140/min was not stored under the old reading');
  });

  test('subject: reference and identifier naming different patients is refused; an absolute reference to another server is not a local patient', async () => {
    const before = await countRows(env.db, 'fhir_resources');
    const mismatch = await post('/fhir/Observation', obs('8867-4', 70, '/min', {
      subject: { reference: `Patient/${env.f.patient.id}`, identifier: { system: FNR_SYSTEM, value: env.f.otherPatient.identifier } },
    }));
    assert.equal(mismatch.status, 422, mismatch.text);
    assert.match(mismatch.body.issue[0]!.diagnostics!, /different patients|not name the same patient/);
    const foreign = await post('/fhir/Observation', obs('8867-4', 70, '/min', { subject: { reference: `https://ehr.example.org/fhir/Patient/${env.f.patient.id}` } }));
    assert.equal(foreign.status, 422, foreign.text);
    assert.match(foreign.body.issue[0]!.diagnostics!, /another server/);
    assert.equal(await countRows(env.db, 'fhir_resources'), before);
    const own = await post('/fhir/Observation', obs('8867-4', 70, '/min', { subject: { reference: `${env.server.url}/fhir/Patient/${env.f.patient.id}` }, at: ago(3) }));
    assert.equal(own.status, 201, own.text);
    // A conditional reference (R4 transaction rules) names the patient by fødselsnummer.
    const conditional = await post('/fhir/Observation', obs('8867-4', 71, '/min', { subject: { reference: `Patient?identifier=${FNR_SYSTEM}|${env.f.patient.identifier}` }, at: ago(3.5) }));
    assert.equal(conditional.status, 201, conditional.text);
    assert.equal(conditional.body.subject!.reference, `Patient?identifier=${FNR_SYSTEM}|${env.f.patient.identifier}`, 'kept as sent');
    assert.equal((await env.db.query<{ p: string }>('select patient_id as p from fhir_resources where id = $1', [conditional.body.id])).rows[0]!.p, env.f.patient.id);
  });

  test('readings older than the live window or from before the episode are history: stored, shown, no alert, and the answer says so', async () => {
    const alerts = await countRows(env.db, 'alerts where patient_id = $1', [env.f.patient.id]);
    // Red SpO2 four days ago (the window is 72 h) and eleven days ago (the episode started ten days ago).
    for (const [minutes, why] of [[4 * 24 * 60, /hours ago/], [11 * 24 * 60, /before this follow-up episode started/]] as const) {
      const r = await post('/fhir/Observation', obs('59408-5', 80, '%', { at: ago(minutes) }));
      assert.equal(r.status, 201, r.text);
      assert.equal(ext(r.body, TRIAGE_EXT)?.valueCode, 'history');
      assert.match(ext(r.body, TRIAGE_NOTE_EXT)!.valueString!, why);
      assert.equal(ext(r.body, ZONE_EXT), undefined);
    }
    assert.equal(await countRows(env.db, 'alerts where patient_id = $1', [env.f.patient.id]), alerts, 'no alert raised');
    // Shown: the readings are in the patient's record (charts read observations).
    assert.equal(await countRows(env.db, `observations where patient_id = $1 and code = 'spo2' and value = 80 and zone is null`, [env.f.patient.id]), 2);
    // In a batch the per-entry answer says it too.
    const b = await post('/fhir', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: obs('59408-5', 81, '%', { at: ago(5 * 24 * 60) }), request: { method: 'POST', url: 'Observation' } }] });
    assert.match(b.body.entry![0]!.response!.outcome!.issue[0]!.diagnostics!, /history/);
  });

  test('systolic below diastolic is refused as implausible; a meter HI glucose is accepted, flagged and red', async () => {
    const bp = {
      ...obs('85354-9', undefined, ''),
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 70, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 110, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
      ],
    };
    const r = await post('/fhir/Observation', bp);
    assert.equal(r.status, 422, r.text);
    assert.match(r.body.issue[0]!.diagnostics!, /systolic 70 is below diastolic 110/);
    const hi = await post('/fhir/Observation', {
      ...obs('15074-8', 33.3, 'mmol/L', { at: ago(4) }),
      valueQuantity: { value: 33.3, comparator: '>', unit: 'mmol/L', system: UCUM, code: 'mmol/L' },
      interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'HH' }], text: 'HI' }],
    });
    assert.equal(hi.status, 201, hi.text);
    assert.equal(ext(hi.body, ZONE_EXT)?.valueCode, 'red');
    assert.deepEqual(hi.body.valueQuantity, { value: 33.3, comparator: '>', unit: 'mmol/L', system: UCUM, code: 'mmol/L' });
    assert.equal((hi.body.code.coding ?? [])[0]!.code, '15074-8', 'glucose 15074-8 stays 15074-8');
  });

  test('a batch gives a result per reading; a transaction is all or nothing', async () => {
    const entry = (o: Observation) => ({ resource: o, request: { method: 'POST', url: 'Observation' } });
    const bad = { ...obs('8867-4', 70, '/min'), valueQuantity: { value: 'seventy' } } as unknown as Observation;
    const batch = await post('/fhir', { resourceType: 'Bundle', type: 'batch', entry: [entry(obs('8867-4', 71, '/min', { at: ago(6) })), entry(bad), entry(obs('9279-1', 18, '/min', { at: ago(6) }))] });
    assert.deepEqual(batch.body.entry!.map((e) => e.response!.status.slice(0, 3)), ['201', '400', '201']);
    assert.match(batch.body.entry![1]!.response!.outcome!.issue[0]!.expression![0]!, /^Bundle\.entry\[1\]\.resource\.valueQuantity\.value$/);
    const before = await countRows(env.db, 'fhir_resources');
    const tx = await post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [entry(obs('8867-4', 73, '/min', { at: ago(7) })), entry(bad)] });
    assert.equal(tx.status, 400);
    assert.equal(await countRows(env.db, 'fhir_resources'), before);
  });

  test('amended replaces the reading and is triaged again; entered-in-error retracts it and its alert findings, audited', async () => {
    const id = 'status-1';
    const red = await post('/fhir/Observation', obs('59408-5', 82, '%', { identifier: id, at: ago(8) }));
    assert.equal(ext(red.body, ZONE_EXT)?.valueCode, 'red');
    const alertOf = async () => (await env.db.query<{ id: string; status: string; findings: { values: { observationId?: string }[] }[] }>(
      `select id, status, findings from alerts where patient_id = $1 and rule_id = 'threshold:spo2' order by created_at desc limit 1`, [env.f.patient.id])).rows[0]!;
    const oldIds = (await env.db.query<{ ids: string[] }>('select observation_ids as ids from fhir_resources where id = $1', [red.body.id])).rows[0]!.ids;
    assert.ok((await alertOf()).findings.some((f) => f.values.some((v) => oldIds.includes(v.observationId ?? ''))));

    const amended = await post('/fhir/Observation', obs('59408-5', 95, '%', { identifier: id, at: red.body.effectiveDateTime, status: 'amended' }));
    assert.equal(amended.status, 200, amended.text);
    assert.equal(amended.body.id, red.body.id, 'the same resource, replaced');
    assert.equal(amended.body.status, 'amended');
    assert.equal(ext(amended.body, ZONE_EXT)?.valueCode, 'green', 'triaged again');
    assert.equal(await countRows(env.db, 'observations where id = any($1::uuid[])', [oldIds]), 0, 'the 82 % is withdrawn');
    assert.equal(await countRows(env.db, 'observations_retracted where id = any($1::uuid[])', [oldIds]), 1);
    assert.ok(!(await alertOf()).findings.some((f) => f.values.some((v) => oldIds.includes(v.observationId ?? ''))), 'its finding is gone');

    const newIds = (await env.db.query<{ ids: string[] }>('select observation_ids as ids from fhir_resources where id = $1', [red.body.id])).rows[0]!.ids;
    const audits = await countRows(env.db, `audit_events where resource_type = 'Observation' and action = 'update' and resource_id = $1`, [red.body.id]);
    const eie = await post('/fhir/Observation', obs('59408-5', 95, '%', { identifier: id, at: red.body.effectiveDateTime, status: 'entered-in-error' }));
    assert.equal(eie.status, 200, eie.text);
    assert.equal(ext(eie.body, TRIAGE_EXT)?.valueCode, 'retracted');
    assert.equal(await countRows(env.db, 'observations where id = any($1::uuid[])', [newIds]), 0);
    assert.ok((await countRows(env.db, `audit_events where resource_type = 'Observation' and action = 'update' and resource_id = $1`, [red.body.id])) > audits);
    const read = await get(`/fhir/Observation/${red.body.id}`);
    assert.equal(read.body.status, 'entered-in-error');
  });

  test('entered-in-error of a red reading resolves the alert it alone raised', async () => {
    const r = await post('/fhir/Observation', obs('8867-4', 150, '/min', { identifier: 'eie-red-1', at: ago(2) }));
    assert.equal(ext(r.body, ZONE_EXT)?.valueCode, 'red');
    const open = async () => countRows(env.db, `alerts where patient_id = $1 and rule_id = 'threshold:heart_rate' and status <> 'resolved'`, [env.f.patient.id]);
    assert.equal(await open(), 1);
    const eie = await post('/fhir/Observation', { ...obs('8867-4', 150, '/min', { identifier: 'eie-red-1', at: r.body.effectiveDateTime }), status: 'entered-in-error' });
    assert.equal(eie.status, 200, eie.text);
    assert.equal(await open(), 0);
  });

  test('entered-in-error takes the reading off the worklist: the newest remaining value shows, or none', async () => {
    // Body weight: no other test of this file sends one, so these are the episode's only ones.
    const state = async () => (await env.db.query<{ weight: { value: number } | null; last: Date | null; newest: Date | null }>(
      `select s.latest -> 'weight' as weight, s.last_observation_at as last,
              (select max(o.effective_at) from observations o where o.episode_id = s.episode_id) as newest
         from episode_state s where s.episode_id = $1`, [env.f.patient.episodeId])).rows[0]!;
    // What the nurse's worklist row shows as the patient's weight.
    const shown = async () => {
      const r = await env.call('GET', `/api/worklist?q=${env.f.patient.identifier}`, env.c.nurseA);
      assert.equal(r.status, 200);
      return (r.body as unknown as { items: { latest: Record<string, { value: number }> }[] }).items[0]!.latest['weight']?.value;
    };
    const older = await post('/fhir/Observation', obs('29463-7', 82.4, 'kg', { identifier: 'eie-weight-1', at: ago(30) }));
    assert.equal(older.status, 201, older.text);
    const wrong = await post('/fhir/Observation', obs('29463-7', 95.0, 'kg', { identifier: 'eie-weight-2', at: ago(1) }));
    assert.equal(wrong.status, 201, wrong.text);
    assert.equal((await state()).weight?.value, 95);
    assert.equal(await shown(), 95);
    const retract = (identifier: string, value: number, at: string) => post('/fhir/Observation', { ...obs('29463-7', value, 'kg', { identifier, at }), status: 'entered-in-error' });
    assert.equal((await retract('eie-weight-2', 95.0, wrong.body.effectiveDateTime!)).status, 200);
    let st = await state();
    assert.equal(st.weight?.value, 82.4, 'the newest remaining weight');
    assert.equal(await shown(), 82.4);
    assert.deepEqual(st.last, st.newest, 'the last reading is the newest remaining one');
    assert.equal((await retract('eie-weight-1', 82.4, older.body.effectiveDateTime!)).status, 200);
    st = await state();
    assert.equal(st.weight, null, 'no weight left to show');
    assert.equal(await shown(), undefined);
    assert.deepEqual(st.last, st.newest);
  });

  test('a reading entered in the app is corrected over FHIR by its idempotency key (amended), then retracted (entered-in-error)', async () => {
    const key = 'app-spo2-corr-0001';
    const app = await env.call('POST', `/api/patients/${env.f.patient.id}/observations`, env.c.nurseA, { idempotencyKey: key, measurements: [{ code: 'spo2', value: 83, unit: '%' }] });
    assert.ok(app.status < 300, JSON.stringify(app.body));
    const appIds = (await env.db.query<{ id: string }>('select id from observations where idempotency_key = $1', [key])).rows.map((r) => r.id);
    assert.equal(appIds.length, 1);
    const corrected = { ...obs('59408-5', 93, '%', { at: ago(1), status: 'corrected' }), identifier: [{ system: 'urn:varde:idempotency', value: key }] };
    const r = await post('/fhir/Observation', corrected);
    assert.equal(r.status, 201, r.text);
    assert.equal(ext(r.body, ZONE_EXT)?.valueCode, 'green');
    assert.equal(await countRows(env.db, 'observations where id = any($1::uuid[])', [appIds]), 0, 'the 83 % from the app is withdrawn');
    assert.equal(await countRows(env.db, 'observations_retracted where id = any($1::uuid[])', [appIds]), 1);
    const eie = await post('/fhir/Observation', { ...corrected, status: 'entered-in-error' });
    assert.equal(eie.status, 200, eie.text);
    assert.equal(eie.body.id, r.body.id);
    assert.equal(ext(eie.body, TRIAGE_EXT)?.valueCode, 'retracted');
  });

  test('an EHR corrects its own resource with PUT Observation/[id]: replaced and triaged again; no update-as-create', async () => {
    const first = await post('/fhir/Observation', obs('8867-4', 131, '/min', { identifier: 'put-1', at: ago(7) }));
    assert.equal(ext(first.body, ZONE_EXT)?.valueCode, 'red');
    const put = async (id: string, body: unknown) => {
      const res = await env.server.app.inject({ method: 'PUT', url: `/fhir/Observation/${id}`, headers: { authorization: `Bearer ${gateway}`, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(body) });
      return { status: res.statusCode, body: JSON.parse(res.body) as Answer };
    };
    const fixed = await put(first.body.id!, { ...obs('8867-4', 81, '/min', { identifier: 'put-1', at: first.body.effectiveDateTime, status: 'corrected' }), id: first.body.id });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    assert.equal(fixed.body.valueQuantity?.value, 81);
    assert.equal(ext(fixed.body, ZONE_EXT)?.valueCode, 'green');
    assert.equal((await put(first.body.id!, { ...obs('8867-4', 82, '/min'), id: 'other' })).status, 400);
    assert.equal((await put('00000000-0000-4000-8000-000000000001', { ...obs('8867-4', 82, '/min'), id: '00000000-0000-4000-8000-000000000001' })).status, 404);
  });

  test('cancelled and preliminary are stored and readable but not triaged', async () => {
    const alerts = await countRows(env.db, 'alerts');
    for (const status of ['cancelled', 'preliminary']) {
      const r = await post('/fhir/Observation', obs('59408-5', 70, '%', { status, at: ago(1) }));
      assert.equal(r.status, 201, r.text);
      assert.equal(ext(r.body, TRIAGE_EXT)?.valueCode, 'none');
      assert.match(ext(r.body, TRIAGE_NOTE_EXT)!.valueString!, new RegExp(status));
    }
    assert.equal(await countRows(env.db, 'alerts'), alerts);
  });

  test('the time-zone offset, extra codings and identifiers come back as sent; date-only and zone-less times are read in the patient\'s zone and flagged', async () => {
    const sent: Observation = {
      ...obs('8867-4', 64, '/min', { identifier: 'tz-1' }),
      effectiveDateTime: (() => {
        const d = new Date(Date.now() - 15 * 60_000 + 5.5 * 3_600_000);
        return `${d.toISOString().slice(0, 19)}+05:30`;
      })(),
      code: { coding: [{ system: LOINC, code: '8867-4' }, { system: 'urn:iso:std:iso:11073:10101', code: '149530', display: 'MDC_PULS_OXIM_PULS_RATE' }, { system: 'http://snomed.info/sct', code: '364075005' }] },
    };
    const r = await post('/fhir/Observation', sent);
    assert.equal(r.status, 201, r.text);
    const back = await get(`/fhir/Observation/${r.body.id}`);
    assert.equal(back.body.effectiveDateTime, sent.effectiveDateTime);
    assert.deepEqual(back.body.code, sent.code);
    assert.deepEqual(back.body.identifier, sent.identifier);
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Oslo' }).format(new Date());
    const dateOnly = await post('/fhir/Observation', obs('8867-4', 66, '/min', { at: today }));
    assert.equal(dateOnly.status, 201, dateOnly.text);
    assert.equal(dateOnly.body.effectiveDateTime, today);
    assert.equal(ext(dateOnly.body, EFFECTIVE_PRECISION_EXT)?.valueCode, 'day');
    const row = (await env.db.query<{ at: Date }>('select effective_at as at from fhir_resources where id = $1', [dateOnly.body.id])).rows[0]!;
    assert.equal(new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Oslo', hour: '2-digit', minute: '2-digit' }).format(row.at), '00:00', 'start of the day in Oslo');
    const zoneless = await post('/fhir/Observation', obs('8867-4', 67, '/min', { at: `${today}T00:01:00` }));
    assert.equal(ext(zoneless.body, EFFECTIVE_PRECISION_EXT)?.valueCode, 'local');
    assert.equal(zoneless.body.effectiveDateTime, `${today}T00:01:00`);
  });

  test('codes outside the catalogue are stored and readable, not triaged — unless the caller asks for strict handling', async () => {
    const bmi = obs('39156-5', 31.2, 'kg/m2', { at: ago(3) });
    const r = await post('/fhir/Observation', bmi);
    assert.equal(r.status, 201, r.text);
    assert.equal(ext(r.body, TRIAGE_EXT)?.valueCode, 'none');
    assert.equal((await get(`/fhir/Observation/${r.body.id}`)).body.valueQuantity?.value, 31.2);
    const strict = await post('/fhir/Observation', obs('39156-5', 31.3, 'kg/m2', { at: ago(3) }), 'gateway', { prefer: 'handling=strict' });
    assert.equal(strict.status, 422);
    assert.equal(strict.body.issue[0]!.code, 'code-invalid');
  });

  test('QuestionnaireResponse create is scored and triaged like the app; a re-send returns the stored one', async () => {
    const qr = {
      resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'https://varde.no/fhir/Questionnaire/phq9|1',
      subject: { identifier: { system: FNR_SYSTEM, value: env.f.patient.identifier } }, authored: ago(30), identifier: { system: 'urn:example:ehr', value: 'qr-77' },
      item: Array.from({ length: 9 }, (_, i) => ({ linkId: `phq9-${i + 1}`, answer: [i === 8 ? { valueCoding: { code: '0' } } : { valueInteger: 2 }] })),
    };
    const res = await env.server.app.inject({ method: 'POST', url: '/fhir/QuestionnaireResponse', headers: { cookie: env.c.nurseA, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(qr) });
    assert.equal(res.statusCode, 201, res.body);
    const body = JSON.parse(res.body) as { id: string; extension: { url: string; valueDecimal?: number }[] };
    assert.equal(body.extension.find((e) => e.url.endsWith('/total-score'))?.valueDecimal, 16);
    assert.equal(await countRows(env.db, `observations where patient_id = $1 and code = 'phq9' and value = 16`, [env.f.patient.id]), 1, 'the total is a triaged reading, as in the app');
    const again = await env.server.app.inject({ method: 'POST', url: '/fhir/QuestionnaireResponse', headers: { cookie: env.c.nurseA, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(qr) });
    assert.equal(again.statusCode, 200);
    assert.equal((JSON.parse(again.body) as { id: string }).id, body.id);
    const unknown = await env.server.app.inject({ method: 'POST', url: '/fhir/QuestionnaireResponse', headers: { cookie: env.c.nurseA, 'content-type': 'application/fhir+json' }, payload: JSON.stringify({ ...qr, questionnaire: 'http://example.org/Questionnaire/sf36', identifier: undefined }) });
    assert.equal(unknown.statusCode, 404);
  });

  test('devices the way gateways name them: Device create by identifier, then contained and identifier references link the reading', async () => {
    const sysId = { system: 'urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680', value: '00-1C-05-04-00-00-99-01' };
    const dev = await post('/fhir/Device', { resourceType: 'Device', identifier: [sysId], serialNumber: 'SAFE-OX-1', modelNumber: 'Model 3150' }, 'gateway',
      { 'if-none-exist': `identifier=${sysId.system}|${sysId.value}` });
    assert.equal(dev.status, 201, dev.text);
    const byIdent = await post('/fhir/Observation', { ...obs('8867-4', 69, '/min', { at: ago(2) }), device: { identifier: sysId } });
    const contained = await post('/fhir/Observation', {
      ...obs('8867-4', 68, '/min', { at: ago(2.5) }),
      contained: [{ resourceType: 'Device', id: 'd1', identifier: [sysId] }], device: { reference: '#d1' },
    });
    for (const r of [byIdent, contained]) {
      assert.equal(r.status, 201, r.text);
      const row = (await env.db.query<{ device_id: string }>('select device_id from fhir_resources where id = $1', [r.body.id])).rows[0]!;
      assert.equal(row.device_id, dev.body.id);
    }
    assert.deepEqual((await get(`/fhir/Observation/${contained.body.id}`)).body.device, { reference: '#d1' }, 'the reference as sent');
  });

  test('conditional create on the gateway\'s own identifier system (If-None-Exist)', async () => {
    const h = { 'if-none-exist': 'identifier=urn:oid:1.2.3.4.5|gw-77' };
    const body = { ...obs('8867-4', 61, '/min', { at: ago(9) }), identifier: [{ system: 'urn:oid:1.2.3.4.5', value: 'gw-77' }] };
    const a = await post('/fhir/Observation', body, 'gateway', h);
    const b = await post('/fhir/Observation', body, 'gateway', h);
    assert.deepEqual([a.status, b.status], [201, 200]);
    assert.equal(a.body.id, b.body.id);
  });
});
