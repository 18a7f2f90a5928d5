import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_OPENING_HOURS,
  type OpeningHours,
  OpeningHoursSchema,
  closesAt,
  easterSunday,
  isNorwegianPublicHoliday,
  isOpen,
  nextOpening,
  norwegianPublicHolidays,
  norwegianPublicHolidaysNamed,
  patientFeedback,
} from './opening-hours.js';
import { addDays, isoWeekday } from './time.js';
import { tx } from './test-fixtures.js';

const H = DEFAULT_OPENING_HOURS;
const at = (iso: string): Date => new Date(iso);
const toLocalHour = (d: Date): number => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit', hourCycle: 'h23' }).format(d));

// Published dates: Almanakk for Norge (Universitetet i Oslo) and the lists of helligdager at
// lovdata.no / kalender.no; law: lov om helligdager og helligdagsfred § 1, lov om 1. og 17. mai
// som høgtidsdager. Order per row: nyttårsdag, skjærtorsdag, langfredag, 1. og 2. påskedag,
// 1. mai, Kristi himmelfartsdag, 17. mai, 1. og 2. pinsedag, 1. og 2. juledag (sorted by date).
const HOLIDAYS: [number, string, string[]][] = [
  [2024, '2024-03-31', ['2024-01-01', '2024-03-28', '2024-03-29', '2024-03-31', '2024-04-01', '2024-05-01', '2024-05-09', '2024-05-17', '2024-05-19', '2024-05-20', '2024-12-25', '2024-12-26']],
  [2025, '2025-04-20', ['2025-01-01', '2025-04-17', '2025-04-18', '2025-04-20', '2025-04-21', '2025-05-01', '2025-05-17', '2025-05-29', '2025-06-08', '2025-06-09', '2025-12-25', '2025-12-26']],
  [2026, '2026-04-05', ['2026-01-01', '2026-04-02', '2026-04-03', '2026-04-05', '2026-04-06', '2026-05-01', '2026-05-14', '2026-05-17', '2026-05-24', '2026-05-25', '2026-12-25', '2026-12-26']],
  // 2. pinsedag falls on 17. mai: one date, listed once.
  [2027, '2027-03-28', ['2027-01-01', '2027-03-25', '2027-03-26', '2027-03-28', '2027-03-29', '2027-05-01', '2027-05-06', '2027-05-16', '2027-05-17', '2027-12-25', '2027-12-26']],
  [2028, '2028-04-16', ['2028-01-01', '2028-04-13', '2028-04-14', '2028-04-16', '2028-04-17', '2028-05-01', '2028-05-17', '2028-05-25', '2028-06-04', '2028-06-05', '2028-12-25', '2028-12-26']],
  [2029, '2029-04-01', ['2029-01-01', '2029-03-29', '2029-03-30', '2029-04-01', '2029-04-02', '2029-05-01', '2029-05-10', '2029-05-17', '2029-05-20', '2029-05-21', '2029-12-25', '2029-12-26']],
  [2030, '2030-04-21', ['2030-01-01', '2030-04-18', '2030-04-19', '2030-04-21', '2030-04-22', '2030-05-01', '2030-05-17', '2030-05-30', '2030-06-09', '2030-06-10', '2030-12-25', '2030-12-26']],
  // Early Easter: Kristi himmelfartsdag fell on 1. mai in 2008.
  [2008, '2008-03-23', ['2008-01-01', '2008-03-20', '2008-03-21', '2008-03-23', '2008-03-24', '2008-05-01', '2008-05-11', '2008-05-12', '2008-05-17', '2008-12-25', '2008-12-26']],
  // Latest possible Easter (25 April), as in 1943.
  [2038, '2038-04-25', ['2038-01-01', '2038-04-22', '2038-04-23', '2038-04-25', '2038-04-26', '2038-05-01', '2038-05-17', '2038-06-03', '2038-06-13', '2038-06-14', '2038-12-25', '2038-12-26']],
];

