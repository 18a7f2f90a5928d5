/*
 * Wall-clock ↔ instant conversion for an IANA time zone using only Intl, so the
 * engine needs no tz library and stays correct over DST switches (Europe/Oslo
 * jumps 02:00→03:00 on the last Sunday of March and 03:00→02:00 on the last Sunday
 * of October). Dates are plain 'YYYY-MM-DD' strings; instants are Date objects.
 */

/** A wall-clock reading in some time zone. */
export interface LocalDateTime {
  /** 'YYYY-MM-DD' */
  date: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: 1 | 2 | 3 | 4 | 5 | 6 | 7;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // hourCycle h23: some ICU versions print midnight as "24" with hour12:false.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Whether Intl knows the time zone.
 * @param timeZone IANA name such as 'Europe/Oslo'
 */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Formats year, month, day as 'YYYY-MM-DD'. */
export function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/**
 * Parses 'YYYY-MM-DD' into numbers, rejecting impossible dates (e.g. 2026-02-29).
 * @param date the date string
 * @returns the parts, or null
 */
export function parseDate(date: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

function mustParseDate(date: string): { year: number; month: number; day: number } {
  const p = parseDate(date);
  if (p === null) throw new RangeError(`Invalid date "${date}", expected YYYY-MM-DD`);
  return p;
}

/** Adds whole calendar days to a 'YYYY-MM-DD' date (no time zone involved). */
export function addDays(date: string, days: number): string {
  const { year, month, day } = mustParseDate(date);
  const d = new Date(Date.UTC(year, month - 1, day) + days * DAY_MS);
  return formatDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a 'YYYY-MM-DD' date. */
export function isoWeekday(date: string): 1 | 2 | 3 | 4 | 5 | 6 | 7 {
  const { year, month, day } = mustParseDate(date);
  const js = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return (js === 0 ? 7 : js) as 1 | 2 | 3 | 4 | 5 | 6 | 7;
}

/**
 * The wall-clock reading of an instant in a time zone.
 * @param at the instant
 * @param timeZone IANA name; throws RangeError if unknown
 */
export function toLocal(at: Date, timeZone: string): LocalDateTime {
  const ms = at.getTime();
  // Intl writes years before 1000 and after 9999 its own way (and NaN throws): those go to it, as before.
  const offset = ms >= FAST_FROM && ms < FAST_UNTIL ? offsetThroughHour(Math.floor(ms / HOUR_MS) * HOUR_MS, timeZone) : Number.NaN;
  if (Number.isNaN(offset)) return intlLocal(at, timeZone);
  // The wall clock read as if it were UTC: Intl, too, drops the milliseconds.
  const w = new Date(Math.floor(ms / 1000) * 1000 + offset);
  const year = w.getUTCFullYear();
  const month = w.getUTCMonth() + 1;
  const day = w.getUTCDate();
  const js = w.getUTCDay();
  return {
    date: formatDate(year, month, day), year, month, day, hour: w.getUTCHours(), minute: w.getUTCMinutes(), second: w.getUTCSeconds(),
    weekday: (js === 0 ? 7 : js) as LocalDateTime['weekday'],
  };
}

/** toLocal by Intl alone: one formatting call (microseconds each). */
function intlLocal(at: Date, timeZone: string): LocalDateTime {
  const parts = formatter(timeZone).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const p = parts.find((x) => x.type === type);
    return p === undefined ? 0 : Number(p.value);
  };
  const year = get('year');
  const month = get('month');
  const day = get('day');
  const date = formatDate(year, month, day);
  return { date, year, month, day, hour: get('hour'), minute: get('minute'), second: get('second'), weekday: isoWeekday(date) };
}

const HOUR_MS = 3_600_000;
/** Instants toLocal reads through hour offsets: a day inside years 1000–9999 (offsets are under a day). */
const FAST_FROM = Date.UTC(1000, 0, 2);
const FAST_UNTIL = Date.UTC(9999, 11, 30);
/*
 * Why toLocal asks Intl about hours, not instants: each Intl formatting call costs ~14 µs on a
 * slow 2-core VM, and triage converts every reading and history point it looks at (a different
 * instant each, so an answer kept per instant was rarely asked for again: 22 µs of a single
 * reading's 0.8 ms of server CPU in round 25's profile). A zone's offset changes only at its
 * transitions, which tzdb puts on whole seconds, so an offset read by Intl at both ends of a UTC
 * hour holds for the whole hour unless two transitions in that hour cancel out (none in tzdb).
 * An hour with a change of offset keeps NaN and its instants go to Intl one by one.
 */
const hourOffsets = new Map<string, Map<number, number>>();
let hourOffsetsKept = 0;
function offsetThroughHour(hourMs: number, timeZone: string): number {
  let byHour = hourOffsets.get(timeZone);
  const kept = byHour?.get(hourMs);
  if (kept !== undefined) return kept;
  const start = intlOffset(hourMs, timeZone);
  const end = intlOffset(hourMs + HOUR_MS - 1000, timeZone);
  const offset = start === end ? start : Number.NaN;
  if (hourOffsetsKept >= MEMO_MAX) {
    hourOffsets.clear();
    hourOffsetsKept = 0;
    byHour = undefined;
  }
  if (byHour === undefined) {
    byHour = new Map();
    hourOffsets.set(timeZone, byHour);
  }
  byHour.set(hourMs, offset);
  hourOffsetsKept++;
  return offset;
}

/** The offset (ms, east positive) Intl gives at a whole-second instant (not offsetAt, which asks toLocal, which asks this). */
function intlOffset(secondMs: number, timeZone: string): number {
  const l = intlLocal(new Date(secondMs), timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - secondMs;
}

/*
 * zonedInstant is a pure function of its arguments and makes up to six conversions: triage asks
 * the same questions many times per reading (each trend rule's window start, "today" per rule),
 * so its answers are kept, keyed by every argument, and handed out as copies, so no caller can
 * change a kept answer. Bounded: a full memo is dropped and refilled (so is the hour offsets').
 */
const MEMO_MAX = 4096;
const instantMemo = new Map<string, number>();
function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, value);
}

/** UTC offset (ms, east positive) in force at an instant. */
export function offsetAt(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  const l = toLocal(new Date(whole), timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - whole;
}

/**
 * The instant at which a wall clock in `timeZone` shows `date` `time`.
 * Follows the usual ("compatible") convention at DST switches: a time skipped in
 * spring (02:30 in Oslo) maps to the instant one hour later on the new clock
 * (03:30), and a time that happens twice in autumn maps to the first occurrence.
 * @param date 'YYYY-MM-DD'
 * @param time 'HH:MM'
 * @param timeZone IANA name; throws RangeError if unknown
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const key = `${date} ${time} ${timeZone}`;
  const hit = instantMemo.get(key);
  if (hit !== undefined) return new Date(hit);
  const at = computeZonedInstant(date, time, timeZone);
  remember(instantMemo, key, at.getTime());
  return at;
}

function computeZonedInstant(date: string, time: string, timeZone: string): Date {
  const { year, month, day } = mustParseDate(date);
  const tm = /^(\d{2}):(\d{2})$/.exec(time);
  if (tm === null) throw new RangeError(`Invalid time "${time}", expected HH:MM`);
  const wall = Date.UTC(year, month - 1, day, Number(tm[1]), Number(tm[2]));
  // Offsets are at most ±14 h, so a day either side brackets any transition near this wall time.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [...new Set([before, offsetAt(wall, timeZone), after])]
    .map((o) => wall - o)
    .filter((instant) => wall - offsetAt(instant, timeZone) === instant)
    .sort((a, b) => a - b);
  const first = candidates[0];
  // No candidate means the wall time falls in a spring-forward gap: read it on the old offset.
  return new Date(first ?? wall - before);
}

/** Minutes since local midnight for 'HH:MM'. */
export function minutesOf(time: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  if (m === null) throw new RangeError(`Invalid time "${time}", expected HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}
