import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerBody } from '../questionnaires/schema.js';
import { IngestBody } from '../ingest/schema.js';
import { OpeningHoursBody } from '../opening-hours/schema.js';
import { useTestServer } from '../testing/server.js';
import { ApiDate, ApiDateTime, ApiTimeZone, dateProblem } from './validation.js';

/*
 * Input that would poison shared jobs (the missing-measurement sweep, reports, the worklist) is
 * refused at the edge with 400 and the field (issue 16).
 */
const env = useTestServer();

test('dates: real calendar dates in a plausible range (table)', () => {
  const cases: [string, boolean, string][] = [
    ['2026-02-28', true, 'ordinary'],
    ['2024-02-29', true, 'leap day'],
    ['2026-02-29', false, 'no leap day in 2026'],
    ['2026-02-30', false, 'February has no 30th'],
    ['2026-04-31', false, 'April has 30 days'],
    ['2026-13-01', false, 'month 13'],
    ['2026-00-10', false, 'month 0'],
    ['2026-01-00', false, 'day 0'],
    ['0001-01-01', false, 'year 0001'],
    ['1899-12-31', false, 'before 1900'],
    ['1900-01-01', true, 'first year'],
    ['2199-12-31', true, 'last year'],
    ['2200-01-01', false, 'after 2199'],
    ['26-01-01', false, 'two-digit year'],
    ['2026-1-1', false, 'no padding'],
  ];
  for (const [s, ok, why] of cases) {
    assert.equal(dateProblem(s) === null, ok, `${s}: ${why}`);
    assert.equal(ApiDate.safeParse(s).success, ok, `${s}: ${why}`);
  }
  for (const [s, ok] of [
    ['2026-03-01T08:30:00+01:00', true],
    ['2026-03-01T07:30:00.123Z', true],
    ['2026-02-30T10:00:00Z', false],
    ['0001-01-01T00:00:00Z', false],
    ['2026-03-01T24:00:00Z', false],
    ['2026-03-01T08:30:00', false],
    ['2026-03-01', false],
    ['+275760-09-13T00:00:00Z', false],
  ] as const) {
    assert.equal(ApiDateTime.safeParse(s).success, ok, s);
  }
  for (const [s, ok] of [['Europe/Oslo', true], ['UTC', true], ['America/New_York', true], ['Mars/Olympus', false], ['', false], ['Europe/Oslo; drop table', false]] as const) {
    assert.equal(ApiTimeZone.safeParse(s).success, ok, s);
  }
});

test('every schema with a date, an instant or a time zone uses the shared checks', () => {
  // Each pair: the same input with a good value parses, with a bad one it does not (so the bad value is what fails).
  assert.equal(AnswerBody.safeParse({ idempotencyKey: 'abcdefgh', answers: {}, effectiveAt: '2026-02-28T10:00:00Z' }).success, true);
  assert.equal(AnswerBody.safeParse({ idempotencyKey: 'abcdefgh', answers: {}, effectiveAt: '2026-02-30T10:00:00Z' }).success, false);
  const upload = (sentAt: string, effectiveAt: string) => ({
    sentAt, readings: [{ readingId: 'r1', patientId: env.f.patient.id, effectiveAt, measurements: [{ code: 'spo2', value: 95 }] }],
  });
  assert.equal(IngestBody.safeParse(upload('2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z')).success, true, JSON.stringify(IngestBody.safeParse(upload('2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z')).error));
  assert.equal(IngestBody.safeParse(upload('2026-02-30T10:00:00Z', '2026-03-01T10:00:00Z')).success, false, 'sentAt');
  assert.equal(IngestBody.safeParse(upload('2026-03-01T10:00:00Z', '0001-01-01T10:00:00Z')).success, false, 'effectiveAt');
  const hours = { version: 0, timeZone: 'Europe/Oslo', weekly: {}, publicHolidays: true, closedDays: [] };
  assert.equal(OpeningHoursBody.safeParse({ ...hours, closedDays: [{ date: '2026-12-24', label: 'x' }] }).success, true);
  assert.equal(OpeningHoursBody.safeParse({ ...hours, timeZone: 'Mars/Olympus' }).success, false);
  assert.equal(OpeningHoursBody.safeParse({ ...hours, closedDays: [{ date: '2026-02-30', label: 'x' }] }).success, false);
  assert.equal(OpeningHoursBody.safeParse({ ...hours, closedDays: [{ date: '0001-12-24', label: 'x' }] }).success, false);
});

