import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { FNR_SYSTEM, syntheticFnr } from '../../domain/identifiers.js';
import { useTestServer } from '../testing/server.js';
import { stringifyFhir } from './json.js';

/*
 * Issue 9, "Search that never lies": a table with a case for every search parameter the
 * CapabilityStatement declares. Each declared parameter must narrow the result (fewer matches than
 * without it, every match satisfying it); every undeclared one is refused (400) unless the client
 * asks for lenient handling. Paging is complete and stable; _summary, _elements, _include work.
 */

const env = useTestServer();
type Entry = Resource & Record<string, unknown>;
const P = () => env.f.patient.id;
const ids: Record<string, string> = {};

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await env.server.app.inject({ method: 'GET', url, headers: { cookie: env.c.nurseA, ...headers } });
  return { status: res.statusCode, body: JSON.parse(res.body) as Bundle & { issue?: { code: string }[] } };
}
const matches = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as Entry);

interface Case {
  /** The query with the parameter under test. */
  query: () => string;
  /** The same query without it (undefined: the parameter is required, nothing to compare with). */
  baseline?: () => string;
  /** Every match satisfies the parameter. */
  check: (r: Entry) => boolean;
}

const subjectIs = (r: Entry) => (r.subject as { reference?: string } | undefined)?.reference === `Patient/${P()}`;
const obs = (q: string) => `/fhir/Observation?patient=${P()}${q ? `&${q}` : ''}`;
const codeOf = (r: Entry) => ((r.code as { coding?: { code?: string }[] }).coding ?? []).map((c) => c.code);

const TABLE: Record<string, Record<string, Case>> = {
  Patient: {
    _id: { query: () => `/fhir/Patient?_id=${P()}`, baseline: () => '/fhir/Patient', check: (r) => r.id === P() },
    identifier: { query: () => `/fhir/Patient?identifier=${FNR_SYSTEM}|${env.f.patient.identifier}`, baseline: () => '/fhir/Patient', check: (r) => r.id === P() },
    name: { query: () => '/fhir/Patient?name=ola', baseline: () => '/fhir/Patient', check: (r) => JSON.stringify(r.name).includes('Ola') },
    family: { query: () => '/fhir/Patient?family=Nordm', baseline: () => '/fhir/Patient', check: (r) => JSON.stringify(r.name).includes('Nordmann') },
    given: { query: () => '/fhir/Patient?given=kari', baseline: () => '/fhir/Patient', check: (r) => JSON.stringify(r.name).includes('Kari') },
    birthdate: { query: () => '/fhir/Patient?birthdate=ge1950', baseline: () => '/fhir/Patient', check: (r) => String(r.birthDate) >= '1950' },
    gender: { query: () => '/fhir/Patient?gender=male', baseline: () => '/fhir/Patient', check: (r) => r.gender === 'male' },
    _lastUpdated: { query: () => `/fhir/Patient?_lastUpdated=lt${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`, baseline: () => '/fhir/Patient', check: (r) => r.id === ids.oldPatient },
  },
  Observation: {
    patient: { query: () => obs(''), check: subjectIs },
    subject: { query: () => `/fhir/Observation?subject=Patient/${P()}`, check: subjectIs },
    _id: { query: () => obs(`_id=${ids.hr}`), baseline: () => obs(''), check: (r) => r.id === ids.hr },
    identifier: { query: () => obs('identifier=urn:example:gw|sc-hr'), baseline: () => obs(''), check: (r) => r.id === ids.hr },
    status: { query: () => obs('status=preliminary'), baseline: () => obs(''), check: (r) => r.status === 'preliminary' },
    code: { query: () => obs('code=http://loinc.org|8867-4'), baseline: () => obs(''), check: (r) => codeOf(r).includes('8867-4') },
    category: { query: () => obs('category=laboratory'), baseline: () => obs(''), check: (r) => JSON.stringify(r.category).includes('laboratory') },
    date: { query: () => obs(`date=ge${encodeURIComponent(new Date(Date.now() - 25 * 60_000).toISOString())}`), baseline: () => obs(''), check: (r) => Date.parse(String(r.effectiveDateTime)) >= Date.now() - 25 * 60_000 - 60_000 },
    'value-quantity': { query: () => obs('value-quantity=gt100'), baseline: () => obs(''), check: (r) => (r.valueQuantity as { value: number }).value > 100 },
    device: { query: () => obs(`device=Device/${ids.device}`), baseline: () => obs(''), check: (r) => (r.device as { reference?: string } | undefined)?.reference === `Device/${ids.device}` },
    _lastUpdated: { query: () => obs(`_lastUpdated=lt${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`), baseline: () => obs(''), check: (r) => r.id === ids.oldObs },
  },
  QuestionnaireResponse: { patient: { query: () => `/fhir/QuestionnaireResponse?patient=${P()}`, check: subjectIs } },
  CarePlan: {
    patient: { query: () => `/fhir/CarePlan?patient=${P()}`, check: subjectIs },
    status: { query: () => `/fhir/CarePlan?patient=${P()}&status=draft`, baseline: () => `/fhir/CarePlan?patient=${P()}`, check: (r) => r.status === 'draft' },
  },
  Flag: {
    patient: { query: () => `/fhir/Flag?patient=${P()}`, check: subjectIs },
    status: { query: () => `/fhir/Flag?patient=${P()}&status=inactive`, baseline: () => `/fhir/Flag?patient=${P()}`, check: (r) => r.status === 'inactive' },
  },
  Communication: { patient: { query: () => `/fhir/Communication?patient=${P()}`, check: subjectIs } },
  Device: {
    _id: { query: () => `/fhir/Device?_id=${ids.device}`, baseline: () => '/fhir/Device', check: (r) => r.id === ids.device },
    identifier: { query: () => '/fhir/Device?identifier=urn:varde:device-serial|SC-1', baseline: () => '/fhir/Device', check: (r) => r.id === ids.device },
    patient: { query: () => `/fhir/Device?patient=${P()}`, baseline: () => '/fhir/Device', check: (r) => (r.patient as { reference?: string } | undefined)?.reference === `Patient/${P()}` },
  },
  AuditEvent: {
    patient: { query: () => `/fhir/AuditEvent?patient=${P()}&_count=1000`, check: (r) => JSON.stringify(r.entity).includes(P()) },
    entity: { query: () => `/fhir/AuditEvent?entity=Patient/${P()}&_count=1000`, check: (r) => JSON.stringify(r.entity).includes(P()) },
    date: {
      query: () => `/fhir/AuditEvent?patient=${P()}&_count=1000&date=ge${encodeURIComponent(ids.setupEnd!)}`,
      baseline: () => `/fhir/AuditEvent?patient=${P()}&_count=1000`,
      check: (r) => Date.parse(String(r.recorded)) >= Date.parse(ids.setupEnd!),
    },
  },
};

