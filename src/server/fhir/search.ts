import { z } from 'zod';
import { parseDate, zonedInstant } from '../../domain/time.js';
import { fhirError } from './outcome.js';
import { dateProblem } from '../http/validation.js';

/*
 * FHIR search parameter parsing (R4 search.html), limited to what the server implements. Each
 * resource declares its parameters once (`defineSearch`); the same declaration parses requests and
 * lists the parameters in the CapabilityStatement, so the two cannot drift apart.
 *
 * Unknown parameters are refused (400) by default, because a search that silently ignores a
 * filter returns more than the client asked for and looks like an answer (issue 9). With
 * `Prefer: handling=lenient` they are ignored instead: left out of the Bundle's self link (which,
 * as R4 search.html requires, lists exactly the parameters applied) and named in an
 * OperationOutcome entry (search.mode = outcome). A known parameter with an unsupported modifier
 * (`code:text`) is always refused, because ignoring it would silently widen the result.
 */

export type SearchParamType = 'token' | 'reference' | 'date' | 'number' | 'string' | 'quantity';

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
  /** Modifiers accepted besides none (e.g. string :exact, :contains); the value is passed as `name:modifier`. */
  modifiers?: readonly string[];
}

type Specs = Record<string, ParamSpec<unknown>>;
export type SearchValues<S extends Specs> = { [K in keyof S]?: z.output<S[K]['schema']> };

export interface SearchDef<S extends Specs> {
  specs: S;
  /**
   * Parses a query string object (as Fastify gives it) into typed values.
   * @param query parameter → value(s)
   * @param lenient ignore unknown parameters (`Prefer: handling=lenient`) instead of refusing them
   * @returns the values, the applied parameters (for the Bundle's self link) and the ignored ones
   * @throws FhirError 400 for invalid values, unsupported modifiers, or (unless lenient) unknown parameters
   */
  parse(query: unknown, lenient: boolean): { values: SearchValues<S>; applied: URLSearchParams; ignored: string[] };
}

/** Separates a modifier from the value handed to a schema: `\u0000exact\u0000Nordmann`. */
export const MOD = '\u0000';

/** Parameters every request may carry that are not search parameters (content negotiation). */
const IGNORED = new Set(['_format', '_pretty']);

