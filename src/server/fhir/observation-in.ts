import { BP_PANEL_LOINC, CATALOGUE, LOINC_SYSTEM, MEASURE_CODE_LIST, type MeasureCode, UCUM_SYSTEM } from '../../domain/catalogue.js';
import { DNR_SYSTEM, FNR_SYSTEM } from '../../domain/identifiers.js';
import { contentHash } from './json.js';
import { FhirError, type Issue } from './outcome.js';
import { dateProblem, dateTimeProblem } from '../http/validation.js';

/*
 * Reading a posted Observation the way real clients write it (issue 9): any coding that names a
 * catalogue measure (LOINC, IEEE 11073 MDC), panels with extra components, supplemental
 * components, date-only and zone-less times, effectivePeriod, dataAbsentReason, business
 * identifiers. Nothing here rewrites the resource: it is stored as posted, and this module only
 * works out what triage should look at. Pure: no I/O, no clock.
 */

export const MDC_SYSTEM = 'urn:iso:std:iso:11073:10101';
/** Norwegian national identifier systems (fødselsnummer, D-nummer, H-nummer). */
export const HNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.3';
export const IDEMPOTENCY_SYSTEM = 'urn:varde:idempotency';

/**
 * Codes that name a catalogue measure, besides the catalogue's own LOINC code. Sources: LOINC
 * (loinc.org), the FHIR R4 vital signs profile (2708-6 next to 59408-5), IEEE 11073-10101 MDC
 * codes as used by the HL7 PHD IG (150456 SpO2, 149530 pulse rate, 150021/150022 BP, 188736
 * body mass, 150364 body temperature, 160368 capillary whole-blood glucose, 151562 resp. rate).
 */
const ALIASES: { system: string; code: string; measure: MeasureCode }[] = [
  { system: LOINC_SYSTEM, code: '2708-6', measure: 'spo2' },
  { system: MDC_SYSTEM, code: '150456', measure: 'spo2' },
  { system: MDC_SYSTEM, code: '149530', measure: 'heart_rate' },
  { system: MDC_SYSTEM, code: '147842', measure: 'heart_rate' },
  { system: MDC_SYSTEM, code: '149546', measure: 'heart_rate' },
  { system: MDC_SYSTEM, code: '151562', measure: 'resp_rate' },
  { system: MDC_SYSTEM, code: '150021', measure: 'bp_systolic' },
  { system: MDC_SYSTEM, code: '150022', measure: 'bp_diastolic' },
  { system: LOINC_SYSTEM, code: '3141-9', measure: 'weight' },
  { system: MDC_SYSTEM, code: '188736', measure: 'weight' },
  { system: MDC_SYSTEM, code: '150364', measure: 'temperature' },
  { system: LOINC_SYSTEM, code: '15074-8', measure: 'glucose' },
  { system: LOINC_SYSTEM, code: '2339-0', measure: 'glucose' },
  { system: LOINC_SYSTEM, code: '41653-7', measure: 'glucose' },
  { system: MDC_SYSTEM, code: '160368', measure: 'glucose' },
];
/** Blood pressure panels: LOINC 85354-9 (and the older 55284-4), MDC 150020 (MDC_PRESS_BLD_NONINV). */
export const BP_PANEL_CODES = [
  { system: LOINC_SYSTEM, code: BP_PANEL_LOINC },
  { system: LOINC_SYSTEM, code: '55284-4' },
  { system: MDC_SYSTEM, code: '150020' },
];

/** The catalogue measure (or blood pressure panel) a coding names, if any. */
export function measureOfCoding(system: string | undefined, code: string | undefined): MeasureCode | 'bp-panel' | undefined {
  if (!system || !code) return undefined;
  if (BP_PANEL_CODES.some((c) => c.system === system && c.code === code)) return 'bp-panel';
  for (const m of MEASURE_CODE_LIST) {
    const l = CATALOGUE[m].loinc;
    if (l.system === system && l.code === code) return m;
  }
  return ALIASES.find((a) => a.system === system && a.code === code)?.measure;
}

