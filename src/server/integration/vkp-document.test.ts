import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bundle, Composition, DetectedIssue, Observation } from '@medplum/fhirtypes';
import { CATALOGUE, type MeasureCode } from '../../domain/catalogue.js';
import { syntheticFnr } from '../../domain/identifiers.js';
import type { AlertRow } from '../alerts/repo.js';
import type { QuestionnaireResponseRow } from '../fhir/repo.js';
import { buildVkpDocument, type VkpDocumentInput, vkpAlertCode } from './vkp.js';
import type { ObservationRow } from '../observations/repo.js';
import { observationProblems, vkpDocumentProblems } from '../../../test/national/checks.js';
import { readFileSync } from 'node:fs';
import { CODE_SYSTEMS, PROFILES, rawValidationProblems, SNAPSHOT_NOTES, VALIDATOR_LIMITATIONS, validationProblems } from '../../../test/national/profiles.js';

/*
 * Every kind of VKP DHO document Varde builds (one per VKP alert code, blood pressure as a panel,
 * a questionnaire with its response) is valid R4, valid against the vendored VKP profiles, and
 * passes the explicit checks of codes, units and components. The checks are shown to fail on
 * broken documents, so a pass means something.
 */

const at = new Date('2026-03-02T08:15:00Z');
const patient = { id: '11111111-1111-4111-8111-111111111111', identifier: syntheticFnr('1940-01-01', 123), identifier_system: 'fnr' as const, name: 'Kari Testesen', birth_date: '1940-01-01', sex: 'female' as const, phone: null, lang: 'nb' as const, created_at: at };
const base = (over: Partial<AlertRow>): AlertRow => ({
  id: '22222222-2222-4222-8222-222222222222', patient_id: patient.id, episode_id: '33333333-3333-4333-8333-333333333333', rule_id: 'threshold:spo2', kind: 'threshold',
  zone: 'red', status: 'acknowledged', plan_id: '44444444-4444-4444-8444-444444444444', plan_version: 2,
  summary: { nb: 'SpO2 86 % under rød grense 88 %', nn: 'SpO2 86 % under raud grense 88 %', en: 'SpO2 86 % below red limit 88 %' },
  findings: [], first_at: new Date(at.getTime() - 3_600_000), last_at: at, occurrences: 1, created_at: at,
  acknowledged_by: null, acknowledged_at: null, resolved_by: null, resolved_at: null, ...over,
});
let n = 0;
const obs = (code: MeasureCode, value: number, effective = at): ObservationRow => ({
  id: `55555555-5555-4555-8555-${String(++n).padStart(12, '0')}`, patient_id: patient.id, episode_id: base({}).episode_id, code, value, unit: CATALOGUE[code].unit,
  effective_at: effective, received_at: effective, interpretation: null, source: 'patient', device_id: null, recorded_by: `patient:${patient.id}`,
  idempotency_key: `k${n}`, zone: 'red', plan_version: 2, device_clock_offset_ms: null,
});
const response: QuestionnaireResponseRow = {
  id: '66666666-6666-4666-8666-666666666666', patient_id: patient.id, episode_id: base({}).episode_id, questionnaire: 'gad7',
  answers: { 'gad7-1': 3, 'gad7-2': 3, 'gad7-3': 2, 'gad7-4': 2, 'gad7-5': 2, 'gad7-6': 2, 'gad7-7': 2 }, score: 16, zone: 'red', plan_version: 2,
  effective_at: at, received_at: at, idempotency_key: 'q1',
};
const input = (alert: AlertRow, observations: ObservationRow[] = [], responses: QuestionnaireResponseRow[] = [], action: 'acknowledge' | 'resolve' = 'acknowledge'): VkpDocumentInput => ({
  alert, action, patient, observations, responses,
  note: { id: '77777777-7777-4777-8777-777777777777', contact_type: 'phone', text: 'Ringte pasienten. Startet beredskapspakke. <Ny måling i kveld>.', created_at: at },
  nurse: { id: '88888888-8888-4888-8888-888888888888', name: 'Sykepleier A', hpr_number: '1000001' },
  organisation: { id: '99999999-9999-4999-8999-999999999999', name: 'Kommune A', org_number: '900000001' },
  fhirBase: 'https://varde.example/fhir',
});