/** Declares the search parameters of one resource type. */
export function defineSearch<S extends Specs>(specs: S): SearchDef<S> {
  return {
    specs,
    parse(query, lenient) {
      const raw = new Map<string, { key: string; values: string[] }>();
      const ignored: string[] = [];
      for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
        if (IGNORED.has(key)) continue;
        const values = (Array.isArray(value) ? value : [value]).map(String);
        const [name, modifier] = key.split(':', 2) as [string, string | undefined];
        if (!Object.hasOwn(specs, name)) {
          if (!lenient) {
            throw fhirError(400, 'not-supported', `Search parameter "${key}" is not supported here (see /fhir/metadata). Send Prefer: handling=lenient to have unknown parameters ignored instead.`);
          }
          ignored.push(key);
          continue;
        }
        if (modifier !== undefined && !(specs[name]!.modifiers ?? []).includes(modifier)) {
          throw fhirError(400, 'not-supported', `Modifier ":${modifier}" on "${name}" is not supported.`);
        }
        const prev = raw.get(name);
        if (prev && prev.key !== key) throw fhirError(400, 'not-supported', `"${name}" with different modifiers in one search is not supported.`);
        raw.set(name, { key, values: [...(prev?.values ?? []), ...values] });
      }
      const values: Record<string, unknown> = {};
      const applied = new URLSearchParams();
      for (const [name, { key, values: list }] of raw) {
        const modifier = key.includes(':') ? key.slice(key.indexOf(':') + 1) : undefined;
        const r = specs[name]!.schema.safeParse(modifier ? list.map((v) => `${MOD}${modifier}${MOD}${v}`) : list);
        if (!r.success) {
          throw fhirError(400, 'invalid', `Search parameter "${key}": ${r.error.issues[0]?.message ?? 'invalid value'}`);
        }
        values[name] = r.data;
        for (const v of list) applied.append(key, v);
      }
      return { values: values as SearchValues<S>, applied, ignored };
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
    if (Number.isNaN(lo.getTime()) || dateProblem(`${y}-${mo}-${d}`) !== null) return `"${raw}" is not a valid date and time`;
    const step = frac !== undefined ? 1 : ss !== undefined ? 1000 : 60_000;
    hi = new Date(lo.getTime() + step);
  } else {
    const year = Number(y);
    const month = mo === undefined ? 1 : Number(mo);
    const day = d === undefined ? 1 : Number(d);
    const start = `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    if (parseDate(start) === null || dateProblem(start) !== null) return `"${raw}" is not a valid date`;
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

/** A string search value: starts-with (default, case- and accent-insensitive), :exact or :contains. */
export interface StringMatch {
  mode: 'start' | 'exact' | 'contains';
  values: string[];
}

/** String parameter: comma = OR; repeated = AND (each occurrence one StringMatch). */
export const strings = (): z.ZodType<StringMatch[], string[]> =>
  z.array(z.string()).transform((list) =>
    list.map((raw) => {
      const m = raw.startsWith(MOD) ? raw.slice(1).split(MOD) : null;
      const mode = (m?.[0] ?? 'start') as StringMatch['mode'];
      const v = m ? m.slice(1).join(MOD) : raw;
      return { mode, values: v.split(',').map((x) => x.trim()).filter(Boolean) };
    }),
  );

/** Normalises text for string search (R4: case- and accent-insensitive). */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Whether a string search matches any of the element's values. */
export function stringMatches(q: StringMatch, candidates: string[]): boolean {
  const c = q.mode === 'exact' ? candidates : candidates.map(foldText);
  return q.values.some((v) => {
    if (q.mode === 'exact') return c.includes(v);
    const f = foldText(v);
    return c.some((x) => (q.mode === 'contains' ? x.includes(f) : x.startsWith(f)));
  });
}

/** A quantity search value: prefix, number (with its precision) and optional system|code. */
export interface QuantityQuery {
  prefix: 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le';
  value: number;
  /** Half the unit of the last written digit: 5.4 means [5.35, 5.45) for eq (R4 search.html#number). */
  halfStep: number;
  system?: string;
  code?: string;
}

const QTY = /^(eq|ne|gt|lt|ge|le)?(-?\d+(?:\.(\d+))?)(?:\|([^|]*)\|(.*))?$/;

/** `value-quantity`: comma = OR, repeated = AND. */
export const quantities = (): z.ZodType<QuantityQuery[][], string[]> =>
  z.array(z.string()).transform((list, ctx) =>
    list.map((raw) =>
      raw.split(',').map((v) => {
        const m = QTY.exec(v.trim());
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `"${v}" is not a quantity (e.g. gt100, 5.4|http://unitsofmeasure.org|mmol/L)` });
          return z.NEVER;
        }
        const decimals = m[3]?.length ?? 0;
        return {
          prefix: (m[1] ?? 'eq') as QuantityQuery['prefix'],
          value: Number(m[2]),
          halfStep: 0.5 * 10 ** -decimals,
          ...(m[4] ? { system: m[4] } : {}),
          ...(m[5] ? { code: m[5] } : {}),
        };
      }),
    ),
  );

/** Whether a quantity search value matches a stored value and unit. */
export function quantityMatches(q: QuantityQuery, value: number | undefined, system: string | undefined, code: string | undefined): boolean {
  if (value === undefined) return false;
  if (q.code !== undefined && q.code !== code) return false;
  if (q.system !== undefined && q.system !== (system ?? '')) return false;
  const lo = q.value - q.halfStep;
  const hi = q.value + q.halfStep;
  switch (q.prefix) {
    case 'eq': return value >= lo && value < hi;
    case 'ne': return value < lo || value >= hi;
    case 'gt': return value > q.value;
    case 'lt': return value < q.value;
    case 'ge': return value >= q.value;
    case 'le': return value <= q.value;
  }
}

/** `date` over a date-only element (Patient.birthDate): ranges of 'YYYY-MM-DD' strings, [from, to). */
export interface DayRange {
  from?: string;
  to?: string;
}

