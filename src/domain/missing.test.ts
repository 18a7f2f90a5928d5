import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_INACTIVE_DAYS, detectInactive, inactiveSince, MISSING_KINDS, missingAlertKind } from './missing.js';
import type { PlanDefinition, Schedule } from './plan.js';
import { detectMissing, latestMissedOccurrence } from './triage.js';
import { zonedInstant, toLocal } from './time.js';
import { obs, testPlan, zoneActions } from './test-fixtures.js';

const OSLO = 'Europe/Oslo';
const EPOCH = new Date('2026-01-01T00:00:00Z');

function planWith(schedule: Schedule): PlanDefinition {
  return testPlan({
    measures: [{ code: 'spo2', schedule, thresholds: {}, actions: zoneActions('spo2') }],
    questionnaires: [],
    trendRules: [],
  });
}
const daily10 = planWith({ kind: 'daily', dueBy: '10:00', graceMinutes: 120 });

function missing(plan: PlanDefinition, nowIso: string, observations = [] as ReturnType<typeof obs>[], since = EPOCH) {
  return detectMissing({ plan, planVersion: 7, observations, now: new Date(nowIso), timeZone: OSLO, since });
}

describe('time zone helpers across Europe/Oslo DST switches', () => {
  const rows: [string, string, string][] = [
    ['2026-03-28', '10:00', '2026-03-28T09:00:00.000Z'], // CET, UTC+1
    ['2026-03-29', '00:00', '2026-03-28T23:00:00.000Z'], // still CET at midnight
    ['2026-03-29', '02:30', '2026-03-29T01:30:00.000Z'], // skipped hour → 03:30 CEST
    ['2026-03-29', '10:00', '2026-03-29T08:00:00.000Z'], // CEST, UTC+2
    ['2026-10-25', '00:00', '2026-10-24T22:00:00.000Z'], // CEST at midnight
    ['2026-10-25', '02:30', '2026-10-25T00:30:00.000Z'], // happens twice → first (CEST)
    ['2026-10-25', '10:00', '2026-10-25T09:00:00.000Z'], // CET again
  ];
  for (const [date, time, iso] of rows) {
    test(`${date} ${time} Oslo = ${iso}`, () => assert.equal(zonedInstant(date, time, OSLO).toISOString(), iso));
  }
  test('toLocal reads wall-clock time and ISO weekday', () => {
    const l = toLocal(new Date('2026-10-25T01:30:00Z'), OSLO);
    assert.deepEqual([l.date, l.hour, l.minute, l.weekday], ['2026-10-25', 2, 30, 7]);
    assert.equal(toLocal(new Date('2026-03-28T23:30:00Z'), OSLO).date, '2026-03-29');
  });
});

