import { z } from 'zod';
import { type Lang, type LocalText, t } from './text.js';
import { addDays, formatDate, isValidTimeZone, isoWeekday, minutesOf, parseDate, toLocal, zonedInstant } from './time.js';
import type { Zone } from './triage.js';

/*
 * The follow-up service (oppfølgingstjeneste) is a daytime service, not an acute
 * one. Whenever it is closed the patient must be told that nobody is looking at
 * their measurements and where to turn instead (legevakt 116 117, emergency 113).
 */

export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface OpeningHours {
  /** IANA time zone the hours are given in. */
  timeZone: string;
  /** Opening intervals per ISO weekday as ['HH:MM', 'HH:MM'] (start inclusive, end exclusive; '24:00' = midnight). */
  weekly: Partial<Record<IsoWeekday, [string, string][]>>;
  /**
   * Extra local dates ('YYYY-MM-DD') the service is closed all day: julaften, romjul, a staff
   * day. Public holidays need not be listed; they are computed for every year.
   */
  closedDates: string[];
  /**
   * Closed on Norwegian public holidays (computed for any year). Absent means true: the safe
   * reading for a municipal day service, and what hours stored before this field existed meant.
   */
  publicHolidays?: boolean;
}

const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
const HHMM = z.string().regex(HHMM_RE, 'must be HH:MM');
// A service open until midnight closes at 24:00, which is not a valid HH:MM start.
const END = z.string().refine((s) => HHMM_RE.test(s) || s === '24:00', 'must be HH:MM (or 24:00)');
// zod runs refinements even after a format issue, so these must not throw on '8:00'.
const safeMinutes = (s: string): number => (/^\d\d:\d\d$/.test(s) ? minutesOf(s) : Number.NaN);
const Interval = z.tuple([HHMM, END]).refine(([a, b]) => !(safeMinutes(a) >= safeMinutes(b)), 'opening time must be before closing time');
const DayIntervals = z
  .array(Interval)
  .max(12)
  .refine((list) => {
    const sorted = [...list].sort((a, b) => safeMinutes(a[0]) - safeMinutes(b[0]));
    return sorted.every((iv, i) => i === 0 || !(safeMinutes(iv[0]) < safeMinutes(sorted[i - 1]?.[1] ?? '00:00')));
  }, 'opening intervals on one day must not overlap');
/** 'YYYY-MM-DD' that is a real calendar date (2026-02-29 is refused). */
export const LocalDateSchema = z.string().refine((s) => parseDate(s) !== null, 'must be a valid YYYY-MM-DD date');

export const OpeningHoursSchema = z.object({
  timeZone: z.string().refine(isValidTimeZone, 'unknown IANA time zone'),
  weekly: z.object({
    1: DayIntervals.optional(),
    2: DayIntervals.optional(),
    3: DayIntervals.optional(),
    4: DayIntervals.optional(),
    5: DayIntervals.optional(),
    6: DayIntervals.optional(),
    7: DayIntervals.optional(),
  }),
  closedDates: z.array(LocalDateSchema).max(1000),
  publicHolidays: z.boolean().optional(),
});

/**
 * Easter Sunday (Gregorian) by the anonymous Gregorian algorithm (Meeus/Jones/Butcher,
 * J. Meeus, Astronomical Algorithms, 2nd ed., ch. 8). Valid for every Gregorian year.
 * @param year e.g. 2026
 * @returns 'YYYY-MM-DD'
 */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatDate(year, month, day);
}

/** A public holiday and its name. */
export interface PublicHoliday {
  date: string;
  name: LocalText;
}

/**
 * Norwegian public holidays with their names: the helligdager of lov om helligdager og
 * helligdagsfred § 1 (Sundays aside) and the høgtidsdager of lov om 1. og 17. mai som
 * høgtidsdager. Christmas Eve and New Year's Eve are not public holidays; a service closed on
 * those adds them to closedDates itself. In sorted order; a date that is two holidays at once
 * (Whit Monday on 17 May in 2027) is listed once, under both names.
 * @param year any Gregorian year
 */