// Easter extremes and century years (Meeus, Astronomical Algorithms ch. 8; USNO Easter dates).
const EASTER_EXTREMES: [number, string][] = [
  [1818, '1818-03-22'], // earliest possible
  [2285, '2285-03-22'], // next earliest possible
  [1943, '1943-04-25'], // latest possible
  [2000, '2000-04-23'],
  [2011, '2011-04-24'],
  [2100, '2100-03-28'],
];

describe('Norwegian public holidays, any year', () => {
  for (const [year, easter, dates] of HOLIDAYS) {
    test(`${year}: Easter ${easter} and its ${dates.length} holidays`, () => {
      assert.equal(easterSunday(year), easter);
      assert.deepEqual(norwegianPublicHolidays(year), dates);
    });
  }
  for (const [year, date] of EASTER_EXTREMES) test(`Easter ${year} is ${date}`, () => assert.equal(easterSunday(year), date));

  test('names: 2027 gives the shared date both names; 2026 names Kristi himmelfartsdag', () => {
    const named27 = norwegianPublicHolidaysNamed(2027).find((h) => h.date === '2027-05-17');
    assert.equal(named27?.name.nb, 'Grunnlovsdag og andre pinsedag');
    assert.equal(norwegianPublicHolidaysNamed(2026).find((h) => h.date === '2026-05-14')?.name.nb, 'Kristi himmelfartsdag');
  });

  test('property: Easter Sunday is a Sunday between 22 March and 25 April (1583–9999)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
        const e = easterSunday(year);
        assert.equal(isoWeekday(e), 7);
        assert.ok(e >= `${year}-03-22` && e <= `${year}-04-25`, e);
      }),
      { numRuns: 500 },
    );
  });

  test('property: every year has its fixed days, the movable ones on the right weekday, 11–12 dates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2500 }), (year) => {
        const list = norwegianPublicHolidays(year);
        const e = easterSunday(year);
        assert.ok(list.length === 11 || list.length === 12);
        for (const fixed of ['01-01', '05-01', '05-17', '12-25', '12-26']) assert.ok(list.includes(`${year}-${fixed}`));
        assert.ok(list.every((d) => d.startsWith(`${year}-`)));
        assert.deepEqual([...list].sort(), list);
        assert.equal(isoWeekday(addDays(e, -3)), 4); // skjærtorsdag
        assert.equal(isoWeekday(addDays(e, -2)), 5); // langfredag
        assert.equal(isoWeekday(addDays(e, 39)), 4); // Kristi himmelfartsdag
        assert.equal(isoWeekday(addDays(e, 50)), 1); // 2. pinsedag
        for (const offset of [-3, -2, 0, 1, 39, 49, 50]) assert.ok(list.includes(addDays(e, offset)));
        for (const d of list) assert.equal(isNorwegianPublicHoliday(d), true);
        // Julaften and nyttårsaften are not public holidays.
        assert.equal(isNorwegianPublicHoliday(`${year}-12-24`), false);
        assert.equal(isNorwegianPublicHoliday(`${year}-12-31`), false);
      }),
      { numRuns: 300 },
    );
  });

  test('default opening hours list no dates: holidays are computed, so they never run out', () => {
    assert.deepEqual(H.closedDates, []);
    assert.equal(OpeningHoursSchema.safeParse(H).success, true);
    // 17 May 2045 is a Wednesday; 2. påskedag 2061 is 11 April, a Monday.
    assert.equal(isOpen(H, at('2045-05-17T10:00:00Z')), false);
    assert.equal(isOpen(H, at('2061-04-11T10:00:00Z')), false);
    assert.equal(isOpen(H, at('2061-04-12T10:00:00Z')), true);
  });

  test('hours stored before the publicHolidays field existed still close on holidays', () => {
    const legacy: OpeningHours = { timeZone: 'Europe/Oslo', weekly: { 4: [['08:00', '15:30']] }, closedDates: [] };
    assert.equal(isOpen(legacy, at('2026-05-14T10:00:00Z')), false);
  });

  test('a service that stays open on public holidays can say so', () => {
    const open: OpeningHours = { ...H, publicHolidays: false, weekly: { ...H.weekly, 7: [['10:00', '14:00']] } };
    assert.equal(isOpen(open, at('2026-05-14T10:00:00Z')), true); // Kristi himmelfartsdag, a Thursday
    assert.equal(isOpen(open, at('2026-04-05T10:00:00Z')), true); // 1. påskedag, a Sunday
  });
});

