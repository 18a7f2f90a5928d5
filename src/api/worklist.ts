import { z } from 'zod';
import { Instant } from './common.js';
import { route } from './route.js';
import { Lang } from './session.js';

/** Page sizes the worklist serves: 50 by default (about two laptop screens at 48 px a row). */
export const WORKLIST_PAGE_SIZE = 50;
export const WORKLIST_MAX_PAGE_SIZE = 200;

export const WorklistStatus = z.enum(['red', 'yellow', 'missing', 'green']);
export type WorklistStatus = z.infer<typeof WorklistStatus>;

const Flag = z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true');

/** Filters of `GET /api/worklist`; they combine (AND). */
export const WorklistQuery = z.object({
  status: WorklistStatus.optional(),
  /** Part of the name, or the start of the fødselsnummer (digits). */
  q: z.string().trim().min(1).max(100).optional(),
  /** Only "my patients": episodes this person wrote a note on or handled an alert of. */
  mine: Flag.optional(),
  /** Only patients with messages nobody has handled yet (the "Meldinger" chip). */
  messages: Flag.optional(),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(WORKLIST_MAX_PAGE_SIZE).optional(),
  /**
   * The reader's language: alert summaries and the row's reason come in it only (the clinic app
   * shows one language; the three were ~40 % of a busy first page). Without it, in all three.
   */
  lang: Lang.optional(),
});
export type WorklistQuery = z.infer<typeof WorklistQuery>;

/** A text of the page: bokmål, nynorsk and English, or only the language `lang` asked for. */
export const WorklistText = z.object({ nb: z.string().optional(), nn: z.string().optional(), en: z.string().optional() });
export type WorklistText = z.infer<typeof WorklistText>;

const Latest = z.object({ value: z.number(), unit: z.string(), effectiveAt: Instant, zone: z.string().nullable() });
export type WorklistLatest = z.infer<typeof Latest>;

/** One open alert of the row, as a chip: plain text, the rule id for hover. */
export const WorklistAlert = z.object({
  id: z.string(),
  zone: z.enum(['red', 'yellow', 'missing']),
  kind: z.string(),
  ruleId: z.string(),
  /** The measure or questionnaire the alert is about, when it is about one. */
  code: z.string().nullable(),
  /** The latest finding's values (exact, catalogue units). */
  values: z.array(z.object({ code: z.string(), value: z.number(), unit: z.string(), effectiveAt: Instant })),
  summary: WorklistText,
  /** How far past its limit (fraction of the limit; NEWS2 score / 20): the order within a zone. */
  severity: z.number(),
  lastAt: Instant,
});
export type WorklistAlert = z.infer<typeof WorklistAlert>;

/** A worklist row (worklist/service.ts#WorklistItem). */
export const WorklistItem = z.object({
  patient: z.object({ id: z.string(), name: z.string(), birthDate: z.string(), identifier: z.string(), phone: z.string().nullable() }),
  episodeId: z.string(),
  status: WorklistStatus,
  /** Since when the row has its status (oldest open alert of the worst zone; else last reading or start). */
  since: Instant,
  /** The worst open alert's text (kept for older clients; `alerts` has every reason). */
  reason: WorklistText.nullable(),
  openAlerts: z.number().int(),
  unresolvedAlerts: z.number().int(),
  /** Every open alert, worst zone, most severe and newest first: one chip each. */
  alerts: z.array(WorklistAlert),
  diagnoses: z.array(z.object({ system: z.string(), code: z.string(), display: z.string() })),
  /** Latest value per measure code within 30 days (blood pressure as bp_systolic and bp_diastolic). */
  latest: z.record(z.string(), Latest),
  spark: z.object({ code: z.string(), points: z.array(z.tuple([z.string(), z.number()])) }).nullable(),
  lastContactAt: Instant.nullable(),
  unreadMessages: z.number().int(),
  /** The row's place in the order (status, sub-rank, −severity, time key): compare to merge live rows. */
  order: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  /** Opaque position of this row: pass as `cursor` to continue after it. */
  cursor: z.string(),
});
export type WorklistItem = z.infer<typeof WorklistItem>;

/** Rows per status under the search filter; `messages` and `mine` are the rows the two chips would show. */
export const WorklistCounts = z.object({
  all: z.number().int(),
  red: z.number().int(),
  yellow: z.number().int(),
  missing: z.number().int(),
  green: z.number().int(),
  messages: z.number().int(),
  mine: z.number().int(),
});
export type WorklistCounts = z.infer<typeof WorklistCounts>;

export const WorklistPage = z.object({ items: z.array(WorklistItem), counts: WorklistCounts, nextCursor: z.string().nullable() });
export type WorklistPage = z.infer<typeof WorklistPage>;

export const worklistRoutes = {
  page: route({
    method: 'GET', path: '/api/worklist', tag: 'worklist',
    summary: "The nurse's worklist: one page in triage order, with counts per filter chip",
    description:
      'Active patients of the caller\'s organisation, red → yellow → missing → green; within red and yellow the most severe ' +
      '(distance past the limit, NEWS2) and newest first; within missing, measurements and inactivity before questionnaires; ' +
      'missing and green oldest first (migration 022). Keyset-paged (`cursor`), stable under inserts. With `lang`, alert ' +
      'summaries and reasons come in that language only. Clinical personnel only; ' +
      'every patient shown is audited (once an hour per nurse).',
    query: WorklistQuery, response: WorklistPage,
  }),
};
