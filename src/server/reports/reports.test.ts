import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PlanDefinition } from '../../domain/plan.js';
import { zonedInstant } from '../../domain/time.js';
import type { Db } from '../db/port.js';
import type { Server } from '../server.js';
import { TEST_PLAN, type cookiesFor, type Fixture } from '../testing/fixtures.js';
import { useTestServer } from '../testing/server.js';
import { computeIndicators, diagnosisGroups, median, percentile, type AlertInput, type EpisodeInput, type ObservationInput } from './indicators.js';
import { monthStart, reportCsv, type Report } from './service.js';

describe('CSV for Norwegian Excel', () => {
  const row = {
    municipalityId: null, diagnosis: null, suppressed: false, patients: 12, adherence: 0.8125, alerts: 7,
    alertsPerPatientMonth: 1.25, redAlertsAcknowledged: 5, ackMedianMinutes: 42.5, ackP90Minutes: 90, noActionShare: 0.625,
  } as const;
  const report: Report = {
    helsefellesskap: 'Test', period: { from: '2026-01-01', to: '2026-01-31' }, generatedAt: '2026-02-01T00:00:00Z', minCount: 5,
    municipalities: [], rows: [row], trend: [{ month: '2026-01', from: '2026-01-01', to: '2026-01-31', row }],
  };
  test('nb: UTF-8 BOM, semicolons, decimal comma, CRLF; en keeps the decimal point', () => {
    const nb = reportCsv(report, 'nb');
    assert.ok(nb.startsWith('\ufeffKommune;Diagnose;'));
    assert.match(nb, /\r\nAlle;Alle;12;81,3;7;1,25;5;42,5;90;62,5\r\n/);
    assert.match(nb, /\r\n2026-01;12;81,3;7;1,25;5;42,5;90;62,5\r\n$/);
    assert.match(reportCsv(report, 'en'), /\r\nAll;All;12;81\.3;7;1\.25;5;42\.5;90;62\.5\r\n/);
  });
  test('month arithmetic crosses years both ways', () => {
    assert.deepEqual([monthStart('2026-01-31', -1), monthStart('2026-01-15', 0), monthStart('2025-12-31', 1), monthStart('2026-03-01', -14)], ['2025-12-01', '2026-01-01', '2026-01-01', '2025-01-01']);
  });
});

const SPO2_ONLY: PlanDefinition = { ...TEST_PLAN, measures: [TEST_PLAN.measures[0]!] };
const at = (date: string, time: string) => zonedInstant(date, time, 'Europe/Oslo');