describe('OpeningHoursSchema', () => {
  const ok = (h: unknown): boolean => OpeningHoursSchema.safeParse(h).success;
  const base = { timeZone: 'Europe/Oslo', weekly: {}, closedDates: [] };
  const rows: [string, unknown, boolean][] = [
    ['the default', H, true],
    ['unknown zone', { ...base, timeZone: 'Europe/Atlantis' }, false],
    ['another real zone', { ...base, timeZone: 'America/New_York' }, true],
    ['closing before opening', { ...base, weekly: { 1: [['15:30', '08:00']] } }, false],
    ['zero-length interval', { ...base, weekly: { 1: [['08:00', '08:00']] } }, false],
    ['H:MM without leading zero', { ...base, weekly: { 1: [['8:00', '15:30']] } }, false],
    ['25:00', { ...base, weekly: { 1: [['08:00', '25:00']] } }, false],
    ['open until midnight (24:00)', { ...base, weekly: { 1: [['16:00', '24:00']] } }, true],
    ['24:00 as an opening time', { ...base, weekly: { 1: [['24:00', '24:00']] } }, false],
    ['two intervals with lunch between', { ...base, weekly: { 1: [['08:00', '11:30'], ['12:00', '15:30']] } }, true],
    ['overlapping intervals', { ...base, weekly: { 1: [['08:00', '12:00'], ['11:00', '15:30']] } }, false],
    ['back-to-back intervals', { ...base, weekly: { 1: [['08:00', '12:00'], ['12:00', '15:30']] } }, true],
    ['weekday 8', { ...base, weekly: { 8: [['08:00', '15:30']] } }, true], // unknown keys are stripped, not an open day
    ['a real date', { ...base, closedDates: ['2026-12-24'] }, true],
    ['30 February', { ...base, closedDates: ['2026-02-30'] }, false],
    ['29 February in a leap year', { ...base, closedDates: ['2028-02-29'] }, true],
    ['29 February otherwise', { ...base, closedDates: ['2027-02-29'] }, false],
    ['date with time', { ...base, closedDates: ['2026-12-24T00:00'] }, false],
  ];
  for (const [name, value, valid] of rows) test(`${name} → ${valid ? 'valid' : 'invalid'}`, () => assert.equal(ok(value), valid));
});

describe('isOpen (Mon–Fri 08:00–15:30 Europe/Oslo)', () => {
  const rows: [string, string, boolean][] = [
    ['Monday 07:59 CEST', '2026-03-30T05:59:00Z', false],
    ['Monday 08:00 CEST', '2026-03-30T06:00:00Z', true],
    ['Monday 15:29 CEST', '2026-03-30T13:29:00Z', true],
    ['Monday 15:30 CEST (closing time is exclusive)', '2026-03-30T13:30:00Z', false],
    ['Monday 08:00 CET in winter is 07:00 UTC', '2026-01-05T07:00:00Z', true],
    ['Monday 07:30 CET in winter', '2026-01-05T06:30:00Z', false],
    ['Saturday noon', '2026-03-28T11:00:00Z', false],
    ['Maundy Thursday noon', '2026-04-02T10:00:00Z', false],
    ['17 May 2027 (a Monday) noon', '2027-05-17T10:00:00Z', false],
    ['Christmas Eve 2026 (a Thursday, not a public holiday)', '2026-12-24T09:00:00Z', true],
  ];
  for (const [name, iso, open] of rows) test(`${name} → ${open ? 'open' : 'closed'}`, () => assert.equal(isOpen(H, at(iso)), open));
});

