import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { toLocal, zonedInstant } from './time.js';

/*
 * zonedInstant keeps its answers and toLocal the offset of each hour (time.ts): a kept answer must be the answer, every
 * time, and no caller may change it for the next one.
 */

const ZONES = ['Europe/Oslo', 'UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'];

/** An independent reading of the wall clock, by a formatter of its own. */
function reference(at: Date, timeZone: string) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second) };
}

describe('time conversions with kept answers', () => {
  test('toLocal answers as an independent formatter, asked once or many times (fast-check, DST switches included)', () => {
    // Instants around 2020–2030, with many near Oslo's switches (last Sundays of March and October, 01:00 UTC).
    const near = fc.tuple(fc.integer({ min: 2020, max: 2030 }), fc.constantFrom(2, 9), fc.integer({ min: 24, max: 31 }), fc.integer({ min: -7_200, max: 7_200 }))
      .map(([y, m, d, s]) => new Date(Date.UTC(y, m, d, 1) + s * 1000));
    const any = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2031, 0, 1) }).map((ms) => new Date(ms));
    fc.assert(fc.property(fc.oneof(near, any), fc.constantFrom(...ZONES), (at, zone) => {
      const want = reference(at, zone);
      for (let i = 0; i < 3; i++) {
        const l = toLocal(at, zone);
        assert.deepEqual({ date: l.date, hour: l.hour, minute: l.minute, second: l.second }, want);
      }
    }), { numRuns: 2000 });
  });

  test('toLocal reads every field as Intl does, in zones with odd offsets and in historic times (fast-check)', () => {
    // Offsets of quarter hours (Kathmandu, Chatham), half-hour DST (Lord Howe), negative DST (Dublin,
    // Casablanca), a skipped day (Apia, 2011), two-hour DST (Troll), local mean time with seconds
    // before 1895 (Oslo +00:43:00, Amsterdam +00:19:32 until 1937); 1850–2100.
    const zones = [...ZONES, 'Asia/Kathmandu', 'America/St_Johns', 'Europe/Dublin', 'Africa/Casablanca', 'Pacific/Apia', 'Antarctica/Troll', 'Europe/Amsterdam', 'America/Sao_Paulo'];
    const formats = new Map(zones.map((z) => [z, new Intl.DateTimeFormat('en-US', { timeZone: z, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })]));
    const full = (at: Date, timeZone: string) => {
      const p = Object.fromEntries(formats.get(timeZone)!.formatToParts(at).map((x) => [x.type, x.value]));
      return { date: `${p.year}-${p.month}-${p.day}`, year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second),
        weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday!) + 1 };
    };
    const offset = (ms: number, zone: string) => {
      const l = full(new Date(ms), zone);
      return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(ms / 1000) * 1000;
    };
    const any = fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(2100, 0, 1) }).map((ms) => new Date(ms));
    // Whole and half hours of UTC ± a few seconds and milliseconds: where transitions fall.
    const edges = fc.tuple(fc.integer({ min: Date.UTC(1890, 0, 1) / 1_800_000, max: Date.UTC(2040, 0, 1) / 1_800_000 }), fc.integer({ min: -3_000, max: 3_000 }))
      .map(([h, d]) => new Date(h * 1_800_000 + d));
    fc.assert(fc.property(fc.oneof(any, edges), fc.constantFrom(...zones), (at, zone) => {
      assert.deepEqual(toLocal(at, zone), full(at, zone));
    }), { numRuns: 4000 });
    // Each zone's transitions in 2011 (Apia's lost 30 December among them), minute by minute around each.
    for (const zone of zones) {
      for (let ms = Date.UTC(2011, 0, 1); ms < Date.UTC(2012, 0, 1); ms += 3_600_000) {
        if (offset(ms, zone) === offset(ms + 3_600_000, zone)) continue;
        for (let m = ms - 3_600_000; m <= ms + 7_200_000; m += 60_000) assert.deepEqual(toLocal(new Date(m), zone), full(new Date(m), zone), `${zone} ${new Date(m).toISOString()}`);
      }
    }
  });

  test('zonedInstant keeps the DST conventions when asked again (skipped time moves forward, doubled time takes the first)', () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(zonedInstant('2026-03-29', '02:30', 'Europe/Oslo').toISOString(), '2026-03-29T01:30:00.000Z');
      assert.equal(zonedInstant('2026-10-25', '02:30', 'Europe/Oslo').toISOString(), '2026-10-25T00:30:00.000Z');
      assert.equal(zonedInstant('2026-10-25', '02:30', 'America/New_York').toISOString(), '2026-10-25T06:30:00.000Z');
      assert.equal(zonedInstant('2026-07-01', '00:00', 'UTC').toISOString(), '2026-07-01T00:00:00.000Z');
    }
  });

  test('zonedInstant round-trips through toLocal for any local minute, also on repeated asking (fast-check)', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2031, 0, 1) }), fc.constantFrom(...ZONES), (ms, zone) => {
      const l = toLocal(new Date(ms), zone);
      const time = `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
      const a = zonedInstant(l.date, time, zone);
      const b = zonedInstant(l.date, time, zone);
      assert.equal(a.getTime(), b.getTime());
      const back = toLocal(a, zone);
      assert.equal(back.date, l.date);
      assert.equal(back.hour * 60 + back.minute, l.hour * 60 + l.minute);
    }), { numRuns: 1000 });
  });

  test('a caller changing an answer does not change the next answer', () => {
    const at = new Date('2026-06-15T10:20:30Z');
    const l = toLocal(at, 'Europe/Oslo');
    l.hour = 99;
    l.date = '1900-01-01';
    assert.equal(toLocal(at, 'Europe/Oslo').hour, 12);
    assert.equal(toLocal(at, 'Europe/Oslo').date, '2026-06-15');
    const d = zonedInstant('2026-06-15', '08:00', 'Europe/Oslo');
    d.setTime(0);
    assert.equal(zonedInstant('2026-06-15', '08:00', 'Europe/Oslo').toISOString(), '2026-06-15T06:00:00.000Z');
  });

  test('bad input still throws every time (nothing is kept for it)', () => {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => zonedInstant('2026-02-30', '08:00', 'Europe/Oslo'), RangeError);
      assert.throws(() => zonedInstant('2026-02-10', '8:00', 'Europe/Oslo'), RangeError);
      assert.throws(() => toLocal(new Date(NaN), 'Europe/Oslo'), RangeError);
      assert.throws(() => toLocal(new Date(0), 'Mars/Olympus_Mons'), RangeError);
    }
  });
});