/** Every 'system|code' that names the measure (for code search over stored readings). */
export function codesOfMeasure(m: MeasureCode): { system: string; code: string }[] {
  return [{ system: CATALOGUE[m].loinc.system, code: CATALOGUE[m].loinc.code }, ...ALIASES.filter((a) => a.measure === m)];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export type Precision = 'instant' | 'local' | 'day' | 'month' | 'year';

/** When it was measured, as written; resolved to an instant once the patient's time zone is known. */
export interface EffectiveIn {
  text: string;
  precision: Precision;
  path: string;
  /** For precision 'local', 'day', … : the local date (YYYY-MM-DD, first day of month/year) and HH:MM. */
  date?: string;
  time?: string;
  /** Seconds and fraction of a zone-less time, kept so the instant is exact. */
  seconds?: number;
}

/** A reference as written: local Patient/id, an absolute URL, a urn:uuid, an identifier. */
export interface ReferenceIn {
  type?: string;
  id?: string;
  /** The absolute base it names, when absolute (http…/Type/id). */
  base?: string;
  raw?: string;
  identifier?: { system?: string; value?: string };
  display?: string;
}

/** One value triage can judge: catalogue measure, number, UCUM unit (after FHIR-side unit spelling fixes). */
export interface ReadingIn {
  code: MeasureCode;
  /** Absent when a meter only showed HI or LO. */
  value?: number;
  unit?: string;
  /** The meter's HI/LO flag (comparator > / <, or interpretation >, <, HI, LO): red, never refused. */
  interpretation?: 'HI' | 'LO';
  path: string;
}

const HI_CODES = new Set(['>', 'HI', 'HU', 'OFFSCALEHIGH']);
const LO_CODES = new Set(['<', 'LO', 'LU', 'OFFSCALELOW']);

/**
 * A meter's out-of-range flag, as devices send it: valueQuantity.comparator (> / >= above its
 * range, < / <= below) or an interpretation coding or text (v3 ObservationInterpretation
 * ">" off scale high, "<" off scale low; "HI"/"LO" as printed on the display).
 */
export function meterFlag(holder: Record<string, unknown>, q: Record<string, unknown> | undefined): 'HI' | 'LO' | undefined {
  const comparator = typeof q?.comparator === 'string' ? q.comparator : undefined;
  if (comparator === '>' || comparator === '>=') return 'HI';
  if (comparator === '<' || comparator === '<=') return 'LO';
  const interp = Array.isArray(holder.interpretation) ? holder.interpretation : [];
  for (const c of interp) {
    if (typeof c !== 'object' || c === null) continue;
    const cc = c as { coding?: { code?: unknown }[]; text?: unknown };
    const codes = [...(cc.coding ?? []).map((x) => String(x.code ?? '')), String(cc.text ?? '')].map((x) => x.trim().toUpperCase());
    if (codes.some((x) => HI_CODES.has(x))) return 'HI';
    if (codes.some((x) => LO_CODES.has(x))) return 'LO';
  }
  return undefined;
}

export interface ObservationIn {
  resource: Json;
  hash: string;
  status: string;
  subject?: ReferenceIn;
  device?: ReferenceIn;
  identifiers: { system?: string; value: string }[];
  /** The urn:varde:idempotency identifier, if any. */
  key?: string;
  effective?: EffectiveIn;
  readings: ReadingIn[];
  /** 'system|code' tokens of code.coding and component codes; categories as 'system|code'. */
  codes: string[];
  categories: string[];
  /** The main value, for value-quantity search (as written). */
  valueNum?: number;
  valueUnit?: string;
  /** Why triage will not look at it, when it will not (unknown code, no value, status). */
  notTriaged?: string;
  panel: boolean;
}

/** Parses a FHIR reference element. */
export function referenceIn(v: unknown): ReferenceIn | undefined {
  if (!isObj(v)) return undefined;
  const out: ReferenceIn = {};
  const ref = str(v.reference);
  if (ref) {
    out.raw = ref;
    const m = /^(?:(https?:\/\/.+)\/)?([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
    if (m) {
      if (m[1]) out.base = m[1];
      out.type = m[2];
      out.id = m[3];
    }
    // A conditional reference (R4 http.html#trules): Patient?identifier=system|value.
    const c = /^([A-Za-z]+)\?identifier=([^&]+)$/.exec(ref);
    if (c && !v.identifier) {
      const token = decodeURIComponent(c[2]!);
      const i = token.indexOf('|');
      out.type = c[1];
      out.identifier = i < 0 ? { value: token } : { system: token.slice(0, i), value: token.slice(i + 1) };
      delete out.raw;
    }
  }
  if (isObj(v.identifier)) out.identifier = { system: str(v.identifier.system), value: str(v.identifier.value) };
  if (str(v.display)) out.display = str(v.display);
  if (typeof v.type === 'string' && !out.type) out.type = v.type;
  return out;
}

/** The Norwegian identifier kind of a system, if it is one. */
export function nationalIdKind(system: string | undefined): 'fnr' | 'dnr' | 'hnr' | undefined {
  return system === FNR_SYSTEM ? 'fnr' : system === DNR_SYSTEM ? 'dnr' : system === HNR_SYSTEM ? 'hnr' : undefined;
}

/** The fødselsnummer, D-nummer or H-nummer an identifier carries (spaces removed), if its system is one of those. */
export function nationalIdValue(identifier: { system?: unknown; value?: unknown } | undefined): string | undefined {
  if (!identifier || typeof identifier.system !== 'string' || !nationalIdKind(identifier.system) || typeof identifier.value !== 'string') return undefined;
  return identifier.value.replace(/\s/g, '') || undefined;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}(?:\.\d+)?))?$/;
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** Parses a FHIR dateTime of any precision. */
export function effectiveIn(text: string, path: string): EffectiveIn | string {
  if (INSTANT.test(text)) {
    // A real calendar date in a plausible range (2026-02-30 and year 0001 are refused, not rolled over).
    return dateTimeProblem(text) !== null ? `"${text}" is not a valid date and time.` : { text, precision: 'instant', path };
  }
  const l = LOCAL.exec(text);
  if (l) return dateProblem(l[1]!) !== null || Number(l[2]!.slice(0, 2)) > 23 || Number(l[2]!.slice(3)) > 59 ? `"${text}" is not a valid date and time.` : { text, precision: 'local', path, date: l[1]!, time: l[2]!, seconds: l[3] ? Number(l[3]) : 0 };
  const d = DATE.exec(text);
  if (d) {
    const precision: Precision = d[3] ? 'day' : d[2] ? 'month' : 'year';
    if (dateProblem(`${d[1]}-${d[2] ?? '01'}-${d[3] ?? '01'}`) !== null) return `"${text}" is not a valid date.`;
    return { text, precision, path, date: `${d[1]}-${d[2] ?? '01'}-${d[3] ?? '01'}`, time: '00:00', seconds: 0 };
  }
  return `"${text}" is not a FHIR dateTime (e.g. 2025-03-01T08:30:00+01:00, or a date 2025-03-01).`;
}

/**
 * Unit spellings seen from real devices and IGs that the catalogue does not know but that are
 * the same quantity: PHD's "{beat}/min" and UCUM grams for body weight (VKP's 49000 g). Grams
 * are converted by a power of ten, which is exact for the decimal as written.
 */
function prepareUnit(measure: MeasureCode, value: number, unit: string | undefined): { value: number; unit?: string } {
  if (unit === undefined) return { value };
  if ((measure === 'heart_rate' || measure === 'resp_rate') && /^\{[a-z]+\}\/min$/.test(unit)) return { value, unit: '/min' };
  if (measure === 'weight' && unit === 'g') return { value: Number((value / 1000).toPrecision(15)), unit: 'kg' };
  return { value, unit };
}

const tokenOf = (system: string | undefined, code: string | undefined) => `${system ?? ''}|${code ?? ''}`;

/**
 * Reads a posted Observation. Throws FhirError 400 for what is not FHIR (no status, no code,
 * a value that is not a number) and 422 for what FHIR allows but is implausible (systolic below
 * diastolic); everything else is accepted and stored, with `notTriaged` saying why triage will
 * not look at it.
 * @param body the posted resource (untrusted; decimals as parsed by parseFhir)
 * @param strict the caller asked for strict handling: unknown codes are refused instead of stored
 */
export function observationIn(body: unknown, strict = false): ObservationIn {
  const issues: Issue[] = [];
  let status400 = false;
  const fail = (status: 400 | 422, code: Issue['code'], diagnostics: string, expression: string) => {
    issues.push({ code, diagnostics, expression: [expression] });
    if (status === 400) status400 = true;
  };
  if (!isObj(body) || body.resourceType !== 'Observation') {
    throw new FhirError(400, [{ code: 'invalid', diagnostics: 'The body must be an Observation resource.', expression: ['Observation'] }]);
  }
  const o = body;
  const STATUSES = ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'];
  const status = str(o.status) ?? '';
  if (!STATUSES.includes(status)) fail(400, 'value', 'status must be an Observation status code (e.g. final).', 'Observation.status');
  if (!isObj(o.code) || arr(o.code.coding).length === 0 && !str(o.code.text)) fail(400, 'required', 'code is required.', 'Observation.code');

  const identifiers: ObservationIn['identifiers'] = [];
  arr(o.identifier).forEach((i, n) => {
    if (!isObj(i)) return;
    const value = str(i.value);
    if (!value) return fail(400, 'required', 'An identifier needs a value.', `Observation.identifier[${n}]`);
    identifiers.push({ system: str(i.system), value });
  });
  const keys = identifiers.filter((i) => i.system === IDEMPOTENCY_SYSTEM);
  if (keys.length > 1) fail(400, 'invalid', `At most one identifier with system ${IDEMPOTENCY_SYSTEM}.`, 'Observation.identifier');

  // When: effectiveDateTime, effectiveInstant or effectivePeriod (start, else end).
  let effective: EffectiveIn | undefined;
  const period = isObj(o.effectivePeriod) ? o.effectivePeriod : undefined;
  const when = str(o.effectiveDateTime) ?? str(o.effectiveInstant) ?? str(period?.start) ?? str(period?.end);
  const whenPath = o.effectiveDateTime !== undefined ? 'Observation.effectiveDateTime' : o.effectiveInstant !== undefined ? 'Observation.effectiveInstant'
    : period?.start !== undefined ? 'Observation.effectivePeriod.start' : 'Observation.effectivePeriod.end';
  if (when !== undefined) {
    const e = effectiveIn(when, whenPath);
    if (typeof e === 'string') fail(400, 'value', e, whenPath);
    else effective = e;
  }

  const codes: string[] = [];
  const codingsOf = (c: unknown) => (isObj(c) ? arr(c.coding).filter(isObj) : []);
  const measureOf = (c: unknown) => {
    for (const coding of codingsOf(c)) {
      const m = measureOfCoding(str(coding.system), str(coding.code));
      if (m) return m;
    }
    return undefined;
  };
  for (const c of codingsOf(o.code)) codes.push(tokenOf(str(c.system), str(c.code)));
  const categories = arr(o.category).flatMap((c) => codingsOf(c).map((x) => tokenOf(str(x.system), str(x.code))));

  const readings: ReadingIn[] = [];
  let notTriaged: string | undefined;
  const quantity = (q: Json, holder: Json, path: string, measure: MeasureCode): ReadingIn | undefined => {
    const flag = meterFlag(holder, q);
    if (q.value === undefined && flag) return { code: measure, path, interpretation: flag, ...(typeof q.code === 'string' ? { unit: q.code } : {}) };
    if (typeof q.value !== 'number' || !Number.isFinite(q.value)) {
      fail(400, 'value', 'valueQuantity.value must be a number.', `${path}.value`);
      return undefined;
    }
    const system = str(q.system);
    if (system !== undefined && system !== UCUM_SYSTEM) {
      fail(422, 'value', `Units must be UCUM (${UCUM_SYSTEM}) for a reading Varde triages.`, `${path}.system`);
      return undefined;
    }
    const prepared = prepareUnit(measure, q.value, str(q.code) ?? str(q.unit));
    return { code: measure, path, ...prepared, ...(flag ? { interpretation: flag } : {}) };
  };

  const main = measureOf(o.code);
  let valueNum: number | undefined;
  let valueUnit: string | undefined;
  const vq = isObj(o.valueQuantity) ? o.valueQuantity : undefined;
  if (vq && typeof vq.value === 'number') {
    valueNum = vq.value;
    valueUnit = str(vq.code) ?? str(vq.unit);
  }
  const components = arr(o.component).filter(isObj);
  components.forEach((c) => {
    for (const x of codingsOf(c.code)) codes.push(tokenOf(str(x.system), str(x.code)));
  });

  if (main === 'bp-panel') {
    components.forEach((c, i) => {
      const m = measureOf(c.code);
      const path = `Observation.component[${i}]`;
      if (!m || m === 'bp-panel' || !isObj(c.valueQuantity)) return; // MAP, body position, absent values: kept, not triaged
      const r = quantity(c.valueQuantity, c, `${path}.valueQuantity`, m);
      if (r) readings.push(r);
    });
    const sys = readings.find((r) => r.code === 'bp_systolic');
    const dia = readings.find((r) => r.code === 'bp_diastolic');
    const mmHg = (r: ReadingIn) => r.unit === undefined || r.unit === 'mm[Hg]' || r.unit === 'mmHg';
    if (sys?.value !== undefined && dia?.value !== undefined && mmHg(sys) && mmHg(dia) && sys.value < dia.value) {
      fail(422, 'business-rule', `Implausible blood pressure: systolic ${sys.value} is below diastolic ${dia.value}. Check the reading (were the two swapped?).`, sys.path.replace(/\.valueQuantity$/, ''));
    }
    if (readings.length === 0) notTriaged = 'The blood pressure panel has no systolic or diastolic value to triage.';
  } else if (main) {
    if (vq) {
      const r = quantity(vq, o, 'Observation.valueQuantity', main);
      if (r) readings.push(r);
    } else if (meterFlag(o, undefined)) {
      readings.push({ code: main, path: 'Observation.valueQuantity', interpretation: meterFlag(o, undefined)! });
    } else if (o.dataAbsentReason !== undefined) {
      notTriaged = 'No value (dataAbsentReason): stored, not triaged.';
    } else {
      const other = Object.keys(o).find((k) => k.startsWith('value'));
      notTriaged = other ? `A ${other} is stored but not triaged; triage needs valueQuantity.` : 'No value: stored, not triaged.';
    }
  } else {
    if (strict) {
      fail(422, 'code-invalid', 'The code is not in Varde\'s clinical catalogue (Prefer: handling=strict refuses it; without it the observation is stored and readable, not triaged).', 'Observation.code');
    }
    notTriaged = 'The code is outside Varde\'s clinical catalogue: stored and readable, not triaged.';
  }
  if (readings.length && effective === undefined) {
    fail(400, 'required', 'effective[x] is required for a reading: when was it measured?', 'Observation.effectiveDateTime');
  }
  if (readings.length && !['final', 'amended', 'corrected'].includes(status)) {
    notTriaged = `Status "${status}" is not a result: stored, not triaged.`;
  }

  if (issues.length) throw new FhirError(status400 ? 400 : 422, issues);
  return {
    resource: o,
    hash: contentHash(o),
    status,
    subject: referenceIn(o.subject),
    device: referenceIn(o.device),
    identifiers,
    key: keys[0]?.value,
    effective,
    readings: notTriaged && !readings.length ? [] : readings,
    codes,
    categories,
    valueNum,
    valueUnit,
    notTriaged,
    panel: main === 'bp-panel',
  };
}