describe('detectMissing — daily schedule', () => {
  test('before today\'s deadline the latest missed occurrence is yesterday (spring DST day)', () => {
    // 11:59 CEST on 29 March: deadline 12:00 not yet passed.
    const f = missing(daily10, '2026-03-29T09:59:00Z');
    assert.equal(f.length, 1);
    assert.equal(f[0]?.ruleId, 'missing:spo2');
    assert.equal(f[0]?.kind, 'missing');
    assert.equal(f[0]?.zone, 'missing');
    assert.equal(f[0]?.code, 'spo2');
    assert.deepEqual(f[0]?.values, []);
    assert.equal(f[0]?.at, '2026-03-28T09:00:00.000Z'); // 10:00 CET
  });

  test('at the deadline on the spring DST day, 10:00 CEST is 08:00 UTC', () => {
    const f = missing(daily10, '2026-03-29T10:00:00Z');
    assert.equal(f[0]?.at, '2026-03-29T08:00:00.000Z');
    assert.deepEqual(f[0]?.summary, {
      nb: 'Mangler SpO2: skulle vært registrert innen 29.03.2026 kl. 10:00 (plan v7)',
      nn: 'Manglar SpO2: skulle vore registrert innan 29.03.2026 kl. 10:00 (plan v7)',
      en: 'Missing SpO2: was due by 2026-03-29 10:00 (plan v7)',
    });
  });

  test('a measurement after local midnight counts for that day; one before midnight does not (spring)', () => {
    // Local midnight 29 March is 23:00 UTC on the 28th (still CET).
    assert.equal(missing(daily10, '2026-03-29T10:00:00Z', [obs('spo2', 95, '2026-03-28T23:05:00Z')]).length, 0);
    assert.equal(missing(daily10, '2026-03-29T10:00:00Z', [obs('spo2', 95, '2026-03-28T22:55:00Z')]).length, 1);
  });

  test('autumn DST day: deadline 12:00 CET is 11:00 UTC', () => {
    assert.equal(missing(daily10, '2026-10-25T10:59:00Z')[0]?.at, '2026-10-24T08:00:00.000Z'); // yesterday, CEST
    assert.equal(missing(daily10, '2026-10-25T11:00:00Z')[0]?.at, '2026-10-25T09:00:00.000Z');
    // Local midnight 25 October is 22:00 UTC on the 24th (still CEST).
    assert.equal(missing(daily10, '2026-10-25T11:00:00Z', [obs('spo2', 95, '2026-10-24T22:10:00Z')]).length, 0);
    assert.equal(missing(daily10, '2026-10-25T11:00:00Z', [obs('spo2', 95, '2026-10-24T21:50:00Z')]).length, 1);
  });

  test('a late measurement (after the deadline) still clears the day', () => {
    assert.equal(missing(daily10, '2026-03-10T15:00:00Z', [obs('spo2', 95, '2026-03-10T14:00:00Z')]).length, 0);
  });

  test('only observations of the same code count', () => {
    assert.equal(missing(daily10, '2026-03-10T15:00:00Z', [obs('heart_rate', 70, '2026-03-10T08:00:00Z')]).length, 1);
  });

  test('never reports an occurrence due before the episode started', () => {
    // Enrolled at 10:30 local on 10 March: today's 10:00 was before enrolment.
    assert.equal(missing(daily10, '2026-03-10T15:00:00Z', [], new Date('2026-03-10T09:30:00Z')).length, 0);
    // The next day it is reported.
    assert.equal(missing(daily10, '2026-03-11T15:00:00Z', [], new Date('2026-03-10T09:30:00Z')).length, 1);
  });

  test('as-needed measures are never missing', () => {
    assert.deepEqual(missing(planWith({ kind: 'as_needed' }), '2026-03-10T15:00:00Z'), []);
  });

  test('one finding per code, for measures and questionnaires', () => {
    const plan = testPlan();
    const f = detectMissing({ plan, planVersion: 1, observations: [], now: new Date('2026-03-09T15:00:00Z'), timeZone: OSLO, since: EPOCH });
    // testPlan: 5 daily measures (temperature is as-needed) + weekly PHQ-9 on Mondays.
    assert.deepEqual(f.map((x) => x.ruleId).sort(), [
      'missing:bp_systolic',
      'missing:heart_rate',
      'missing:phq9',
      'missing:resp_rate',
      'missing:spo2',
      'missing:weight',
    ]);
    assert.match(f.find((x) => x.ruleId === 'missing:heart_rate')?.summary.nb ?? '', /^Mangler puls:/);
  });

  test('rejects an unknown time zone', () => {
    assert.throws(() => detectMissing({ plan: daily10, planVersion: 1, observations: [], now: new Date(), timeZone: 'Mars/Olympus', since: EPOCH }), RangeError);
  });
});

describe('detectMissing — weekly schedule', () => {
  // Mondays and Thursdays at 12:00, one hour of grace.
  const weekly = planWith({ kind: 'weekly', weekdays: [1, 4], dueBy: '12:00', graceMinutes: 60 });
  const thursday14 = '2026-04-02T12:00:00Z'; // 14:00 CEST Thursday

  test('reports the Thursday occurrence when nothing came since Monday\'s due time', () => {
    const f = missing(weekly, thursday14, [obs('spo2', 95, '2026-03-30T07:00:00Z')]); // Monday 09:00, before Monday's due
    assert.equal(f.length, 1);
    assert.equal(f[0]?.at, '2026-04-02T10:00:00.000Z');
  });

  test('a report after Monday\'s due time counts for Thursday', () => {
    assert.equal(missing(weekly, thursday14, [obs('spo2', 95, '2026-03-31T08:00:00Z')]).length, 0);
  });

  test('on a non-scheduled day it looks back to the last scheduled one', () => {
    const f = missing(weekly, '2026-04-01T10:00:00Z'); // Wednesday
    assert.equal(f[0]?.at, '2026-03-30T10:00:00.000Z'); // Monday 12:00 CEST
  });

  test('window across the spring switch: Thursday 26 March (CET) to Monday 30 March (CEST)', () => {
    const f = missing(weekly, '2026-03-30T11:00:00Z', [obs('spo2', 95, '2026-03-26T10:30:00Z')]); // Thu 11:30 CET, before due
    assert.equal(f[0]?.at, '2026-03-30T10:00:00.000Z');
    assert.equal(missing(weekly, '2026-03-30T11:00:00Z', [obs('spo2', 95, '2026-03-26T11:30:00Z')]).length, 0);
  });

  test('latestMissedOccurrence gives the window used', () => {
    const occ = latestMissedOccurrence({ kind: 'weekly', weekdays: [1], dueBy: '12:00', graceMinutes: 0 }, new Date('2026-03-30T10:00:00Z'), OSLO);
    assert.deepEqual(occ && { date: occ.date, due: occ.due.toISOString(), windowStart: occ.windowStart.toISOString() }, {
      date: '2026-03-30',
      due: '2026-03-30T10:00:00.000Z',
      windowStart: '2026-03-23T11:00:00.000Z',
    });
  });
});

// ---------------------------------------------------------------- kinds and inactivity (domain/missing.ts)

