import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countRows, useTestServer } from '../testing/server.js';

/*
 * The service's own opening hours, edited in the clinic app, decide what the patient is told:
 * an extra closed day (a staff day) or a public holidays of any year makes a red reading send
 * the patient to legevakt 116 117 / 113, and a yellow one say when the service will look.
 */

// Wednesday 10 June 2026, 10:00 in Oslo (CEST): an ordinary working day.
let clock = new Date('2026-06-10T08:00:00Z');

const env = useTestServer({ now: () => clock });

const { call } = env;
const weekdays = (intervals: [string, string][]) => Object.fromEntries([1, 2, 3, 4, 5].map((d) => [String(d), intervals]));
let n = 0;
const measure = async (value: number) => {
  const r = await call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: `opening-hours-${++n}`, measurements: [{ code: 'spo2', value }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body!.feedback as { zone: string; serviceOpen: boolean; notice: string | null };
};

test('a service without its own hours gets the default, with the holidays of the next twelve months', async () => {
  const r = await call('GET', '/api/opening-hours', env.c.nurseA);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const b = r.body!;
  assert.equal(b.isDefault, true);
  assert.equal(b.canEdit, true);
  assert.equal(b.version, 0);
  assert.equal(b.timeZone, 'Europe/Oslo');
  assert.deepEqual(b.closedDays, []);
  assert.equal(b.openNow, true);
  const holidays = b.upcomingHolidays as { date: string; name: { nb: string } }[];
  assert.equal(holidays[0]?.date, '2026-12-25');
  assert.ok(holidays.some((h) => h.date === '2027-05-17' && /pinsedag/.test(h.name.nb)));
  assert.ok(holidays.every((h) => h.date < '2027-06-10'));
});

test('who may read and edit: patients never; a GP may look but not edit', async () => {
  assert.equal((await call('GET', '/api/opening-hours', null)).status, 401);
  assert.equal((await call('GET', '/api/opening-hours', env.c.patient)).status, 403);
  const gp = await call('GET', '/api/opening-hours', env.c.gp);
  assert.equal(gp.status, 200);
  assert.equal(gp.body!.canEdit, false);
  const body = { version: 0, timeZone: 'Europe/Oslo', weekly: weekdays([['08:00', '15:30']]), publicHolidays: true, closedDays: [] };
  assert.equal((await call('PUT', '/api/opening-hours', env.c.gp, body)).status, 403);
  assert.equal((await call('PUT', '/api/opening-hours', env.c.patient, body)).status, 403);
  assert.equal((await call('PUT', '/api/opening-hours', env.c.specialist, body)).status, 403);
});

test('bad input gets per-field errors and nothing is written', async () => {
  const before = await countRows(env.db, `audit_events where resource_type = 'OpeningHours'`);
  const rows: [string, unknown, string][] = [
    ['unknown zone', { timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['H:MM', { weekly: { 1: [['8:00', '15:30']] } }, 'weekly.1.0.0'],
    ['closing before opening', { weekly: { 1: [['15:30', '08:00']] } }, 'weekly.1.0'],
    ['overlap', { weekly: { 2: [['08:00', '12:00'], ['11:00', '15:00']] } }, 'weekly.2'],
    ['30 February', { closedDays: [{ date: '2026-02-30', label: 'Fagdag' }] }, 'closedDays.0.date'],
    ['the same day twice', { closedDays: [{ date: '2026-12-24', label: 'Julaften' }, { date: '2026-12-24', label: '' }] }, 'closedDays.1.date'],
    ['no version', { version: undefined }, 'version'],
  ];
  for (const [name, patch, field] of rows) {
    const body = { version: 0, timeZone: 'Europe/Oslo', weekly: weekdays([['08:00', '15:30']]), publicHolidays: true, closedDays: [], ...(patch as object) };
    const r = await call('PUT', '/api/opening-hours', env.c.coordinator, body);
    assert.equal(r.status, 400, name);
    const err = r.body!.error as { code: string; fields: Record<string, string> };
    assert.equal(err.code, 'validation_failed');
    assert.ok(err.fields[field], `${name}: ${JSON.stringify(err.fields)}`);
  }
  assert.equal(await countRows(env.db, `audit_events where resource_type = 'OpeningHours'`), before);
  assert.equal((await call('GET', '/api/opening-hours', env.c.nurseA)).body!.isDefault, true);
});

test('the default: red at 10:00 on a working day tells the patient the nurse is notified', async () => {
  const fb = await measure(85);
  assert.equal(fb.zone, 'red');
  assert.equal(fb.serviceOpen, true);
  assert.match(fb.notice ?? '', /varslet/);
});

test('a coordinator saves hours with a staff day; the save is audited and versioned; a stale save is refused', async () => {
  const body = {
    version: 0,
    timeZone: 'Europe/Oslo',
    weekly: { ...weekdays([['08:00', '11:30'], ['12:00', '15:30']]), 6: [['10:00', '13:00']] },
    publicHolidays: true,
    closedDays: [
      { date: '2026-12-24', label: 'Julaften' },
      { date: '2026-06-10', label: 'Fagdag' },
    ],
  };
  const r = await call('PUT', '/api/opening-hours', env.c.coordinator, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body!.version, 1);
  assert.equal(r.body!.isDefault, false);
  assert.equal(r.body!.updatedBy, 'Koordinator');
  assert.equal(r.body!.openNow, false);
  assert.deepEqual(r.body!.closedDays, [
    { date: '2026-06-10', label: 'Fagdag' },
    { date: '2026-12-24', label: 'Julaften' },
  ]);
  const audited = await env.db.query<{ role: string; action: string; resource_id: string; details: { version: number; after: { closedDates: string[] } } }>(
    `select role, action, resource_id, details from audit_events where resource_type = 'OpeningHours'`,
  );
  assert.equal(audited.rows.length, 1);
  assert.equal(audited.rows[0]!.role, 'coordinator');
  assert.equal(audited.rows[0]!.action, 'update');
  assert.equal(audited.rows[0]!.resource_id, env.f.orgs.muniA);
  assert.deepEqual(audited.rows[0]!.details.after.closedDates, ['2026-06-10', '2026-12-24']);
  // Nurse A loaded version 0 before the coordinator saved: refused, not overwritten.
  const stale = await call('PUT', '/api/opening-hours', env.c.nurseA, { ...body, closedDays: [] });
  assert.equal(stale.status, 409);
  assert.equal(((await call('GET', '/api/opening-hours', env.c.nurseA)).body!.closedDays as unknown[]).length, 2);
  // Another municipality's hours are untouched.
  const b = await call('GET', '/api/opening-hours', env.c.nurseB);
  assert.equal(b.body!.isDefault, true);
});

test('on the staff day, red tells the patient to call legevakt 116 117 / 113 and yellow says when the service looks', async () => {
  const red = await measure(85);
  assert.equal(red.serviceOpen, false);
  assert.match(red.notice ?? '', /Ring legevakten på 116 117 nå\. Er det livstruende, ring 113\./);
  assert.match(red.notice ?? '', /åpner igjen i morgen kl\. 08:00/);
  const yellow = await measure(90);
  assert.equal(yellow.zone, 'yellow');
  assert.match(yellow.notice ?? '', /Tjenesten ser på målingen din når den åpner i morgen kl\. 08:00\./);
  assert.doesNotMatch(yellow.notice ?? '', /ringer deg|tar kontakt/);
  // The patient app's start page agrees.
  const plan = await call('GET', '/api/me/plan', env.c.patient);
  assert.equal(plan.body!.serviceOpen, false);
});

test('during the lunch closure and on a public holiday in 2031 (no table that ends) the service is closed', async () => {
  clock = new Date('2026-06-11T09:45:00Z'); // Thursday 11:45 CEST, between 11:30 and 12:00
  const lunch = await measure(85);
  assert.equal(lunch.serviceOpen, false);
  assert.match(lunch.notice ?? '', /åpner igjen i dag kl\. 12:00/);
  clock = new Date('2031-05-22T08:00:00Z'); // Kristi himmelfartsdag 2031 (Easter 13 April + 39), a Thursday
  const holiday = await measure(85);
  assert.equal(holiday.serviceOpen, false);
  assert.match(holiday.notice ?? '', /116 117/);
  clock = new Date('2031-05-23T08:00:00Z'); // the Friday after
  assert.equal((await measure(85)).serviceOpen, true);
});

test('a nurse of the service may switch public holidays off (a service that stays open)', async () => {
  const current = (await call('GET', '/api/opening-hours', env.c.nurseA)).body!;
  const r = await call('PUT', '/api/opening-hours', env.c.nurseA, {
    version: current.version, timeZone: current.timeZone, weekly: current.weekly, publicHolidays: false, closedDays: current.closedDays,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body!.upcomingHolidays, []);
  clock = new Date('2031-05-22T08:00:00Z');
  assert.equal((await measure(85)).serviceOpen, true);
});