export function norwegianPublicHolidaysNamed(year: number): PublicHoliday[] {
  const easter = easterSunday(year);
  const list: PublicHoliday[] = [
    { date: formatDate(year, 1, 1), name: { nb: 'Første nyttårsdag', nn: 'Første nyttårsdag', en: "New Year's Day" } },
    { date: addDays(easter, -3), name: { nb: 'Skjærtorsdag', nn: 'Skjærtorsdag', en: 'Maundy Thursday' } },
    { date: addDays(easter, -2), name: { nb: 'Langfredag', nn: 'Langfredag', en: 'Good Friday' } },
    { date: easter, name: { nb: 'Første påskedag', nn: 'Første påskedag', en: 'Easter Sunday' } },
    { date: addDays(easter, 1), name: { nb: 'Andre påskedag', nn: 'Andre påskedag', en: 'Easter Monday' } },
    { date: formatDate(year, 5, 1), name: { nb: 'Første mai', nn: 'Første mai', en: 'May Day' } },
    { date: formatDate(year, 5, 17), name: { nb: 'Grunnlovsdag', nn: 'Grunnlovsdag', en: 'Constitution Day' } },
    { date: addDays(easter, 39), name: { nb: 'Kristi himmelfartsdag', nn: 'Kristi himmelfartsdag', en: 'Ascension Day' } },
    { date: addDays(easter, 49), name: { nb: 'Første pinsedag', nn: 'Første pinsedag', en: 'Whit Sunday' } },
    { date: addDays(easter, 50), name: { nb: 'Andre pinsedag', nn: 'Andre pinsedag', en: 'Whit Monday' } },
    { date: formatDate(year, 12, 25), name: { nb: 'Første juledag', nn: 'Første juledag', en: 'Christmas Day' } },
    { date: formatDate(year, 12, 26), name: { nb: 'Andre juledag', nn: 'Andre juledag', en: 'Boxing Day' } },
  ];
  const byDate = new Map<string, PublicHoliday>();
  for (const h of list) {
    const seen = byDate.get(h.date);
    byDate.set(
      h.date,
      seen ? { date: h.date, name: { nb: `${seen.name.nb} og ${h.name.nb.toLowerCase()}`, nn: `${seen.name.nn} og ${h.name.nn.toLowerCase()}`, en: `${seen.name.en} and ${h.name.en}` } } : h,
    );
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * Norwegian public holidays of a year (see norwegianPublicHolidaysNamed).
 * @param year any Gregorian year
 * @returns sorted, unique 'YYYY-MM-DD' dates
 */
export function norwegianPublicHolidays(year: number): string[] {
  return norwegianPublicHolidaysNamed(year).map((h) => h.date);
}

// isOpen runs for every reading and nextOpening probes up to a year of days: compute each year once.
const holidaySets = new Map<number, ReadonlySet<string>>();

/**
 * Whether a local date is a Norwegian public holiday.
 * @param date 'YYYY-MM-DD'
 */
export function isNorwegianPublicHoliday(date: string): boolean {
  const year = Number(date.slice(0, 4));
  let set = holidaySets.get(year);
  if (set === undefined) {
    set = new Set(norwegianPublicHolidays(year));
    holidaySets.set(year, set);
  }
  return set.has(date);
}

/** Whether the service is closed all day on a local date (an extra closed day or, unless switched off, a public holiday). */
export function isClosedDay(h: OpeningHours, date: string): boolean {
  return h.closedDates.includes(date) || (h.publicHolidays !== false && isNorwegianPublicHoliday(date));
}

/**
 * Mon–Fri 08:00–15:30 in Europe/Oslo, closed on Norwegian public holidays of every year (a
 * typical municipal day service). Used until a service has edited its own hours.
 */
export const DEFAULT_OPENING_HOURS: OpeningHours = {
  timeZone: 'Europe/Oslo',
  weekly: {
    1: [['08:00', '15:30']],
    2: [['08:00', '15:30']],
    3: [['08:00', '15:30']],
    4: [['08:00', '15:30']],
    5: [['08:00', '15:30']],
  },
  closedDates: [],
  publicHolidays: true,
};

function intervalsOn(h: OpeningHours, date: string): [string, string][] {
  if (isClosedDay(h, date)) return [];
  return [...(h.weekly[isoWeekday(date)] ?? [])].sort((a, b) => minutesOf(a[0]) - minutesOf(b[0]));
}

/**
 * Whether the service is staffed at an instant.
 * @param h opening hours
 * @param at the instant
 */
export function isOpen(h: OpeningHours, at: Date): boolean {
  const l = toLocal(at, h.timeZone);
  const minute = l.hour * 60 + l.minute + l.second / 60;
  return intervalsOn(h, l.date).some(([from, to]) => minute >= minutesOf(from) && minute < minutesOf(to));
}

/** The instant a local interval boundary falls on ('24:00' is the next day's midnight). */
function boundary(date: string, time: string, timeZone: string): Date {
  return time === '24:00' ? zonedInstant(addDays(date, 1), '00:00', timeZone) : zonedInstant(date, time, timeZone);
}

/**
 * When the service closes, if it is open at `at`: the end of the current opening interval,
 * followed through intervals that run straight on (23:00–24:00 then 00:00–07:00).
 * @returns the closing instant, or null if the service is closed at `at` or never closes within two weeks
 */
export function closesAt(h: OpeningHours, at: Date): Date | null {
  if (!isOpen(h, at)) return null;
  let t = at;
  // A service open around the clock has no closing time within reach; stop after two weeks of intervals.
  for (let i = 0; i < 14 * 12; i++) {
    const l = toLocal(t, h.timeZone);
    const minute = l.hour * 60 + l.minute + l.second / 60;
    const current = intervalsOn(h, l.date).find(([from, to]) => minute >= minutesOf(from) && minute < minutesOf(to));
    if (!current) return t;
    const end = boundary(l.date, current[1], h.timeZone);
    if (!isOpen(h, end)) return end;
    t = end;
  }
  return null;
}

// A year and a bit: enough to get past any run of closed dates an office would configure.
const NEXT_OPENING_LOOKAHEAD_DAYS = 400;

/**
 * When the service is next open: `at` itself if it is open now, otherwise the start
 * of the next opening interval.
 * @param h opening hours
 * @param at the instant to search from
 * @returns the instant, or null if there is no opening in the next ~13 months
 */
export function nextOpening(h: OpeningHours, at: Date): Date | null {
  if (isOpen(h, at)) return at;
  const today = toLocal(at, h.timeZone).date;
  for (let d = 0; d <= NEXT_OPENING_LOOKAHEAD_DAYS; d++) {
    const date = addDays(today, d);
    for (const [from] of intervalsOn(h, date)) {
      const start = zonedInstant(date, from, h.timeZone);
      if (start.getTime() > at.getTime()) return start;
    }
  }
  return null;
}

const WEEKDAYS: Record<Lang, readonly string[]> = {
  nb: ['mandag', 'tirsdag', 'onsdag', 'torsdag', 'fredag', 'lørdag', 'søndag'],
  nn: ['måndag', 'tysdag', 'onsdag', 'torsdag', 'fredag', 'laurdag', 'sundag'],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
};
const MONTHS: Record<Lang, readonly string[]> = {
  nb: ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'desember'],
  nn: ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'desember'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};

/**
 * "i dag kl. 08:00", "i morgon kl. 08:00", "on Tuesday 7 April at 08:00" — relative to `now`
 * in the service's time zone. Hand-written so texts don't depend on the ICU build.
 */
export function describeOpening(opening: Date, now: Date, timeZone: string, lang: Lang): string {
  const o = toLocal(opening, timeZone);
  const today = toLocal(now, timeZone).date;
  const hm = `${String(o.hour).padStart(2, '0')}:${String(o.minute).padStart(2, '0')}`;
  const at = lang === 'en' ? `at ${hm}` : `kl. ${hm}`;
  if (o.date === today) return `${{ nb: 'i dag', nn: 'i dag', en: 'today' }[lang]} ${at}`;
  if (o.date === addDays(today, 1)) return `${{ nb: 'i morgen', nn: 'i morgon', en: 'tomorrow' }[lang]} ${at}`;
  const weekday = WEEKDAYS[lang][o.weekday - 1] ?? '';
  const month = MONTHS[lang][o.month - 1] ?? '';
  return lang === 'en' ? `on ${weekday} ${o.day} ${month} ${at}` : `${weekday} ${o.day}. ${month} ${at}`;
}

const CLOSED: LocalText = {
  nb: 'Oppfølgingstjenesten er stengt nå, og ingen ser på målingene dine før tjenesten åpner igjen {when}.',
  nn: 'Oppfølgingstenesta er stengd no, og ingen ser på målingane dine før tenesta opnar igjen {when}.',
  en: 'The follow-up service is closed now, and nobody will look at your measurements until it opens again {when}.',
};
const CLOSED_UNKNOWN: LocalText = {
  nb: 'Oppfølgingstjenesten er stengt nå, og ingen ser på målingene dine.',
  nn: 'Oppfølgingstenesta er stengd no, og ingen ser på målingane dine.',
  en: 'The follow-up service is closed now, and nobody is looking at your measurements.',
};
const CLOSED_RED: LocalText = {
  nb: 'Målingen din er i rødt område. Ring legevakten på 116 117 nå. Er det livstruende, ring 113.',
  nn: 'Målinga di er i raudt område. Ring legevakta på 116 117 no. Er det livstrugande, ring 113.',
  en: 'Your measurement is in the red zone. Call the out-of-hours service (legevakt) on 116 117 now. If it is life-threatening, call 113.',
};
const CLOSED_YELLOW: LocalText = {
  nb: 'Tjenesten ser på målingen din når den åpner {when}. Følg rådet i planen din. Blir du verre, ring legevakten på 116 117, eller 113 hvis det er livstruende.',
  nn: 'Tenesta ser på målinga di når ho opnar {when}. Følg rådet i planen din. Blir du verre, ring legevakta på 116 117, eller 113 om det er livstrugande.',
  en: 'The service will look at your measurement when it opens {when}. Follow the advice in your plan. If you get worse, call the out-of-hours service (legevakt) on 116 117, or 113 if it is life-threatening.',
};
const CLOSED_YELLOW_UNKNOWN: LocalText = {
  nb: 'Følg rådet i planen din. Blir du verre, ring legevakten på 116 117, eller 113 hvis det er livstruende.',
  nn: 'Følg rådet i planen din. Blir du verre, ring legevakta på 116 117, eller 113 om det er livstrugande.',
  en: 'Follow the advice in your plan. If you get worse, call the out-of-hours service (legevakt) on 116 117, or 113 if it is life-threatening.',
};
const CLOSED_SHORT: LocalText = {
  nb: 'Oppfølgingstjenesten er stengt nå.',
  nn: 'Oppfølgingstenesta er stengd no.',
  en: 'The follow-up service is closed now.',
};
const OPEN_RED: LocalText = {
  nb: 'Sykepleieren i oppfølgingstjenesten er varslet og tar kontakt med deg. Gjør dette nå: {action} Er det livstruende, ring 113.',
  nn: 'Sjukepleiaren i oppfølgingstenesta er varsla og tek kontakt med deg. Gjer dette no: {action} Er det livstrugande, ring 113.',
  en: 'The nurse at the follow-up service has been notified and will contact you. Do this now: {action} If it is life-threatening, call 113.',
};
// Open now is no promise that anyone looks before closing time (a reading at 15:25), so the
// patient is told both when the service closes and when it opens next.
const OPEN_YELLOW: LocalText = {
  nb: 'Oppfølgingstjenesten ser på målingen din i åpningstiden: {until}, ellers når den åpner igjen {next}. Blir du verre, ring legevakten på 116 117, eller 113 hvis det er livstruende.',
  nn: 'Oppfølgingstenesta ser på målinga di i opningstida: {until}, elles når ho opnar igjen {next}. Blir du verre, ring legevakta på 116 117, eller 113 om det er livstrugande.',
  en: 'The follow-up service will look at your measurement during opening hours: {until}, or otherwise when it opens again {next}. If you get worse, call the out-of-hours service (legevakt) on 116 117, or 113 if it is life-threatening.',
};
const OPEN_YELLOW_NO_CLOSE: LocalText = {
  nb: 'Oppfølgingstjenesten ser på målingen din. Blir du verre, ring legevakten på 116 117, eller 113 hvis det er livstruende.',
  nn: 'Oppfølgingstenesta ser på målinga di. Blir du verre, ring legevakta på 116 117, eller 113 om det er livstrugande.',
  en: 'The follow-up service will look at your measurement. If you get worse, call the out-of-hours service (legevakt) on 116 117, or 113 if it is life-threatening.',
};

/** "i dag til kl. 15:30", "today until 15:30" — the closing instant relative to `now`. */
function describeUntil(close: Date, now: Date, timeZone: string, lang: Lang): string {
  const opening = describeOpening(close, now, timeZone, lang);
  // describeOpening reads "i dag kl. 15:30" / "today at 15:30"; "until" fits better before a closing time.
  return lang === 'en' ? opening.replace(/ at (\d\d:\d\d)$/, ' until $1') : opening.replace(/ kl\. (\d\d:\d\d)$/, ' til kl. $1');
}

/**
 * What the patient app shows after a report: the plan's action for the zone, and a notice that
 * depends on whether the service is staffed right now, using the service's own opening hours,
 * extra closed days and the public holidays of the year.
 * - red while closed: nobody is watching, when the service opens, and always: call legevakt
 *   116 117 now, 113 if life-threatening;
 * - yellow while closed: the service looks at it when it opens (named), plus where to call if
 *   worse — never a promise of a call nobody will make;
 * - red while open: the nurse has been notified, and the plan action;
 * - yellow while open: looked at during opening hours (until when, else when it opens next).
 * @param input zone and the plan's action text for it, opening hours, current time, language
 */
export function patientFeedback(input: { zone: Zone; actions: LocalText; hours: OpeningHours; now: Date; lang: Lang }): {
  zone: Zone;
  action: string;
  serviceOpen: boolean;
  notice: string | null;
} {
  const { zone, hours, now, lang } = input;
  const action = t(input.actions, lang);
  const serviceOpen = isOpen(hours, now);
  let notice: string | null = null;
  if (serviceOpen) {
    if (zone === 'red') notice = t(OPEN_RED, lang).replace('{action}', ensureStop(action));
    else if (zone === 'yellow') {
      const close = closesAt(hours, now);
      const next = close === null ? null : nextOpening(hours, close);
      notice =
        close === null || next === null
          ? t(OPEN_YELLOW_NO_CLOSE, lang)
          : t(OPEN_YELLOW, lang)
              .replace('{until}', describeUntil(close, now, hours.timeZone, lang))
              .replace('{next}', describeOpening(next, now, hours.timeZone, lang));
    }
  } else {
    const next = nextOpening(hours, now);
    const when = next === null ? null : describeOpening(next, now, hours.timeZone, lang);
    if (zone === 'yellow') {
      notice = when === null ? `${t(CLOSED_UNKNOWN, lang)} ${t(CLOSED_YELLOW_UNKNOWN, lang)}` : `${t(CLOSED_SHORT, lang)} ${t(CLOSED_YELLOW, lang).replace('{when}', when)}`;
    } else {
      const closed = when === null ? t(CLOSED_UNKNOWN, lang) : t(CLOSED, lang).replace('{when}', when);
      notice = zone === 'red' ? `${closed} ${t(CLOSED_RED, lang)}` : closed;
    }
  }
  return { zone, action, serviceOpen, notice };
}

function ensureStop(s: string): string {
  const trimmed = s.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
