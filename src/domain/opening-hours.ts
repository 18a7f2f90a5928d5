import { z } from 'zod';
import { type Lang, type LocalText, t } from './text.js';
import { addDays, formatDate, isoWeekday, minutesOf, parseDate, toLocal, zonedInstant } from './time.js';
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
  /** Opening intervals per ISO weekday as ['HH:MM', 'HH:MM'] (start inclusive, end exclusive). */
  weekly: Partial<Record<IsoWeekday, [string, string][]>>;
  /** Local dates ('YYYY-MM-DD') the service is closed all day (public holidays etc.). */
  closedDates: string[];
}

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const Interval = z.tuple([HHMM, HHMM]).refine(([a, b]) => a < b, 'opening time must be before closing time');
const DateStr = z.string().refine((s) => parseDate(s) !== null, 'must be a valid YYYY-MM-DD date');

export const OpeningHoursSchema = z.object({
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'unknown IANA time zone'),
  weekly: z.object({
    1: z.array(Interval).optional(),
    2: z.array(Interval).optional(),
    3: z.array(Interval).optional(),
    4: z.array(Interval).optional(),
    5: z.array(Interval).optional(),
    6: z.array(Interval).optional(),
    7: z.array(Interval).optional(),
  }),
  closedDates: z.array(DateStr),
});

/**
 * Easter Sunday (Gregorian) by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
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

/**
 * Norwegian public holidays (helligdager and høytidsdager under lov om 1. og 17. mai
 * og lov om helligdager og helligdagsfred): New Year's Day, Maundy Thursday, Good
 * Friday, Easter Sunday and Monday, 1 May, 17 May, Ascension Day, Whit Sunday and
 * Monday, Christmas Day and Boxing Day. Christmas Eve and New Year's Eve are not
 * public holidays; a service closed on those must add them to closedDates itself.
 * @param year e.g. 2026
 * @returns sorted, unique 'YYYY-MM-DD' dates
 */
export function norwegianPublicHolidays(year: number): string[] {
  const easter = easterSunday(year);
  const dates = [
    formatDate(year, 1, 1),
    addDays(easter, -3), // skjærtorsdag
    addDays(easter, -2), // langfredag
    easter, // første påskedag
    addDays(easter, 1), // andre påskedag
    formatDate(year, 5, 1),
    formatDate(year, 5, 17),
    addDays(easter, 39), // Kristi himmelfartsdag
    addDays(easter, 49), // første pinsedag
    addDays(easter, 50), // andre pinsedag
    formatDate(year, 12, 25),
    formatDate(year, 12, 26),
  ];
  return [...new Set(dates)].sort();
}

/** Mon–Fri 08:00–15:30 in Europe/Oslo, closed on Norwegian public holidays 2026–2027 (a typical municipal day service). */
export const DEFAULT_OPENING_HOURS: OpeningHours = {
  timeZone: 'Europe/Oslo',
  weekly: {
    1: [['08:00', '15:30']],
    2: [['08:00', '15:30']],
    3: [['08:00', '15:30']],
    4: [['08:00', '15:30']],
    5: [['08:00', '15:30']],
  },
  closedDates: [...norwegianPublicHolidays(2026), ...norwegianPublicHolidays(2027)],
};

function intervalsOn(h: OpeningHours, date: string): [string, string][] {
  if (h.closedDates.includes(date)) return [];
  return [...(h.weekly[isoWeekday(date)] ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
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
  nb: 'Følg rådet i planen din. Blir du verre, ring legevakten på 116 117, eller 113 hvis det er livstruende.',
  nn: 'Følg rådet i planen din. Blir du verre, ring legevakta på 116 117, eller 113 om det er livstrugande.',
  en: 'Follow the advice in your plan. If you get worse, call the out-of-hours service (legevakt) on 116 117, or 113 if it is life-threatening.',
};
const OPEN_RED: LocalText = {
  nb: 'Sykepleieren i oppfølgingstjenesten er varslet og tar kontakt med deg. Gjør dette nå: {action} Er det livstruende, ring 113.',
  nn: 'Sjukepleiaren i oppfølgingstenesta er varsla og tek kontakt med deg. Gjer dette no: {action} Er det livstrugande, ring 113.',
  en: 'The nurse at the follow-up service has been notified and will contact you. Do this now: {action} If it is life-threatening, call 113.',
};
const OPEN_YELLOW: LocalText = {
  nb: 'Sykepleieren ser på målingen din i løpet av åpningstiden i dag.',
  nn: 'Sjukepleiaren ser på målinga di i løpet av opningstida i dag.',
  en: 'A nurse will look at your measurement during opening hours today.',
};

/**
 * What the patient app shows after a report: the plan's action for the zone, and a
 * notice that depends on whether the service is staffed right now. When closed it
 * says nobody is watching, when the service opens next, and for red points to
 * legevakt 116 117 / 113; when open and red it says the nurse has been notified and
 * repeats the plan action.
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
  let notice: string | null;
  if (serviceOpen) {
    notice = zone === 'red' ? t(OPEN_RED, lang).replace('{action}', ensureStop(action)) : zone === 'yellow' ? t(OPEN_YELLOW, lang) : null;
  } else {
    const next = nextOpening(hours, now);
    const closed = next === null ? t(CLOSED_UNKNOWN, lang) : t(CLOSED, lang).replace('{when}', describeOpening(next, now, hours.timeZone, lang));
    const extra = zone === 'red' ? t(CLOSED_RED, lang) : zone === 'yellow' ? t(CLOSED_YELLOW, lang) : null;
    notice = extra === null ? closed : `${closed} ${extra}`;
  }
  return { zone, action, serviceOpen, notice };
}

function ensureStop(s: string): string {
  const trimmed = s.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
