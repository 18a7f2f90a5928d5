import { INTL_LOCALE, type Catalogue, type Lang } from './i18n.js';

// The service is Norwegian; showing Oslo time avoids confusion on devices with a wrong zone.
const TIME_ZONE = 'Europe/Oslo';

function toDate(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatTime(iso: string, lang: Lang): string {
  // Plans may express a due time as a bare "HH:MM" rather than a timestamp.
  if (/^\d{1,2}:\d{2}$/.test(iso)) return iso;
  const d = toDate(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(INTL_LOCALE[lang], { hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE }).format(d);
}

export function formatDateTime(iso: string, lang: Lang): string {
  const d = toDate(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(INTL_LOCALE[lang], {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: TIME_ZONE,
  }).format(d);
}

/** Birth dates are calendar dates; parsing them as instants would shift them across midnight. */
export function formatDate(isoDate: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!m) return isoDate;
  const [, y, mo, d] = m;
  return lang === 'en' ? `${d}/${mo}/${y}` : `${d}.${mo}.${y}`;
}

export function relativeTime(iso: string, now: number, t: Catalogue): string {
  const d = toDate(iso);
  if (!d) return iso;
  const minutes = Math.floor((now - d.getTime()) / 60_000);
  if (minutes < 1) return t.justNow;
  if (minutes < 60) return t.minutesAgo(minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t.hoursAgo(hours);
  return t.daysAgo(Math.floor(hours / 24));
}

/**
 * A reading or a computed figure (a rate, a share, an axis tick), to at most two decimals: devices
 * report to that resolution or less, and a converted value (180 lb = 81.6466266 kg) is stored
 * unrounded for triage (domain/catalogue.ts#normaliseMeasurement) but shown rounded.
 */
export function formatNumber(value: number, lang: Lang): string {
  return new Intl.NumberFormat(INTL_LOCALE[lang], { maximumFractionDigits: 2 }).format(value);
}

/**
 * A plan's limit, exactly as the GP set it (the shortest decimal that is that number). Rounded,
 * a limit of 85,995 showed as "86" and a change from 86 to it as no change in the diff the GP approves.
 */
export function formatValue(value: number, lang: Lang): string {
  return new Intl.NumberFormat(INTL_LOCALE[lang], { maximumFractionDigits: 20 }).format(value);
}

/** Accepts both decimal comma (Norwegian keyboards) and point; returns null for anything else. */
export function parseDecimal(input: string): number | null {
  const s = input.trim().replace(/\s+/g, '').replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString();
}

/** Sort comparator for ISO timestamps, newest first; parses so mixed offsets compare correctly. */
export function byTimeDesc<T>(get: (item: T) => string | null | undefined): (a: T, b: T) => number {
  const ms = (item: T): number => {
    const v = get(item);
    const n = v ? Date.parse(v) : Number.NaN;
    return Number.isNaN(n) ? 0 : n;
  };
  return (a, b) => ms(b) - ms(a);
}

/** "mandag 30. november 2026": the local (Oslo) day of an instant, for headings. */
export function formatDay(iso: string, lang: Lang): string {
  const d = toDate(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(INTL_LOCALE[lang], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: TIME_ZONE }).format(d);
}
