import { z } from 'zod';
import { LocalTextSchema } from '../domain/text.js';
import { isValidTimeZone } from '../domain/time.js';

/*
 * Dates, instants and time zones as every route accepts them. A value that is not a real date
 * (2026-02-30), lies outside any plausible range (year 0001) or names no IANA zone is refused at
 * the edge with 400 and the field, instead of reaching SQL or Intl deep inside a shared job (the
 * missing-measurement sweep, reports) and failing there as a 500 — for everyone.
 */

/** Earliest and latest year any date in Varde can have (birth dates start after 1900; nothing is planned past 2199). */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2199;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Why a `YYYY-MM-DD` string is not an acceptable calendar date, or null when it is one.
 * @param s the date part of a date or date-time
 */
export function dateProblem(s: string): string | null {
  const m = DATE.exec(s);
  if (!m) return 'Use a date YYYY-MM-DD';
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'Not a real date';
  if (year < MIN_YEAR || year > MAX_YEAR) return `The year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  return null;
}

const isoDateTime = z.iso.datetime({ offset: true });

/**
 * Why an ISO 8601 instant with offset is not acceptable, or null when it is.
 * @param s e.g. `2026-03-01T08:30:00+01:00` or `2026-03-01T07:30:00Z`
 */
export function dateTimeProblem(s: string): string | null {
  const datePart = s.slice(0, 10);
  const d = dateProblem(datePart);
  if (d) return d === 'Use a date YYYY-MM-DD' ? 'Use a date and time with offset, e.g. 2026-03-01T08:30:00+01:00' : d;
  if (!isoDateTime.safeParse(s).success || !Number.isFinite(Date.parse(s))) return 'Use a date and time with offset, e.g. 2026-03-01T08:30:00+01:00';
  return null;
}

/** A local calendar date `YYYY-MM-DD` that exists, within MIN_YEAR–MAX_YEAR. */
export const ApiDate = z.string().superRefine((s, ctx) => {
  const problem = dateProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An instant as ISO 8601 with `Z` or an offset, on a real date within MIN_YEAR–MAX_YEAR. */
export const ApiDateTime = z.string().superRefine((s, ctx) => {
  const problem = dateTimeProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An IANA time zone the runtime knows (Europe/Oslo); checked with domain/time.ts#isValidTimeZone. */
export const ApiTimeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(isValidTimeZone, 'Unknown time zone: use an IANA name such as Europe/Oslo');

// ---- Shapes answers share ----

/** An instant the server wrote (`Date#toISOString`, always UTC `Z`). */
export const Instant = z.string().meta({ format: 'date-time' });
/** A text in nb, nn and en. */
export const LocalText = LocalTextSchema;
export const Zone = z.enum(['green', 'yellow', 'red']);
export type Zone = z.infer<typeof Zone>;
/** Path parameter `:id`. */
export const IdParams = z.object({ id: z.string() });
