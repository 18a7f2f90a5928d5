import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { CATALOGUE, type MeasureCode } from '../../domain/catalogue.js';
import { syntheticFnr } from '../../domain/identifiers.js';
import type { ObservationRow } from '../observations/repo.js';
import { codeProblems, observationProblems } from '../../../test/national/checks.js';
import { validationProblems } from '../../../test/national/profiles.js';
import { buildPmdBundle } from './pmd.js';

/* Pasientens måledata (issue 14): the batch Bundle is valid against R4, pmd-Bundle-Observation and each VkpObservation profile. */

const at = new Date('2026-03-02T07:30:00+01:00');
const patient = { id: '11111111-1111-4111-8111-111111111111', identifier: syntheticFnr('1955-02-15', 234), identifier_system: 'fnr' as const, name: 'Ola Testesen', birth_date: '1955-02-15', sex: 'male' as const, phone: null, lang: 'nb' as const, created_at: at };
let n = 0;
const obs = (code: MeasureCode, value: number): ObservationRow => ({
  id: `55555555-5555-4555-8555-${String(++n).padStart(12, '0')}`, patient_id: patient.id, episode_id: '33333333-3333-4333-8333-333333333333', code, value, unit: CATALOGUE[code].unit,
  effective_at: at, received_at: at, interpretation: null, source: 'device', device_id: null, recorded_by: 'client:gw', idempotency_key: `k${n}`, zone: 'green', plan_version: 1, device_clock_offset_ms: null,
});

function problems(b: Bundle): string[] {
  const out = validationProblems(b);
  if (b.type !== 'batch') out.push('not a batch');
  for (const e of b.entry ?? []) {
    if (!e.fullUrl || !e.request?.method || !e.request.url) out.push('entry without fullUrl or request');
    out.push(...validationProblems(e.resource!), ...codeProblems(e.resource!), ...observationProblems(e.resource as Observation));
  }
  return out;
}

test('a day of readings as a Pasientens måledata batch: valid against R4, pmd-Bundle-Observation and the VkpObservation profiles', () => {
  const rows = [obs('spo2', 94), obs('heart_rate', 72), obs('resp_rate', 16), obs('bp_systolic', 138), obs('bp_diastolic', 84), obs('weight', 78.4), obs('temperature', 36.8), obs('glucose', 6.2)];
  const b = buildPmdBundle(patient, rows, 'https://varde.example/fhir');
  assert.deepEqual(problems(b), []);
  assert.equal(b.entry!.length, 7, 'blood pressure as one panel');
  const subjects = new Set(b.entry!.map((e) => (e.resource as Observation).subject!.identifier!.value));
  assert.deepEqual([...subjects], [patient.identifier]);
  assert.ok(b.entry!.every((e) => e.request!.method === 'PUT' && e.request!.url === `Observation/${e.resource!.id}`), 'a resend updates, it does not add');
});

test('the checks catch a batch that is not one', () => {
  const b = buildPmdBundle(patient, [obs('spo2', 94)], 'https://varde.example/fhir');
  delete b.entry![0]!.request;
  assert.ok(problems(b).length > 0);
});