test('the API answers 400 with the field, never 500 or a stored bad value', async () => {
  const pid = env.f.patient.id;
  const expect400 = async (method: string, url: string, cookie: string, body: unknown, field: string) => {
    const r = await env.call(method, url, cookie, body);
    assert.equal(r.status, 400, `${method} ${url} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    const error = r.body!.error as { code: string; message: string; fields: Record<string, string> };
    assert.equal(error.code, 'validation_failed');
    assert.ok(error.fields[field], `${field} in ${JSON.stringify(error.fields)}`);
  };
  for (const effectiveAt of ['2026-02-30T10:00:00Z', '0001-01-01T00:00:00Z', '1000-01-01T00:00:00+01:00']) {
    await expect400('POST', `/api/patients/${pid}/observations`, env.c.nurseA, { idempotencyKey: `bad-date-${effectiveAt}`, effectiveAt, measurements: [{ code: 'spo2', value: 95 }] }, 'effectiveAt');
    await expect400('POST', '/api/me/observations', env.c.patient, { idempotencyKey: `bad-date-me-${effectiveAt}`, effectiveAt, measurements: [{ code: 'spo2', value: 95 }] }, 'effectiveAt');
  }
  await expect400('GET', `/api/patients/${pid}/observations?from=2026-02-30T00:00:00Z`, env.c.nurseA, undefined, 'from');
  await expect400('GET', `/api/me/observations?to=0001-01-01T00:00:00Z`, env.c.patient, undefined, 'to');
  await expect400('GET', '/api/reports/indicators?from=2026-02-30&to=2026-03-10', env.c.coordinator, undefined, 'from');
  await expect400('GET', '/api/reports/indicators?from=0001-01-01&to=0001-01-31', env.c.coordinator, undefined, 'from');
  await expect400('GET', '/api/reports/indicators.csv?to=2026-13-01', env.c.coordinator, undefined, 'to');
  const enrol = {
    identifier: env.f.otherPatient.identifier, name: 'Ola Testesen', diagnoses: [{ system: 'ICPC-2', code: 'R95', display: 'KOLS' }], riskLevel: 'high',
    consent: true, followUpOrganisationId: env.f.orgs.muniB,
  };
  for (const timeZone of ['Mars/Olympus', 'Europe/Olso', '']) await expect400('POST', '/api/patients', env.c.gp, { ...enrol, timeZone }, 'timeZone');
  assert.equal((await env.db.query(`select 1 from observations where effective_at < '1900-01-01'`)).rows.length, 0);
  // A hand-made worklist cursor with an unreal date is the caller's mistake (400), not a database error.
  const cursor = Buffer.from(JSON.stringify([0, '2026-02-30 10:00:00+00', env.f.patient.episodeId])).toString('base64url');
  await expect400('GET', `/api/worklist?cursor=${cursor}`, env.c.nurseA, undefined, 'cursor');
});

test('the FHIR face refuses unreal dates too, as an OperationOutcome', async () => {
  const pid = env.f.patient.id;
  const post = async (effectiveDateTime: string) => {
    const res = await env.server.app.inject({
      method: 'POST', url: '/fhir/Observation', headers: { cookie: env.c.nurseA, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'Observation', status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] }, subject: { reference: `Patient/${pid}` },
        effectiveDateTime, valueQuantity: { value: 95, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      }),
    });
    return { status: res.statusCode, body: JSON.parse(res.body) as { resourceType: string } };
  };
  for (const at of ['2026-02-30T10:00:00Z', '0001-01-01T00:00:00Z', '2026-02-30T10:00', '2026-02-30']) {
    const r = await post(at);
    assert.equal(r.status, 400, `${at}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.resourceType, 'OperationOutcome');
  }
  for (const date of ['ge2026-02-30T10:00:00Z', 'lt2026-02-30', 'ge0001-01-01']) {
    const res = await env.server.app.inject({ method: 'GET', url: `/fhir/Observation?patient=Patient/${pid}&date=${date}`, headers: { cookie: env.c.nurseA } });
    assert.equal(res.statusCode, 400, `${date}: ${res.body}`);
  }
});