describe('alert kinds for what did not happen (VKP 5.3.2, 5.3.1, 5.3)', () => {
  // vkp-alert-code-v090: 5.3.2 "Måling ikke rapportert", 5.3.1 "Manglende skjemabesvarelse", 5.3 "Inaktiv pasient".
  const rows: [string, string][] = [
    ['spo2', 'missing_measurement'], ['weight', 'missing_measurement'], ['bp_systolic', 'missing_measurement'], ['glucose', 'missing_measurement'],
    ['cat', 'missing_questionnaire'], ['phq9', 'missing_questionnaire'], ['gad7', 'missing_questionnaire'], ['symptoms', 'missing_questionnaire'],
  ];
  for (const [code, kind] of rows) test(`${code} → ${kind}`, () => assert.equal(missingAlertKind(code), kind));
  test('the three kinds are stable strings', () => assert.deepEqual([...MISSING_KINDS], ['missing_measurement', 'missing_questionnaire', 'inactive']));
});

describe('detectInactive: nothing at all for N days', () => {
  const started = new Date('2026-03-01T08:00:00Z');
  const at = (iso: string, last: string | null, opts: { from?: string; days?: number; tz?: string } = {}) => detectInactive({
    lastActivityAt: last ? new Date(last) : null, schedulesFrom: opts.from ? new Date(opts.from) : null, startedAt: started,
    days: opts.days ?? DEFAULT_INACTIVE_DAYS, now: new Date(iso), timeZone: opts.tz ?? OSLO, planVersion: 4,
  });
  // [now, last reading, resumed at, days, expected finding.at or null]
  const table: [string, string | null, string | undefined, number, string | null][] = [
    ['2026-03-10T11:59:59Z', '2026-03-07T12:00:00Z', undefined, 3, null], // one second short of 72 h
    ['2026-03-10T12:00:00Z', '2026-03-07T12:00:00Z', undefined, 3, '2026-03-07T12:00:00.000Z'],
    ['2026-03-10T12:00:00Z', '2026-03-07T12:00:00Z', undefined, 4, null], // the service's own setting
    ['2026-03-10T12:00:00Z', '2026-03-09T11:00:00Z', undefined, 1, '2026-03-09T11:00:00.000Z'],
    ['2026-03-10T12:00:00Z', '2026-03-01T12:00:00Z', '2026-03-08T12:00:00Z', 3, null], // resumed two days ago: the clock restarts
    ['2026-03-12T12:00:00Z', '2026-03-01T12:00:00Z', '2026-03-08T12:00:00Z', 3, '2026-03-08T12:00:00.000Z'],
    ['2026-03-04T07:59:59Z', null, undefined, 3, null], // never measured: counted from the start
    ['2026-03-04T08:00:00Z', null, undefined, 3, '2026-03-01T08:00:00.000Z'],
    // Across the spring switch (29 March): 72 hours, not three wall-clock days (which are 71 h here).
    ['2026-03-30T10:59:59Z', '2026-03-27T11:00:00Z', undefined, 3, null],
    ['2026-03-30T11:00:00Z', '2026-03-27T11:00:00Z', undefined, 3, '2026-03-27T11:00:00.000Z'],
  ];
  for (const [now, last, from, days, want] of table) {
    test(`now ${now}, last ${last ?? 'never'}${from ? `, resumed ${from}` : ''}, ${days} d → ${want ?? 'nothing'}`, () => {
      const f = at(now, last, { from, days });
      assert.equal(f?.at ?? null, want);
      if (f) {
        assert.equal(f.ruleId, 'inactive');
        assert.equal(f.zone, 'missing');
        assert.equal(f.planVersion, 4);
        assert.match(f.summary.en, new RegExp(`for ${days} day`));
      }
    });
  }

  test('the text gives the last reading on the patient\'s own clock (CEST after the switch)', () => {
    const f = at('2026-04-02T12:00:00Z', '2026-03-29T01:30:00Z');
    assert.match(f!.summary.nb, /\(siste 29\.03\.2026 kl\. 03:30\) \(plan v4\)/);
    assert.match(f!.summary.en, /last 2026-03-29 03:30/);
  });

  test('rejects an unknown time zone', () => {
    assert.throws(() => at('2026-03-10T12:00:00Z', null, { tz: 'Mars/Olympus' }), RangeError);
  });

  test('property: inactive exactly when the latest of reading, resume and start is N×24 h ago or more', () => {
    const t = fc.integer({ min: 0, max: 60 * 86_400 }).map((s) => new Date(started.getTime() + s * 1000));
    fc.assert(fc.property(fc.option(t, { nil: null }), fc.option(t, { nil: null }), t, fc.integer({ min: 1, max: 10 }), (last, from, now, days) => {
      const since = inactiveSince({ lastActivityAt: last, schedulesFrom: from, startedAt: started });
      const f = detectInactive({ lastActivityAt: last, schedulesFrom: from, startedAt: started, days, now, timeZone: OSLO, planVersion: 1 });
      assert.equal(f !== null, now.getTime() - since.getTime() >= days * 86_400_000);
      assert.ok(since.getTime() >= started.getTime() && (!last || since >= last) && (!from || since >= from));
      if (f) assert.equal(f.at, since.toISOString());
    }));
  });
});