const CASES: { name: string; code: string; doc: () => Bundle; profiles: string[] }[] = [
  { name: 'red SpO2 (threshold), acknowledged', code: '5.2.1', doc: () => buildVkpDocument(input(base({}), [obs('spo2', 86)])), profiles: ['vkp-Observation-Oxygensat'] },
  { name: 'heart rate, respiratory rate, weight, temperature (NEWS2 / combined), resolved', code: '5.2.1',
    doc: () => buildVkpDocument(input(base({ rule_id: 'news2', kind: 'news2' }), [obs('heart_rate', 131), obs('resp_rate', 26), obs('weight', 81.35), obs('temperature', 38.9)], [], 'resolve')),
    profiles: ['vkp-Observation-Heartrate', 'vkp-Observation-Resprate', 'vkp-Observation-Bodyweight', 'vkp-Observation-Bodytemp'] },
  { name: 'blood pressure: two stored readings become one panel', code: '5.2.1',
    doc: () => buildVkpDocument(input(base({ rule_id: 'threshold:bp_systolic', zone: 'yellow' }), [obs('bp_systolic', 182), obs('bp_diastolic', 95)])), profiles: ['vkp-Observation-Bloodpressure'] },
  { name: 'glucose (no vital-signs profile: base VKP observation)', code: '5.2.1', doc: () => buildVkpDocument(input(base({ rule_id: 'threshold:glucose' }), [obs('glucose', 35)])), profiles: ['vkp-Observation'] },
  { name: 'questionnaire answer (GAD-7) with its response', code: '5.2.2',
    doc: () => buildVkpDocument(input(base({ rule_id: 'questionnaire:gad7', kind: 'questionnaire' }), [obs('gad7', 16)], [response])), profiles: ['vkp-Observation', 'VkpQuestionnaireResponse'] },
  { name: 'measurement not reported', code: '5.3.2', doc: () => buildVkpDocument(input(base({ rule_id: 'missing:spo2', kind: 'missing', zone: 'missing' }))), profiles: [] },
  { name: 'questionnaire not answered', code: '5.3.1', doc: () => buildVkpDocument(input(base({ rule_id: 'missing:cat', kind: 'missing', zone: 'missing' }))), profiles: [] },
  { name: 'inactive patient', code: '5.3', doc: () => buildVkpDocument(input(base({ rule_id: 'inactive', kind: 'missing', zone: 'missing' }))), profiles: [] },
];

test('the vendored profiles load, with snapshots; what could not be applied is said', () => {
  for (const url of ['http://ehelse.no/fhir/StructureDefinition/vkp-Composition-v090', 'http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090',
    'http://ehelse.no/fhir/StructureDefinition/vkp-QuestionnaireReponse-v090', 'http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation-Bloodpressure']) {
    assert.ok(PROFILES.get(url)?.snapshot?.element?.length, url);
  }
  const di = PROFILES.get('http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090')!;
  assert.equal(di.snapshot!.element!.find((e) => e.id === 'DetectedIssue.code')!.min, 1, 'the differential narrowed code to 1..1');
  assert.equal(CODE_SYSTEMS.get('http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090')!.get('5.3.2'), 'Måling ikke rapportert');
  assert.deepEqual(SNAPSHOT_NOTES, [
    'VkpQuestionnaireResponse: QuestionnaireResponse.questionnaire.extension not applied (slice or element outside the base)',
    'VkpQuestionnaireResponse: QuestionnaireResponse.questionnaire.extension:questionnaireDisplay not applied (slice or element outside the base)',
  ]);
});

test('validateResource cannot match the VKP blood-pressure component slices: the published example fails the same way', () => {
  const example = JSON.parse(readFileSync(new URL('../../../test/national/vkpobservation/Observation-vkp-blood-pressure-profile-create.json', import.meta.url), 'utf8')) as Observation;
  assert.deepEqual(rawValidationProblems(example), VALIDATOR_LIMITATIONS);
  assert.deepEqual(observationProblems(example), [], 'and our explicit component check passes it');
});

for (const c of CASES) {
  test(`VKP DHO document: ${c.name} — valid against R4 and the VKP profiles, codes and units checked`, () => {
    const doc = c.doc();
    assert.deepEqual(vkpDocumentProblems(doc), []);
    const issue = doc.entry!.find((e) => e.resource?.resourceType === 'DetectedIssue')!.resource as DetectedIssue;
    assert.equal(issue.code!.coding![0]!.code, c.code);
    const claimed = doc.entry!.flatMap((e) => e.resource?.meta?.profile ?? []).map((u) => PROFILES.get(u)!.name ?? u);
    for (const p of c.profiles) assert.ok(claimed.some((x) => x === p || x.endsWith(p) || PROFILES.get(`http://hl7.no/fhir/vkpobservation/StructureDefinition/${p}`)?.name === x), `${p} in ${claimed.join(', ')}`);
    // The nurse's note is there as written (escaped in the narrative).
    const comp = doc.entry![0]!.resource as Composition;
    assert.match(comp.section!.find((s) => s.code!.coding![0]!.code === '1.1')!.text!.div, /Startet beredskapspakke\. &lt;Ny måling i kveld&gt;\./);
  });
}

test('values go as measured (no rounding), blood pressure components carry mm[Hg]', () => {
  const doc = CASES[1]!.doc();
  const weight = doc.entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Observation' && (r as Observation).code.coding!.some((c) => c.code === '29463-7')) as Observation;
  assert.equal(weight.valueQuantity!.value, 81.35);
  const bp = CASES[2]!.doc().entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Observation') as Observation;
  assert.deepEqual(bp.component!.map((c) => [c.code.coding![0]!.code, c.valueQuantity!.value, c.valueQuantity!.code]), [['8480-6', 182, 'mm[Hg]'], ['8462-4', 95, 'mm[Hg]']]);
});