describe('nextOpening', () => {
  const rows: [string, string, string][] = [
    ['open now → now', '2026-03-30T08:00:00Z', '2026-03-30T08:00:00.000Z'],
    ['Monday before opening → same morning', '2026-03-30T04:00:00Z', '2026-03-30T06:00:00.000Z'],
    ['Friday evening before the spring switch → Monday 08:00 CEST', '2026-03-27T16:00:00Z', '2026-03-30T06:00:00.000Z'],
    ['Friday evening before the autumn switch → Monday 08:00 CET', '2026-10-23T15:00:00Z', '2026-10-26T07:00:00.000Z'],
    ['Wednesday before Easter → Tuesday after Easter Monday', '2026-04-01T14:00:00Z', '2026-04-07T06:00:00.000Z'],
    ['Christmas 2026 → Monday 28 December', '2026-12-25T10:00:00Z', '2026-12-28T07:00:00.000Z'],
  ];
  for (const [name, iso, expected] of rows) test(name, () => assert.equal(nextOpening(H, at(iso))?.toISOString(), expected));

  test('a service with no hours never opens', () => {
    assert.equal(nextOpening({ timeZone: 'Europe/Oslo', weekly: {}, closedDates: [] }, at('2026-03-30T08:00:00Z')), null);
  });

  test('several intervals a day (lunch closure)', () => {
    const split: OpeningHours = { timeZone: 'Europe/Oslo', weekly: { 2: [['12:30', '15:00'], ['08:00', '11:30']] }, closedDates: [] };
    assert.equal(isOpen(split, at('2026-03-31T10:00:00Z')), false); // 12:00 CEST
    assert.equal(nextOpening(split, at('2026-03-31T10:00:00Z'))?.toISOString(), '2026-03-31T10:30:00.000Z');
    assert.equal(nextOpening(split, at('2026-03-31T05:00:00Z'))?.toISOString(), '2026-03-31T06:00:00.000Z');
  });

  test('property: the next opening is open, not before `at`, and nothing in between is open (hourly probe)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 24 * 4 }), (quarters) => {
        const from = new Date(Date.UTC(2026, 0, 1) + quarters * 15 * 60_000);
        const next = nextOpening(H, from);
        assert.ok(next !== null);
        assert.ok(next.getTime() >= from.getTime());
        assert.ok(isOpen(H, next));
        for (let t = from.getTime(); t < next.getTime(); t += 3_600_000) assert.equal(isOpen(H, new Date(t)), false);
      }),
      { numRuns: 150 },
    );
  });
});