describe('FHIR search conformance (issue 9)', () => {
  before(async () => {
    const { db, f } = env;
    // More patients in nurse A's caseload, so Patient parameters have something to narrow.
    const enrol = async (name: string, birth: string, sex: string, individual: number) => {
      const id = (await db.query<{ id: string }>(`insert into patients (identifier, identifier_system, name, birth_date, sex, lang) values ($1,'fnr',$2,$3,$4,'nb') returning id`,
        [syntheticFnr(birth, individual), name, birth, sex])).rows[0]!.id;
      const ep = (await db.query<{ id: string }>(`insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org) values ($1,'high', now(), $2, $3) returning id`,
        [id, f.people.gp, f.orgs.muniA])).rows[0]!.id;
      await db.query(`insert into care_team values ($1,$2,'follow_up', now())`, [ep, f.orgs.muniA]);
      return id;
    };
    await enrol('Ola Nordmann', '1955-03-02', 'male', 11);
    ids.oldPatient = await enrol('Per Hansen', '1944-07-08', 'male', 12);
    await db.query(`update patients set created_at = now() - interval '3 days' where id = $1`, [ids.oldPatient]);
    ids.device = (await db.query<{ id: string }>(`insert into devices (organisation_id, serial, model, kind) values ($1,'SC-1','Nonin','pulse_oximeter') returning id`, [f.orgs.muniA])).rows[0]!.id;
    await db.query('insert into device_loans (device_id, patient_id) values ($1,$2)', [ids.device, f.patient.id]);
    await db.query(`insert into devices (organisation_id, serial, model, kind) values ($1,'SC-2','Omron','bp')`, [f.orgs.muniA]);

    const post = async (body: unknown) => {
      const res = await env.server.app.inject({ method: 'POST', url: '/fhir/Observation', headers: { cookie: env.c.nurseA, 'content-type': 'application/fhir+json' }, payload: stringifyFhir(body) });
      assert.ok(res.statusCode < 300, res.body);
      return (JSON.parse(res.body) as { id: string }).id;
    };
    const o = (code: string, value: number, unit: string, minutesAgo: number, extra: Record<string, unknown> = {}) => ({
      resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      subject: { reference: `Patient/${P()}` }, effectiveDateTime: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit }, ...extra,
    });
    ids.hr = await post(o('8867-4', 112, '/min', 5, { identifier: [{ system: 'urn:example:gw', value: 'sc-hr' }], device: { reference: `Device/${ids.device}` } }));
    await post(o('59408-5', 96, '%', 10));
    await post(o('59408-5', 93, '%', 40, { status: 'preliminary' }));
    await post(o('14743-9', 6.1, 'mmol/L', 50, { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }] }));
    ids.oldObs = await post(o('9279-1', 14, '/min', 60));
    await db.query(`update fhir_resources set last_updated = now() - interval '2 days' where id = $1`, [ids.oldObs]);
    for (let i = 0; i < 7; i++) await post(o('29463-7', 80 + i / 10, 'kg', 100 + i * 7));
    await post(o('59408-5', 84, '%', 3));
    // An alert (Flag) resolved, a draft plan, a message, a questionnaire response: something to narrow in every resource.
    await db.query(`update alerts set status = 'resolved', resolved_at = now() where patient_id = $1 and rule_id = 'threshold:heart_rate'`, [P()]);
    await db.query(
      `insert into questionnaire_responses (patient_id, episode_id, questionnaire, answers, score, zone, plan_version, effective_at, idempotency_key)
       values ($1,$2,'gad7',$3,2,'green',1, now() - interval '1 hour','sc-qr-0001')`,
      [P(), f.patient.episodeId, JSON.stringify({ 'gad7-1': 1, 'gad7-2': 1 })],
    );
    const def = (await db.query<{ definition: unknown }>('select definition from plans where id = $1', [f.patient.planId])).rows[0]!.definition;
    await env.call('POST', `/api/patients/${P()}/plans`, env.c.gp, { definition: def });
    await env.call('POST', '/api/me/messages', env.c.patient, { body: 'Hei' });
    ids.setupEnd = new Date().toISOString();
  });

  test('the table has a case for every search parameter the CapabilityStatement declares, and nothing else', async () => {
    const cs = (await get('/fhir/metadata')).body as unknown as CapabilityStatement;
    const declared = cs.rest![0]!.resource!.flatMap((r) => (r.searchParam ?? []).map((p) => `${r.type}.${p.name}`)).sort();
    const tabled = Object.entries(TABLE).flatMap(([t, ps]) => Object.keys(ps).map((p) => `${t}.${p}`)).sort();
    assert.deepEqual(tabled, declared);
  });

  for (const [type, params] of Object.entries(TABLE)) {
    for (const [name, c] of Object.entries(params)) {
      test(`${type}?${name} narrows the result and every match satisfies it`, async () => {
        const r = await get(c.query());
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const hits = matches(r.body);
        assert.ok(hits.length > 0, `${type}?${name}: something matches`);
        assert.equal(r.body.total, hits.length <= 50 ? hits.length : r.body.total);
        for (const h of hits) assert.ok(c.check(h), `${type}?${name}: ${h.resourceType}/${h.id} does not satisfy it`);
        if (c.baseline) {
          const all = await get(c.baseline());
          assert.ok((all.body.total ?? 0) > (r.body.total ?? 0), `${type}?${name} narrows: ${r.body.total} of ${all.body.total}`);
        }
      });
    }
    test(`${type}: an undeclared parameter is refused (400), ignored only with Prefer: handling=lenient`, async () => {
      const base = Object.values(params)[0]!.query();
      const url = `${base}${base.includes('?') ? '&' : '?'}colour=blue`;
      const r = await get(url);
      assert.equal(r.status, 400);
      assert.equal(r.body.issue![0]!.code, 'not-supported');
      const lenient = await get(url, { prefer: 'handling=lenient' });
      assert.equal(lenient.status, 200);
      assert.ok(!lenient.body.link!.find((l) => l.relation === 'self')!.url.includes('colour'));
      assert.ok(lenient.body.entry!.some((e) => e.search?.mode === 'outcome'));
    });
  }

  test('standard parameters this server does not implement are refused, not silently ignored', async () => {
    for (const q of [obs('value-string=x'), obs('performer=Practitioner/1'), obs('code:text=puls'), '/fhir/Patient?address=Oslo', `/fhir/Flag?patient=${P()}&date=ge2025`, obs('_has:Flag:subject:status=active')]) {
      assert.equal((await get(q)).status, 400, q);
    }
  });

  test('paging: total, working next/previous links, stable order, nothing lost or repeated', async () => {
    const all = await get(obs('_count=1000'));
    const total = all.body.total!;
    assert.ok(total >= 12, String(total));
    const seen: string[] = [];
    let url: string | undefined = obs('_count=5');
    let pages = 0;
    while (url) {
      const page = await get(url.replace(env.server.url, ''));
      assert.equal(page.body.total, total);
      seen.push(...matches(page.body).map((r) => r.id!));
      const next = page.body.link!.find((l) => l.relation === 'next')?.url;
      if (pages > 0) assert.ok(page.body.link!.some((l) => l.relation === 'previous'));
      url = next;
      pages++;
    }
    assert.equal(pages, Math.ceil(total / 5));
    assert.deepEqual(seen, matches(all.body).map((r) => r.id));
    assert.equal(new Set(seen).size, total);
  });

  test('_sort: date ascending, -date (default) descending, _lastUpdated; ties broken by id', async () => {
    const times = (b: Bundle) => matches(b).map((r) => Date.parse(String(r.effectiveDateTime)));
    const asc = times((await get(obs('_sort=date&_count=1000'))).body);
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    const desc = times((await get(obs('_count=1000'))).body);
    assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
    const lu = matches((await get(obs('_sort=_lastUpdated&_count=1000'))).body);
    assert.equal(lu[0]!.id, ids.oldObs);
    assert.equal((await get(obs('_sort=code'))).status, 400);
  });

  test('_summary=count gives the total only; _elements returns the listed elements, tagged SUBSETTED', async () => {
    const c = await get(obs('_summary=count'));
    assert.equal(c.body.entry, undefined);
    assert.equal(c.body.total, (await get(obs('_count=1000'))).body.total);
    const e = matches((await get(obs('_elements=code,valueQuantity&_count=3'))).body);
    for (const r of e) {
      assert.deepEqual(Object.keys(r).filter((k) => !['resourceType', 'id', 'meta'].includes(k)).sort(), r.valueQuantity ? ['code', 'valueQuantity'] : ['code']);
      assert.ok(JSON.stringify(r.meta).includes('SUBSETTED'));
    }
  });

  test('_include=Observation:patient adds the patient once, as an include', async () => {
    const b = (await get(obs('_include=Observation:patient&_count=5'))).body;
    const inc = (b.entry ?? []).filter((x) => x.search?.mode === 'include');
    assert.deepEqual(inc.map((x) => `${x.resource!.resourceType}/${x.resource!.id}`), [`Patient/${P()}`]);
    assert.equal((await get(obs('_include=Observation:performer'))).status, 400);
  });

  test('blood pressure reads back as an 85354-9 panel, also when it was entered in the app', async () => {
    const r = await env.call('POST', `/api/patients/${P()}/observations`, env.c.nurseA, {
      idempotencyKey: 'sc-app-bp-0001', measurements: [{ code: 'bp_systolic', value: 141, unit: 'mm[Hg]' }, { code: 'bp_diastolic', value: 88, unit: 'mm[Hg]' }],
    });
    assert.ok(r.status < 300, JSON.stringify(r.body));
    const panels = matches((await get(obs('code=http://loinc.org|85354-9'))).body);
    const app = panels.find((p) => JSON.stringify(p.component).includes('141'));
    assert.ok(app, JSON.stringify(panels));
    assert.deepEqual((app.component as { code: { coding: { code: string }[] } }[]).map((c) => c.code.coding[0]!.code), ['8480-6', '8462-4']);
    const read = (await get(`/fhir/Observation/${app.id}`)).body as unknown as Entry;
    assert.equal(codeOf(read)[0], '85354-9');
  });
});
