import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_OPENING_HOURS, isOpen, type OpeningHours } from '../../domain/opening-hours.js';
import { replyExpectation } from './expectation.js';

// Default hours: Mon–Fri 08:00–15:30 Europe/Oslo, closed on Norwegian public holidays.
// 2026-11-30 is a Monday; Oslo is UTC+1 in winter. 2026-12-25/26 are Christmas Day and Boxing Day.
const H = DEFAULT_OPENING_HOURS;
const CASES: { name: string; at: string; lang: 'nb' | 'nn' | 'en'; open: boolean; text: string }[] = [
  { name: 'open in the morning', at: '2026-11-30T09:00:00Z', lang: 'nb', open: true, text: 'Sykepleieren svarer vanligvis innen kl. 15:30 i dag.' },
  { name: 'open, nynorsk', at: '2026-11-30T09:00:00Z', lang: 'nn', open: true, text: 'Sjukepleiaren svarar vanlegvis innan kl. 15:30 i dag.' },
  { name: 'open, English', at: '2026-11-30T09:00:00Z', lang: 'en', open: true, text: 'A nurse usually answers by 15:30 today.' },
  {
    name: 'less than an hour before closing: also names the next opening',
    at: '2026-11-30T13:45:00Z', lang: 'nb', open: true,
    text: 'Oppfølgingstjenesten stenger kl. 15:30. Rekker ikke sykepleieren å svare i dag, får du svar i morgen kl. 08:00.',
  },
  {
    name: 'weekday evening: next working day from 08',
    at: '2026-11-30T18:00:00Z', lang: 'nb', open: false,
    text: 'Oppfølgingstjenesten er stengt nå. Sykepleieren svarer vanligvis når tjenesten åpner igjen i morgen kl. 08:00.',
  },
  {
    name: 'Friday afternoon: Monday',
    at: '2026-12-04T15:00:00Z', lang: 'nb', open: false,
    text: 'Oppfølgingstjenesten er stengt nå. Sykepleieren svarer vanligvis når tjenesten åpner igjen mandag 7. desember kl. 08:00.',
  },
  {
    name: 'Christmas Eve afternoon: past Christmas Day, Boxing Day and the weekend',
    at: '2026-12-24T15:00:00Z', lang: 'en', open: false,
    text: 'The follow-up service is closed now. A nurse usually answers when it opens again on Monday 28 December at 08:00.',
  },
  {
    name: 'early morning, same day',
    at: '2026-12-01T05:00:00Z', lang: 'nn', open: false,
    text: 'Oppfølgingstenesta er stengd no. Sjukepleiaren svarar vanlegvis når tenesta opnar igjen i dag kl. 08:00.',
  },
];

for (const c of CASES) {
  test(`reply expectation: ${c.name}`, () => {
    const r = replyExpectation(H, new Date(c.at), c.lang);
    assert.equal(r.serviceOpen, c.open);
    assert.equal(r.text, c.text);
  });
}

test('a service that never opens says so instead of naming a time', () => {
  const never: OpeningHours = { ...H, weekly: {} };
  const r = replyExpectation(never, new Date('2026-11-30T09:00:00Z'), 'nb');
  assert.equal(r.nextOpening, null);
  assert.match(r.text, /vet ikke når den åpner igjen/);
});

test('property: the named times are real — closing while open, an open instant after now while closed', () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 * 365 * 24 * 4 }), fc.constantFrom('nb' as const, 'nn' as const, 'en' as const), (quarters, lang) => {
      const now = new Date(start + quarters * 15 * 60_000);
      const r = replyExpectation(H, now, lang);
      assert.equal(r.serviceOpen, isOpen(H, now));
      if (r.serviceOpen) {
        assert.ok(r.closesAt && Date.parse(r.closesAt) > now.getTime());
        assert.equal(isOpen(H, new Date(r.closesAt)), false);
      } else {
        assert.ok(r.nextOpening && Date.parse(r.nextOpening) > now.getTime());
        assert.equal(isOpen(H, new Date(r.nextOpening)), true);
      }
      assert.doesNotMatch(r.text, /[{}]/, 'no placeholder left');
    }),
    { numRuns: 300 },
  );
});
