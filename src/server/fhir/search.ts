import { z } from 'zod';
import { parseDate, zonedInstant } from '../../domain/time.js';
import { fhirError } from './outcome.js';

/*
 * FHIR search parameter parsing (R4 search.html), limited to what the server implements. Each
 * resource declares its parameters once (`defineSearch`); the same declaration parses requests and
 * lists the parameters in the CapabilityStatement, so the two cannot drift apart.
 *
 * Handling of unknown parameters follows the spec: ignored by default (lenient) and left out of
 * the Bundle's self link so the client can see what was applied; `Prefer: handling=strict` turns
 * them into 400. A known parameter with an unsupported modifier (`code:text`) is always refused,
 * because ignoring it would silently widen the result.
 */

export type SearchParamType = 'token' | 'reference' | 'date' | 'number' | 'string';

/** `system|code`, `|code` (system: ''), `code` (system undefined = any) or `system|` (code undefined). */
export interface Token {
  system?: string;
  code?: string;
}

/** Half-open instant range [from, to); either end may be open. */
export interface DateRange {
  from?: Date;
  to?: Date;
}

export interface ParamSpec<T> {
  type: SearchParamType;
  documentation: string;
  /** Receives every occurrence of the parameter in the query string. */
  schema: z.ZodType<T, string[]>;
  /** Result parameters (`_count`, `_sort`) shape the result but are not search parameters in the CapabilityStatement. */
  result?: boolean;
}

type Specs = Record<string, ParamSpec<unknown>>;
export type SearchValues<S extends Specs> = { [K in keyof S]?: z.output<S[K]['schema']> };

export interface SearchDef<S extends Specs> {
  specs: S;
  /**
   * Parses a query string object (as Fastify gives it) into typed values.
   * @param query parameter → value(s)
   * @param strict refuse unknown parameters (`Prefer: handling=strict`)
   * @returns the values and the applied parameters, for the Bundle's self link
   * @throws FhirError 400 for invalid values, unsupported modifiers, or (strict) unknown parameters
   */
  parse(query: unknown, strict: boolean): { values: SearchValues<S>; applied: URLSearchParams };
}

/** Parameters every request may carry that are not search parameters (content negotiation). */
const IGNORED = new Set(['_format', '_pretty']);

/** Declares the search parameters of one resource type. */
export function defineSearch<S extends Specs>(specs: S): SearchDef<S> {
  return {
    specs,
    parse(query, strict) {
      const raw = new Map<string, string[]>();
      for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
        if (IGNORED.has(key)) continue;
        const values = (Array.isArray(value) ? value : [value]).map(String);
        const [name, modifier] = key.split(':', 2) as [string, string | undefined];
        if (!Object.hasOwn(specs, name)) {
          if (strict) throw fhirError(400, 'not-supported', `Search parameter "${key}" is not supported here (Prefer: handling=strict).`);
          continue;
        }
        if (modifier !== undefined) throw fhirError(400, 'not-supported', `Modifier ":${modifier}" on "${name}" is not supported.`);
        raw.set(name, [...(raw.get(name) ?? []), ...values]);
      }
      const values: Record<string, unknown> = {};
      const applied = new URLSearchParams();
      for (const [name, list] of raw) {
        const r = specs[name]!.schema.safeParse(list);
        if (!r.success) {
          throw fhirError(400, 'invalid', `Search parameter "${name}": ${r.error.issues[0]?.message ?? 'invalid value'}`);
        }
        values[name] = r.data;
        for (const v of list) applied.append(name, v);
      }
      return { values: values as SearchValues<S>, applied };
    },
  };
}

/** Exactly one occurrence: alternatives go in one value separated by commas (OR), as in FHIR. */
const once = z
  .array(z.string())
  .refine((a) => a.length === 1, 'may appear only once; separate alternatives with commas')
  .transform((a) => a[0]!.trim())
  .refine((s) => s.length > 0, 'must not be empty');

/**
 * Splits a token value. Escaped separators (`\|`, `\,`) are not supported: none of the codes and
 * identifiers this server knows contain them.
 */
export function parseToken(s: string): Token {
  const i = s.indexOf('|');
  if (i < 0) return { code: s };
  const system = s.slice(0, i);
  const code = s.slice(i + 1);
  return { system, ...(code ? { code } : {}) };
}