describe('indicator arithmetic', () => {
  const from = at('2026-03-02', '00:00');
  const to = at('2026-03-10', '00:00'); // 8 local days
  const now = at('2026-03-20', '12:00');
  const days = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09'];
  const episode = (i: number, municipalityId: string, codes: [string, string][]): EpisodeInput => ({
    id: `e${i}`, patientId: `p${i}`, municipalityId, diagnoses: codes.map(([system, code]) => ({ system, code })), timeZone: 'Europe/Oslo',
    startedAt: at('2026-02-01', '09:00'), endedAt: null,
  });
  const episodes = [
    ...[0, 1, 2, 3, 4, 5].map((i) => episode(i, 'A', i === 5 ? [['ICD-10', 'J44.1'], ['ICPC-2', 'K77']] : [['ICPC-2', 'R95']])),
    episode(6, 'B', [['ICPC-2', 'K77']]),
  ];
  const plans = episodes.map((e) => ({ episodeId: e.id, approvedAt: at('2026-02-01', '09:00'), definition: SPO2_ONLY }));
  // Everyone measures every morning, except patient 0 who skips the first four days.
  const observations: ObservationInput[] = episodes.flatMap((e, i) => days.filter((_, d) => i !== 0 || d >= 4).map((d) => ({ episodeId: e.id, code: 'spo2', effectiveAt: at(d, '08:30') })));
  // One red alert per patient in A, acknowledged after 10, 20 … 60 minutes.
  const alerts: AlertInput[] = [0, 1, 2, 3, 4, 5].map((i) => ({
    episodeId: `e${i}`, zone: 'red', firstAt: at('2026-03-04', '08:30'), redAt: at('2026-03-04', '08:30'), acknowledgedAt: new Date(at('2026-03-04', '08:30').getTime() + (i + 1) * 600_000),
  }));
  const rows = computeIndicators({ municipalities: ['A', 'B'], episodes, plans, observations, alerts, from, to, now });
  const find = (m: string | null, d: string | null) => rows.find((r) => r.municipalityId === m && r.diagnosis === d)!;

  test('adherence is the share of scheduled measurements done, alerts are per patient-month', () => {
    const copd = find('A', 'copd');
    assert.equal(copd.patients, 6);
    assert.equal(copd.adherence, 44 / 48);
    assert.equal(copd.alerts, 6);
    assert.equal(copd.alertsPerPatientMonth, Math.round((6 / ((6 * 8) / (365.25 / 12))) * 100) / 100);
  });

  test('median and 90th percentile time from red alert to acknowledgement', () => {
    const copd = find('A', 'copd');
    assert.equal(copd.redAlertsAcknowledged, 6);
    assert.equal(copd.ackMedianMinutes, 35);
    assert.equal(copd.ackP90Minutes, 60);
    assert.equal(median([1, 2, 3]), 2);
    assert.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90), 90);
  });

  test('groups under five are shown as "<5" with nothing derived from them', () => {
    assert.deepEqual(find('B', null), {
      municipalityId: 'B', diagnosis: null, suppressed: true, patients: '<5', adherence: null, alerts: null,
      alertsPerPatientMonth: null, redAlertsAcknowledged: null, ackMedianMinutes: null, ackP90Minutes: null, noActionShare: null,
    });
    // Patient 5 has heart failure as well: one patient in that group in A.
    assert.equal(find('A', 'heart_failure').patients, '<5');
    assert.equal(find(null, null).patients, 7);
    // B's total is under five: shown, A's total would give it back (7 − 6), so it is hidden too.
    assert.equal(find('A', null).patients, 'hidden');
    assert.equal(find('A', null).adherence, 44 / 48, 'the other figures of a complementary-hidden row stay');
    assert.equal(find('A', 'diabetes').patients, '<5');
    // Fewer than five alerts: the count and the rate (which would reveal it) are both hidden.
    const few = computeIndicators({ municipalities: ['A'], episodes, plans, observations, alerts: alerts.slice(0, 2), from, to, now });
    const row = few.find((r) => r.municipalityId === 'A' && r.diagnosis === 'copd')!;
    assert.equal(row.alerts, '<5');
    assert.equal(row.alertsPerPatientMonth, null);
  });

  test('diagnosis codes map to template groups, ICD-10 by prefix', () => {
    assert.deepEqual(diagnosisGroups([{ system: 'ICD-10', code: 'J44.1' }]), ['copd']);
    assert.deepEqual(diagnosisGroups([{ system: 'ICPC-2', code: 'T90' }, { system: 'ICPC-2', code: 'K77' }]), ['heart_failure', 'diabetes']);
    assert.deepEqual(diagnosisGroups([{ system: 'ICPC-2', code: 'L88' }]), ['other']);
  });

  test('occurrences not yet due do not count against adherence', () => {
    const early = computeIndicators({ municipalities: ['A'], episodes, plans, observations: [], alerts: [], from, to, now: at('2026-03-02', '10:30') });
    // Due 10:00 with 60 minutes grace: nothing is overdue at 10:30 on the first day.
    assert.equal(early.find((r) => r.municipalityId === 'A' && r.diagnosis === null)!.adherence, null);
  });
});

