import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_OPENING_HOURS, type OpeningHours, OpeningHoursSchema, easterSunday, isOpen, nextOpening, norwegianPublicHolidays, patientFeedback } from './opening-hours.js';
import { tx } from './test-fixtures.js';

const H = DEFAULT_OPENING_HOURS;
const at = (iso: string): Date => new Date(iso);

describe('Norwegian public holidays', () => {
  const easter: [number, string][] = [
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'],
  ];
  for (const [year, date] of easter) test(`Easter ${year} is ${date}`, () => assert.equal(easterSunday(year), date));

  test('2026', () => {
    assert.deepEqual(norwegianPublicHolidays(2026), [
      '2026-01-01', // nyttårsdag
      '2026-04-02', // skjærtorsdag
      '2026-04-03', // langfredag
      '2026-04-05', // 1. påskedag
      '2026-04-06', // 2. påskedag
      '2026-05-01',
      '2026-05-14', // Kristi himmelfartsdag
      '2026-05-17',
      '2026-05-24', // 1. pinsedag
      '2026-05-25', // 2. pinsedag
      '2026-12-25',
      '2026-12-26',
    ]);
  });

  test('2027: Whit Monday falls on 17 May and is listed once', () => {
    assert.deepEqual(norwegianPublicHolidays(2027), [
      '2027-01-01',
      '2027-03-25',
      '2027-03-26',
      '2027-03-28',
      '2027-03-29',
      '2027-05-01',
      '2027-05-06',
      '2027-05-16',
      '2027-05-17',
      '2027-12-25',
      '2027-12-26',
    ]);
  });

  test('default opening hours include both years and pass their schema', () => {
    assert.equal(H.closedDates.length, 23);
    assert.ok(H.closedDates.includes('2026-05-14') && H.closedDates.includes('2027-03-29'));
    assert.equal(OpeningHoursSchema.safeParse(H).success, true);
    assert.equal(OpeningHoursSchema.safeParse({ ...H, timeZone: 'Europe/Atlantis' }).success, false);
    assert.equal(OpeningHoursSchema.safeParse({ ...H, weekly: { 1: [['15:30', '08:00']] } }).success, false);
  });
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

  test('closed + yellow points to legevakt if worse', () => {
    const f = feedback('yellow', '2026-03-28T18:00:00Z');
    assert.match(f.notice ?? '', /stengt nå/);
    assert.match(f.notice ?? '', /Blir du verre, ring legevakten på 116 117, eller 113/);
  });

  test('open + red: the nurse has been notified, and the plan action', () => {
    const f = feedback('red', '2026-03-30T09:00:00Z');
    assert.equal(f.serviceOpen, true);
    assert.equal(f.notice, 'Sykepleieren i oppfølgingstjenesten er varslet og tar kontakt med deg. Gjør dette nå: plan action. nb. Er det livstruende, ring 113.');
  });

  test('open + green: no notice; open + yellow: a nurse will look today', () => {
    assert.equal(feedback('green', '2026-03-30T09:00:00Z').notice, null);
    assert.equal(feedback('yellow', '2026-03-30T09:00:00Z', 'en').notice, 'A nurse will look at your measurement during opening hours today.');
  });

  test('closed with no future opening says so without a date', () => {
    const f = patientFeedback({ zone: 'green', actions, hours: { timeZone: 'Europe/Oslo', weekly: {}, closedDates: [] }, now: at('2026-03-30T09:00:00Z'), lang: 'en' });
    assert.equal(f.notice, 'The follow-up service is closed now, and nobody is looking at your measurements.');
  });
});