/** Whether a token matches a coding or identifier (`system` undefined = any system). */
export function tokenMatches(t: Token, system: string | undefined, code: string): boolean {
  if (t.system !== undefined && t.system !== (system ?? '')) return false;
  return t.code === undefined || t.code === code;
}

/** One or more tokens, OR'ed. */
export const tokens = (): z.ZodType<Token[], string[]> =>
  once.transform((s) => s.split(',').map((x) => parseToken(x.trim())).filter((t) => t.code !== undefined || t.system !== undefined));

/** Comma-separated plain values (e.g. `_id`). */
export const ids = (): z.ZodType<string[], string[]> => once.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/**
 * A reference to one resource of `type`: `Type/id`, a bare `id`, or an absolute URL ending in
 * `Type/id`. Lists are refused: one patient per search keeps authorisation and audit per patient.
 */
export const reference = (type: string): z.ZodType<string, string[]> =>
  once.transform((s, ctx) => {
    if (s.includes(',')) {
      ctx.addIssue({ code: 'custom', message: `only one ${type} per search is supported` });
      return z.NEVER;
    }
    const parts = s.split('/').filter(Boolean);
    const id = parts[parts.length - 1]!;
    const t = parts.length >= 2 ? parts[parts.length - 2] : type;
    if (t !== type || !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
      ctx.addIssue({ code: 'custom', message: `must be ${type}/[id]` });
      return z.NEVER;
    }
    return id;
  });