export const dayRanges = (): z.ZodType<DayRange, string[]> =>
  z.array(z.string()).transform((list, ctx) => {
    const out: DayRange = {};
    for (const raw of list) {
      const m = /^(eq|ge|gt|le|lt)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(raw.trim());
      if (!m || (m[4] && parseDate(`${m[2]}-${m[3]}-${m[4]}`) === null)) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a date (e.g. 1940-01-01, ge1940)` });
        return z.NEVER;
      }
      const [, prefix = 'eq', y, mo, d] = m;
      const lo = `${y}-${mo ?? '01'}-${d ?? '01'}`;
      let hi: string;
      if (d) hi = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d) + 1)).toISOString().slice(0, 10);
      else if (mo) hi = Number(mo) === 12 ? `${Number(y) + 1}-01-01` : `${y}-${String(Number(mo) + 1).padStart(2, '0')}-01`;
      else hi = `${Number(y) + 1}-01-01`;
      const r: DayRange = prefix === 'ge' ? { from: lo } : prefix === 'gt' ? { from: hi } : prefix === 'le' ? { to: hi } : prefix === 'lt' ? { to: lo } : { from: lo, to: hi };
      if (r.from && (!out.from || r.from > out.from)) out.from = r.from;
      if (r.to && (!out.to || r.to < out.to)) out.to = r.to;
    }
    return out;
  });

/** `_offset`: where the page starts (paging links use it). */
export const offset = (): z.ZodType<number, string[]> =>
  once.pipe(z.coerce.number<string>({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative'));

/** The page size when a search gives no _count. */
export const DEFAULT_COUNT = 50;

const COUNT_DOC = '_count: page size 1–1000 (default 50); Bundle.total gives the full number of matches and next/previous links page through them (_offset).';

const countSpec = { type: 'number', documentation: COUNT_DOC, schema: count(), result: true } as const satisfies ParamSpec<number>;
const offsetSpec = { type: 'number', documentation: '_offset: index of the first match on the page (used by the paging links).', schema: offset(), result: true } as const satisfies ParamSpec<number>;
const summarySpec = {
  type: 'token', result: true, documentation: '_summary=count: only Bundle.total, no entries (_summary=false: the full resources, the default).',
  schema: once.pipe(z.enum(['count', 'false'], { error: 'only _summary=count and _summary=false are supported' })),
} as const satisfies ParamSpec<'count' | 'false'>;
const elementsSpec = {
  type: 'string', result: true, documentation: '_elements: comma-separated top-level elements to return (resources are tagged SUBSETTED).',
  schema: once.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
} as const satisfies ParamSpec<string[]>;
const sortSpec = <T extends readonly [string, ...string[]]>(keys: T, doc: string) =>
  ({
    type: 'string', result: true, documentation: `_sort: ${doc} Ties are broken by id, so pages are stable.`,
    schema: once.pipe(z.enum(keys, { error: `only ${keys.join(', ')} are supported` })),
  }) as const;
const includeSpec = <T extends readonly [string, ...string[]]>(keys: T) =>
  ({
    type: 'string', result: true, documentation: `_include: ${keys.join(', ')}.`,
    schema: z.array(z.string()).pipe(z.array(z.enum(keys, { error: `only ${keys.join(', ')} are supported` }))),
  }) as const;
const lastUpdatedSpec = { type: 'date', documentation: 'When the server last changed it, with eq, ge, gt, le or lt.', schema: dates() } as const satisfies ParamSpec<DateRange>;
const common = { _count: countSpec, _offset: offsetSpec, _summary: summarySpec, _elements: elementsSpec } as const;
const patientSpec = (what: string) =>
  ({ type: 'reference', documentation: `The patient ${what}. Required for personnel; a patient's own data by default when a patient is logged in.`, schema: reference('Patient') }) as const satisfies ParamSpec<string>;
const stringSpec = (doc: string) => ({ type: 'string', documentation: `${doc} Starts-with, case- and accent-insensitive; :exact and :contains supported.`, schema: strings(), modifiers: ['exact', 'contains'] }) as const;

/** The search parameters of every resource type the server searches. */
export const SEARCH = {
  Patient: defineSearch({
    _id: { type: 'token', documentation: 'Logical id(s), comma-separated.', schema: ids() },
    identifier: {
      type: 'token',
      documentation: 'Fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1), D-nummer (urn:oid:2.16.578.1.12.4.1.4.2) or H-nummer (urn:oid:2.16.578.1.12.4.1.4.3): system|value or value.',
      schema: tokens(),
    },
    name: stringSpec('Any part of the name.'),
    family: stringSpec('Family name.'),
    given: stringSpec('Given name(s).'),
    birthdate: { type: 'date', documentation: 'Date of birth, with eq, ge, gt, le or lt (YYYY, YYYY-MM or YYYY-MM-DD).', schema: dayRanges() },
    gender: { type: 'token', documentation: 'male, female, other or unknown.', schema: tokens() },
    _lastUpdated: lastUpdatedSpec,
    _sort: sortSpec(['name', '-name', 'birthdate', '-birthdate', '_lastUpdated', '-_lastUpdated'] as const, 'name (default), birthdate or _lastUpdated; prefix - for descending.'),
    ...common,
  }),
  Observation: defineSearch({
    patient: patientSpec('the observations are about'),
    subject: { type: 'reference', documentation: 'Same as patient (Patient/[id]).', schema: reference('Patient') },
    _id: { type: 'token', documentation: 'Logical id(s), comma-separated.', schema: ids() },
    identifier: { type: 'token', documentation: 'Business identifier as posted (system|value), including urn:varde:idempotency keys.', schema: tokens() },
    status: { type: 'token', documentation: 'final, amended, corrected, preliminary, cancelled, entered-in-error, …', schema: tokens() },
    code: { type: 'token', documentation: 'Any coding of code or of a component: LOINC (http://loinc.org|8867-4), IEEE 11073 MDC, SNOMED CT, local codes, or a bare code. 85354-9 finds blood pressure panels.', schema: tokens() },
    category: { type: 'token', documentation: 'vital-signs, survey, laboratory … (http://terminology.hl7.org/CodeSystem/observation-category).', schema: tokens() },
    date: { type: 'date', documentation: 'effective[x] with eq, ge, gt, le or lt; repeat for a range. Dates without a time are days in Europe/Oslo.', schema: dates() },
    'value-quantity': { type: 'quantity', documentation: 'valueQuantity as posted: [prefix]number[|system|code], e.g. gt100 or 5.4|http://unitsofmeasure.org|mmol/L (eq uses the precision written).', schema: quantities() },
    device: { type: 'reference', documentation: 'The device that measured (Device/[id]).', schema: reference('Device') },
    _lastUpdated: lastUpdatedSpec,
    _sort: sortSpec(['-date', 'date', '_lastUpdated', '-_lastUpdated'] as const, '-date (newest first, default), date or _lastUpdated.'),
    _include: includeSpec(['Observation:patient', 'Observation:subject'] as const),
    ...common,
  }),
  QuestionnaireResponse: defineSearch({ patient: patientSpec('who answered'), ...common }),
  CarePlan: defineSearch({
    patient: patientSpec('the plan is for'),
    status: { type: 'token', documentation: 'active, draft, revoked (superseded versions) or completed (episode ended).', schema: tokens() },
    ...common,
  }),
  Flag: defineSearch({
    patient: patientSpec('the alert is about'),
    status: { type: 'token', documentation: 'active (open or acknowledged alert) or inactive (resolved).', schema: tokens() },
    ...common,
  }),
  Communication: defineSearch({ patient: patientSpec('the conversation is with'), ...common }),
  Device: defineSearch({
    _id: { type: 'token', documentation: 'Logical id(s), comma-separated.', schema: ids() },
    identifier: { type: 'token', documentation: 'Any identifier: serial (urn:varde:device-serial|serial), IEEE 11073 system id, MAC …; system|value or value.', schema: tokens() },
    patient: { type: 'reference', documentation: 'Devices currently lent to the patient (needs read access to the patient).', schema: reference('Patient') },
    ...common,
  }),
  AuditEvent: defineSearch({
    patient: patientSpec('whose data was touched'),
    entity: { type: 'reference', documentation: 'Same as patient (Patient/[id]); other entities are not searchable.', schema: reference('Patient') },
    date: { type: 'date', documentation: 'When it was recorded, with eq, ge, gt, le or lt.', schema: dates() },
    ...common,
  }),
} as const;

export type SearchType = keyof typeof SEARCH;