describe('patientFeedback', () => {
  const actions = tx('plan action.');
  const feedback = (zone: 'green' | 'yellow' | 'red', iso: string, lang: 'nb' | 'nn' | 'en' = 'nb') =>
    patientFeedback({ zone, actions, hours: H, now: at(iso), lang });

  test('closed + red (Saturday): nobody is watching, when we open, legevakt 116 117 and 113', () => {
    const f = feedback('red', '2026-03-28T18:00:00Z');
    assert.equal(f.serviceOpen, false);
    assert.equal(f.action, 'plan action. nb');
    assert.equal(
      f.notice,
      'Oppfølgingstjenesten er stengt nå, og ingen ser på målingene dine før tjenesten åpner igjen mandag 30. mars kl. 08:00. Målingen din er i rødt område. Ring legevakten på 116 117 nå. Er det livstruende, ring 113.',
    );
  });

  test('closed + red in nynorsk and English', () => {
    assert.equal(
      feedback('red', '2026-03-28T18:00:00Z', 'nn').notice,
      'Oppfølgingstenesta er stengd no, og ingen ser på målingane dine før tenesta opnar igjen måndag 30. mars kl. 08:00. Målinga di er i raudt område. Ring legevakta på 116 117 no. Er det livstrugande, ring 113.',
    );
    assert.equal(
      feedback('red', '2026-03-28T18:00:00Z', 'en').notice,
      'The follow-up service is closed now, and nobody will look at your measurements until it opens again on Monday 30 March at 08:00. Your measurement is in the red zone. Call the out-of-hours service (legevakt) on 116 117 now. If it is life-threatening, call 113.',
    );
  });

  test('closed in the evening → "i morgen"; early morning → "i dag"', () => {
    assert.match(feedback('green', '2026-03-31T17:00:00Z').notice ?? '', /åpner igjen i morgen kl\. 08:00\.$/);
    assert.match(feedback('green', '2026-03-31T04:00:00Z', 'nn').notice ?? '', /opnar igjen i dag kl\. 08:00\.$/);
    assert.match(feedback('green', '2026-03-31T17:00:00Z', 'en').notice ?? '', /opens again tomorrow at 08:00\.$/);
  });

  test('closed + yellow: the service looks at it when it opens (named), legevakt if worse; no promise of a call', () => {
    const f = feedback('yellow', '2026-03-28T18:00:00Z');
    assert.equal(
      f.notice,
      'Oppfølgingstjenesten er stengt nå. Tjenesten ser på målingen din når den åpner mandag 30. mars kl. 08:00. Følg rådet i planen din. Blir du verre, ring legevakten på 116 117, eller 113 hvis det er livstruende.',
    );
    assert.equal(
      feedback('yellow', '2026-03-28T18:00:00Z', 'en').notice,
      'The follow-up service is closed now. The service will look at your measurement when it opens on Monday 30 March at 08:00. Follow the advice in your plan. If you get worse, call the out-of-hours service (legevakt) on 116 117, or 113 if it is life-threatening.',
    );
  });

  test('open + red: the nurse has been notified, and the plan action', () => {
    const f = feedback('red', '2026-03-30T09:00:00Z');
    assert.equal(f.serviceOpen, true);
    assert.equal(f.notice, 'Sykepleieren i oppfølgingstjenesten er varslet og tar kontakt med deg. Gjør dette nå: plan action. nb. Er det livstruende, ring 113.');
  });

  test('open + green: no notice; open + yellow: looked at until closing time, else at the next opening', () => {
    assert.equal(feedback('green', '2026-03-30T09:00:00Z').notice, null);
    // Monday 15:25 CEST: five minutes before closing, so "today" alone would be a promise nobody keeps.
    assert.equal(
      feedback('yellow', '2026-03-30T13:25:00Z', 'en').notice,
      'The follow-up service will look at your measurement during opening hours: today until 15:30, or otherwise when it opens again tomorrow at 08:00. If you get worse, call the out-of-hours service (legevakt) on 116 117, or 113 if it is life-threatening.',
    );
    // Wednesday 1 April 2026, before Easter: next opening is Tuesday 7 April.
    assert.equal(
      feedback('yellow', '2026-04-01T09:00:00Z').notice,
      'Oppfølgingstjenesten ser på målingen din i åpningstiden: i dag til kl. 15:30, ellers når den åpner igjen tirsdag 7. april kl. 08:00. Blir du verre, ring legevakten på 116 117, eller 113 hvis det er livstruende.',
    );
    assert.match(feedback('yellow', '2026-04-01T09:00:00Z', 'nn').notice ?? '', /^Oppfølgingstenesta ser på målinga di i opningstida: i dag til kl\. 15:30, elles når ho opnar igjen tysdag 7\. april kl\. 08:00\./);
  });

  test("the service's own hours and extra closed days decide (julaften, romjul, a staff day)", () => {
    const own: OpeningHours = {
      timeZone: 'Europe/Oslo',
      weekly: { 1: [['08:00', '11:30'], ['12:00', '15:30']], 2: [['08:00', '15:30']], 3: [['08:00', '15:30']], 4: [['08:00', '15:30']], 5: [['08:00', '15:30']], 6: [['10:00', '14:00']] },
      closedDates: ['2026-12-24', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2026-06-12'],
    };
    const fb = (zone: 'yellow' | 'red', iso: string) => patientFeedback({ zone, actions, hours: own, now: at(iso), lang: 'en' });
    // Julaften (Thursday) is closed, 25 and 26 December are holidays, romjul 28–31 is closed and
    // 1 January is a holiday: the next opening is Saturday 2 January 10:00.
    assert.equal(isOpen(own, at('2026-12-24T09:00:00Z')), false);
    assert.equal(nextOpening(own, at('2026-12-24T09:00:00Z'))?.toISOString(), '2027-01-02T09:00:00.000Z');
    assert.match(fb('yellow', '2026-12-24T09:00:00Z').notice ?? '', /when it opens on Saturday 2 January at 10:00\./);
    assert.match(fb('red', '2026-12-24T09:00:00Z').notice ?? '', /Call the out-of-hours service \(legevakt\) on 116 117 now\. If it is life-threatening, call 113\.$/);
    // Staff day Friday 12 June 2026 → Saturday 10:00; lunch closure Monday 11:45 → 12:00 today.
    assert.match(fb('yellow', '2026-06-12T08:00:00Z').notice ?? '', /opens tomorrow at 10:00\./);
    assert.match(fb('yellow', '2026-06-15T09:45:00Z').notice ?? '', /opens today at 12:00\./);
    assert.match(fb('yellow', '2026-06-15T09:00:00Z').notice ?? '', /today until 11:30, or otherwise when it opens again today at 12:00\./);
  });

  test('closesAt follows intervals that run on past midnight, and is null when closed', () => {
    const night: OpeningHours = { timeZone: 'Europe/Oslo', weekly: { 1: [['16:00', '24:00']], 2: [['00:00', '07:00']] }, closedDates: [], publicHolidays: false };
    assert.equal(closesAt(night, at('2026-03-30T20:00:00Z'))?.toISOString(), '2026-03-31T05:00:00.000Z');
    assert.equal(closesAt(night, at('2026-03-31T10:00:00Z')), null);
    const always: OpeningHours = { timeZone: 'Europe/Oslo', weekly: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, [['00:00', '24:00']]])), closedDates: [], publicHolidays: false };
    assert.equal(closesAt(always, at('2026-03-30T20:00:00Z')), null);
    assert.equal(patientFeedback({ zone: 'yellow', actions, hours: always, now: at('2026-03-30T20:00:00Z'), lang: 'en' }).notice?.startsWith('The follow-up service will look at your measurement. If you get worse'), true);
  });

  test('property: red while closed always names 116 117 and 113; yellow never promises a call; closed yellow names the opening', () => {
    const langs = ['nb', 'nn', 'en'] as const;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * 365 * 24 * 4 }), fc.constantFrom(...langs), (quarters, lang) => {
        const now = new Date(Date.UTC(2026, 0, 1) + quarters * 15 * 60_000);
        const red = patientFeedback({ zone: 'red', actions, hours: H, now, lang });
        const yellow = patientFeedback({ zone: 'yellow', actions, hours: H, now, lang });
        if (!red.serviceOpen) {
          assert.match(red.notice ?? '', /116 117/);
          assert.match(red.notice ?? '', /113/);
          const next = nextOpening(H, now);
          assert.ok(next && !isNorwegianPublicHoliday(next.toISOString().slice(0, 10)));
          assert.ok((yellow.notice ?? '').includes(`${String(toLocalHour(next)).padStart(2, '0')}:`));
        }
        assert.match(yellow.notice ?? '', /116 117/);
        assert.doesNotMatch(yellow.notice ?? '', /ringer deg|ringjer deg|will call you|tar kontakt|tek kontakt|will contact you/);
      }),
      { numRuns: 200 },
    );
  });

  test('closed with no future opening says so without a date', () => {
    const f = patientFeedback({ zone: 'green', actions, hours: { timeZone: 'Europe/Oslo', weekly: {}, closedDates: [] }, now: at('2026-03-30T09:00:00Z'), lang: 'en' });
    assert.equal(f.notice, 'The follow-up service is closed now, and nobody is looking at your measurements.');
  });
});