/** `_count`: a page size of 1–1000. */
export const count = (): z.ZodType<number, string[]> =>
  once.pipe(z.coerce.number<string>({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000'));

/** Calendar dates without a time are days in Norway: a nurse asking for "2025-03-01" means the Norwegian day. */
export const SEARCH_TIME_ZONE = 'Europe/Oslo';

const DATE_PARAM = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parses one `date` value (`ge2025-03-01`, `lt2025-03-01T10:00:00+01:00`, …) into the range of
 * instants it selects for a point-in-time element such as Observation.effectiveDateTime.
 * The value is an implicit range at its own precision (a day, a month, a second); the prefixes
 * then select: eq = inside it, ge = from its start, gt = after its end, le = up to its end,
 * lt = before its start.
 * @returns the range, or an error message
 */
export function parseDateParam(raw: string): DateRange | string {
  // A '+' in a query string decodes to a space; a client that forgot %2B still means an offset.
  const s = raw.replace(/ (\d{2}:\d{2})$/, '+$1');
  const m = DATE_PARAM.exec(s);
  if (!m) return `"${raw}" is not a FHIR date (e.g. ge2025-03-01 or lt2025-03-01T10:00:00Z)`;
  const [, prefix = 'eq', y, mo, d, hh, mi, ss, frac, tz] = m;
  if (!['eq', 'gt', 'lt', 'ge', 'le'].includes(prefix)) return `prefix "${prefix}" is not supported; use eq, ge, gt, le or lt`;
  let lo: Date;
  let hi: Date;
  if (hh !== undefined) {
    if (tz === undefined) return `"${raw}" has a time but no time zone; add Z or ±hh:mm`;
    lo = new Date(`${y}-${mo}-${d}T${hh}:${mi}:${ss ?? '00'}${frac ?? ''}${tz}`);
    if (Number.isNaN(lo.getTime())) return `"${raw}" is not a valid date and time`;
    const step = frac !== undefined ? 1 : ss !== undefined ? 1000 : 60_000;
    hi = new Date(lo.getTime() + step);
  } else {
    const year = Number(y);
    const month = mo === undefined ? 1 : Number(mo);
    const day = d === undefined ? 1 : Number(d);
    const start = `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    if (parseDate(start) === null) return `"${raw}" is not a valid date`;
    let end: string;
    if (d !== undefined) {
      const next = new Date(Date.UTC(year, month - 1, day + 1));
      end = next.toISOString().slice(0, 10);
    } else if (mo !== undefined) {
      end = month === 12 ? `${year + 1}-01-01` : `${y}-${String(month + 1).padStart(2, '0')}-01`;
    } else {
      end = `${year + 1}-01-01`;
    }
    lo = zonedInstant(start, '00:00', SEARCH_TIME_ZONE);
    hi = zonedInstant(end, '00:00', SEARCH_TIME_ZONE);
  }
  switch (prefix) {
    case 'ge': return { from: lo };
    case 'gt': return { from: hi };
    case 'le': return { to: hi };
    case 'lt': return { to: lo };
    default: return { from: lo, to: hi };
  }
}

/** One or more `date` occurrences, AND'ed: `date=ge2025-03-01&date=lt2025-04-01`. */
export const dates = (): z.ZodType<DateRange, string[]> =>
  z.array(z.string()).transform((list, ctx) => {
    const range: DateRange = {};
    for (const raw of list) {
      if (raw.includes(',')) {
        ctx.addIssue({ code: 'custom', message: 'lists of dates are not supported; repeat the parameter for a range' });
        return z.NEVER;
      }
      const r = parseDateParam(raw.trim());
      if (typeof r === 'string') {
        ctx.addIssue({ code: 'custom', message: r });
        return z.NEVER;
      }
      if (r.from && (!range.from || r.from > range.from)) range.from = r.from;
      if (r.to && (!range.to || r.to < range.to)) range.to = r.to;
    }
    return range;
  });

const COUNT_DOC = '_count: page size 1–1000 (default 100). No paging links: narrow the search (e.g. by date) to see more.';

const countSpec = { type: 'number', documentation: COUNT_DOC, schema: count(), result: true } as const satisfies ParamSpec<number>;
const patientSpec = (what: string) =>
  ({ type: 'reference', documentation: `The patient ${what}. Required for personnel; a patient's own data by default when a patient is logged in.`, schema: reference('Patient') }) as const satisfies ParamSpec<string>;

/** The search parameters of every resource type the server searches. */
export const SEARCH = {
  Patient: defineSearch({
    _id: { type: 'token', documentation: 'Logical id(s), comma-separated.', schema: ids() },
    identifier: {
      type: 'token',
      documentation: 'Fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1) or D-nummer (urn:oid:2.16.578.1.12.4.1.4.2): system|value or value.',
      schema: tokens(),
    },
    _count: countSpec,
  }),
  Observation: defineSearch({
    patient: patientSpec('the observations are about'),
    code: { type: 'token', documentation: 'LOINC (http://loinc.org|8867-4) or local (urn:varde:codes|cat-total) code, or a bare code. 85354-9 (blood pressure panel) finds the systolic and diastolic observations.', schema: tokens() },
    category: { type: 'token', documentation: 'vital-signs, survey or laboratory (http://terminology.hl7.org/CodeSystem/observation-category).', schema: tokens() },
    date: { type: 'date', documentation: 'effectiveDateTime with eq, ge, gt, le or lt; repeat for a range. Dates without a time are days in Europe/Oslo.', schema: dates() },
    _count: countSpec,
    _sort: {
      type: 'string', result: true,
      documentation: '_sort: -date (newest first, default) or date.',
      schema: once.pipe(z.enum(['date', '-date'], { error: 'only date and -date are supported' })),
    },
  }),
  QuestionnaireResponse: defineSearch({ patient: patientSpec('who answered'), _count: countSpec }),
  CarePlan: defineSearch({
    patient: patientSpec('the plan is for'),
    status: { type: 'token', documentation: 'active, draft, revoked (superseded versions) or completed (episode ended).', schema: tokens() },
    _count: countSpec,
  }),
  Flag: defineSearch({
    patient: patientSpec('the alert is about'),
    status: { type: 'token', documentation: 'active (open or acknowledged alert) or inactive (resolved).', schema: tokens() },
    _count: countSpec,
  }),
  Communication: defineSearch({ patient: patientSpec('the conversation is with'), _count: countSpec }),
  Device: defineSearch({
    _id: { type: 'token', documentation: 'Logical id(s), comma-separated.', schema: ids() },
    identifier: { type: 'token', documentation: 'Serial number: urn:varde:device-serial|serial or serial.', schema: tokens() },
    patient: { type: 'reference', documentation: 'Devices currently lent to the patient (needs read access to the patient).', schema: reference('Patient') },
    _count: countSpec,
  }),
  AuditEvent: defineSearch({
    patient: patientSpec('whose data was touched'),
    entity: { type: 'reference', documentation: 'Same as patient (Patient/[id]); other entities are not searchable.', schema: reference('Patient') },
    date: { type: 'date', documentation: 'When it was recorded, with eq, ge, gt, le or lt.', schema: dates() },
    _count: countSpec,
  }),
} as const;

export type SearchType = keyof typeof SEARCH;