test('the same event gives the same document identifier; another action another', () => {
  const a = buildVkpDocument(input(base({}), [obs('spo2', 86)]));
  const b = buildVkpDocument(input(base({}), [obs('spo2', 86)]));
  const c = buildVkpDocument(input(base({}), [obs('spo2', 86)], [], 'resolve'));
  assert.equal(a.identifier!.value, b.identifier!.value);
  assert.notEqual(a.identifier!.value, c.identifier!.value);
  assert.match(a.identifier!.value!, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('the alert code table follows the published code system (DESIGN.md §4 numbers are other alerts there)', () => {
  const cs = CODE_SYSTEMS.get('http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090')!;
  const rows: [Pick<AlertRow, 'kind' | 'rule_id'>, string, string][] = [
    [{ kind: 'threshold', rule_id: 'threshold:spo2' }, '5.2.1', 'Måledata rapportert'],
    [{ kind: 'trend', rule_id: 'trend:weight-rise' }, '5.2.1', 'Måledata rapportert'],
    [{ kind: 'questionnaire', rule_id: 'questionnaire:phq9:item9' }, '5.2.2', 'Skjemabesvarelse'],
    [{ kind: 'missing', rule_id: 'missing:weight' }, '5.3.2', 'Måling ikke rapportert'],
    [{ kind: 'missing', rule_id: 'missing:phq9' }, '5.3.1', 'Manglende skjemabesvarelse'],
    // The kinds the missing-measurement sweep writes since migration 017 (domain/missing.ts).
    [{ kind: 'missing_measurement', rule_id: 'missing:weight' }, '5.3.2', 'Måling ikke rapportert'],
    [{ kind: 'missing_questionnaire', rule_id: 'missing:cat' }, '5.3.1', 'Manglende skjemabesvarelse'],
    [{ kind: 'inactive', rule_id: 'inactive' }, '5.3', 'Inaktiv pasient'],
  ];
  for (const [a, code, display] of rows) {
    assert.deepEqual(vkpAlertCode(a), { code, display });
    assert.equal(cs.get(code), display);
  }
  assert.equal(cs.get('1.1'), 'Ikke utlevert', '1.1 is a medicine dispenser alert in the code system');
});

test('the checks catch broken documents (they can fail)', () => {
  const good = (): Bundle => CASES[2]!.doc();
  const breakIt = (f: (b: Bundle) => void) => {
    const b = good();
    f(b);
    return vkpDocumentProblems(b);
  };
  const find = <T>(b: Bundle, type: string) => b.entry!.find((e) => e.resource?.resourceType === type)!.resource as T;
  // Profile cardinality (validateResource with the VKP profile): DetectedIssue.code and Composition.category are 1..1 there, 0..1 in R4.
  assert.ok(breakIt((b) => delete find<DetectedIssue>(b, 'DetectedIssue').code).some((p) => /VkpDetectedIssue/.test(p)));
  assert.ok(breakIt((b) => delete find<Composition>(b, 'Composition').category).some((p) => /VkpComposition/.test(p)));
  // Code-system membership and display (explicit).
  assert.ok(breakIt((b) => (find<DetectedIssue>(b, 'DetectedIssue').code!.coding![0]!.code = '1.1')).some((p) => /no DHO alert code/.test(p)));
  assert.ok(breakIt((b) => (find<DetectedIssue>(b, 'DetectedIssue').code!.coding![0]!.code = '9.9')).some((p) => /9\.9 is not in/.test(p)));
  assert.ok(breakIt((b) => (find<Composition>(b, 'Composition').event![0]!.code![0]!.coding![0]!.display = 'kvittert')).some((p) => /display of 3/.test(p)));
  // Blood pressure components and units (explicit; validateResource does not look into the slices).
  const bp = (f: (o: Observation) => void) => breakIt((b) => f(find<Observation>(b, 'Observation')));
  assert.ok(bp((o) => o.component!.pop()).some((p) => /0 diastolic components/.test(p)));
  assert.ok(bp((o) => (o.component![0]!.valueQuantity!.code = 'mmHg')).some((p) => /unit .*mmHg/.test(p)));
  assert.ok(bp((o) => (o.component![1]!.valueQuantity!.value = 200)).some((p) => /systolic below diastolic/.test(p)));
  // A reference to something not in the document.
  assert.ok(breakIt((b) => (find<DetectedIssue>(b, 'DetectedIssue').patient = { reference: 'Patient/elsewhere' })).some((p) => /does not resolve/.test(p)));
  // An SpO2 without 2708-6 (the R4 oxygensat profile's required coding) and with a wrong unit.
  const spo2 = CASES[0]!.doc().entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Observation') as Observation;
  spo2.code.coding = spo2.code.coding!.filter((c) => c.code !== '2708-6');
  spo2.valueQuantity!.code = 'percent';
  const probs = observationProblems(spo2);
  assert.ok(probs.some((p) => /2708-6 missing/.test(p)) && probs.some((p) => /percent/.test(p)), probs.join('\n'));
  // And the structure validator itself rejects a plain R4 error.
  assert.ok(validationProblems({ ...spo2, status: 'done' as never }).length > 0);
});