describe('the report API', () => {
  let db: Db;
  let server: Server;
  let f: Fixture;
  let c: Awaited<ReturnType<typeof cookiesFor>>;
  // The suite's own server (the rest of the file is pure indicator arithmetic).
  useTestServer({ setup: async (env) => { ({ db, server, f, c } = env); } });
  const get = async (url: string, cookie: string) => {
    const res = await server.app.inject({ method: 'GET', url, headers: { cookie } });
    return { status: res.statusCode, type: String(res.headers['content-type']), text: res.body };
  };

  test('coordinators and clinicians get aggregated rows for their helsefellesskap; patients do not', async () => {
    const r = await get('/api/reports/indicators', c.coordinator);
    assert.equal(r.status, 200, r.text);
    const body = JSON.parse(r.text) as { helsefellesskap: string; municipalities: { name: string }[]; rows: { patients: unknown }[] };
    assert.equal(body.helsefellesskap, 'Test');
    assert.deepEqual(body.municipalities.map((m) => m.name), ['Kommune A', 'Kommune B']);
    // One patient per municipality: every figure is suppressed.
    assert.ok(body.rows.every((row) => row.patients === '<5'));
    assert.ok(!r.text.includes(f.patient.id) && !r.text.includes('Kari'), 'no patient-level data');
    assert.equal((await get('/api/reports/indicators', c.nurseA)).status, 200);
    assert.equal((await get('/api/reports/indicators', c.patient)).status, 403);
    const audited = await db.query<{ n: number }>(`select count(*)::int as n from audit_events where resource_type = 'Report' and patient_id is null`);
    assert.ok(audited.rows[0]!.n >= 2);
  });

  test('CSV export carries the same suppressed figures', async () => {
    const r = await get('/api/reports/indicators.csv?from=2026-01-01&to=2026-01-31&lang=en', c.coordinator);
    assert.equal(r.status, 200);
    assert.match(r.type, /text\/csv/);
    const [table, trend] = r.text.replace(/^\ufeff/, '').trim().split('\r\n\r\n') as [string, string];
    const lines = table.split('\r\n');
    assert.equal(lines[0], 'Municipality;Diagnosis;Active patients;Adherence (%);Alerts;Alerts per patient-month;Red alerts acknowledged;Median minutes to acknowledgement;90th percentile minutes to acknowledgement;Judged no action needed (%)');
    assert.ok(lines.slice(1).every((l) => l.split(';')[2] === '<5'));
    assert.equal(lines.length, 1 + 2 * 7 + 1);
    // The month-by-month trend follows, the six months up to the period's end, suppressed the same way.
    const months = trend.split('\r\n');
    assert.match(months[0]!, /^Month \(all municipalities and diagnoses\);Active patients;/);
    assert.deepEqual(months.slice(1).map((l) => l.split(';')[0]), ['2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01']);
    assert.ok(months.slice(1).every((l) => ['<5', '0'].includes(l.split(';')[1]!)), months.join('\n'));
  });

  test('the report has a month-by-month trend for the whole helsefellesskap', async () => {
    const r = await get('/api/reports/indicators?from=2026-03-10&to=2026-04-15', c.coordinator);
    assert.equal(r.status, 200, r.text);
    const trend = (JSON.parse(r.text) as { trend: { month: string; from: string; to: string; row: { municipalityId: null } | null }[] }).trend;
    assert.deepEqual(trend.map((m) => m.month), ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04']);
    assert.deepEqual([trend[4]!.from, trend[4]!.to, trend[5]!.from, trend[5]!.to], ['2026-03-01', '2026-03-31', '2026-04-01', '2026-04-15']);
    assert.ok(trend.every((m) => m.row !== null && m.row.municipalityId === null));
  });

  test('one episode with bad stored data does not fail the report for everyone', async () => {
    // An unknown time zone, a diagnosis list that is not a list, and an alert whose finding time
    // is not a time: stored before validation existed, or written by hand.
    await db.query(`update episodes set time_zone = 'Mars/Olympus', diagnoses = '"oops"' where id = $1`, [f.patient.episodeId]);
    await db.query(
      `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, findings, first_at, last_at)
       values ($1, $2, 'threshold:spo2', 'threshold', 'red', $3, 1, '{}', '[{"zone":"red","at":"not a time"}, 7]', now() - interval '1 day', now() - interval '1 day')`,
      [f.otherPatient.id, f.otherPatient.episodeId, f.otherPatient.planId],
    );
    const r = await get('/api/reports/indicators', c.coordinator);
    assert.equal(r.status, 200, r.text);
    assert.equal((await get('/api/reports/indicators.csv', c.coordinator)).status, 200);
    await db.query(`update episodes set time_zone = 'Europe/Oslo', diagnoses = '[]' where id = $1`, [f.patient.episodeId]);
  });

  test('a period that ends before it starts is refused', async () => {
    assert.equal((await get('/api/reports/indicators?from=2026-02-01&to=2026-01-01', c.coordinator)).status, 400);
    assert.equal((await get('/api/reports/indicators?from=2024-01-01&to=2026-01-01', c.coordinator)).status, 400);
  });
});

describe('share of alerts judged "no action needed" (alert burden)', () => {
  const from = at('2026-03-02', '00:00');
  const to = at('2026-03-10', '00:00');
  const now = at('2026-03-20', '12:00');
  const episodes: EpisodeInput[] = [0, 1, 2, 3, 4, 5].map((i) => ({
    id: `e${i}`, patientId: `p${i}`, municipalityId: 'A', diagnoses: [{ system: 'ICPC-2', code: 'R95' }], timeZone: 'Europe/Oslo', startedAt: at('2026-02-01', '09:00'), endedAt: null,
  }));
  const alert = (i: number, noActionNeeded: boolean | null): AlertInput => ({ episodeId: `e${i % 6}`, zone: 'yellow', firstAt: at('2026-03-04', '08:30'), redAt: null, acknowledgedAt: at('2026-03-04', '09:00'), noActionNeeded });
  const share = (judgements: (boolean | null)[]) =>
    computeIndicators({ municipalities: ['A'], episodes, plans: [], observations: [], alerts: judgements.map((j, i) => alert(i, j)), from, to, now })
      .find((r) => r.municipalityId === 'A' && r.diagnosis === null)!.noActionShare;
  const cases: [string, (boolean | null)[], number | null][] = [
    ['6 no action, 5 action: shown, over the judged ones only', [...Array(6).fill(true), ...Array(5).fill(false), null, null], 0.545],
    ['4 with action is a small count: the share would give it back', [...Array(6).fill(true), ...Array(4).fill(false)], null],
    ['4 no action is a small count too', [...Array(4).fill(true), ...Array(8).fill(false)], null],
    ['nothing judged', [null, null, null, null, null, null], null],
  ];
  for (const [name, judgements, expected] of cases) test(name, () => assert.equal(share(judgements), expected));
});
