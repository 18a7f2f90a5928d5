import { createHash } from 'node:crypto';
import type {
  AuditEvent, AuditEventAgent, AuditEventEntity, Bundle, BundleEntry, CarePlan, CarePlanActivity, CodeableConcept, Coding, Communication,
  Device, Extension, Flag, Observation, Patient, QuestionnaireResponse, QuestionnaireResponseItem, Resource,
} from '@medplum/fhirtypes';
import { z } from 'zod';
import {
  BP_PANEL_LOINC, CATALOGUE, LOINC_SYSTEM, MEASURE_CODE_LIST, type MeasureCode, UCUM_SYSTEM, VARDE_CODE_SYSTEM, normaliseMeasurement,
} from '../../domain/catalogue.js';
import { DNR_SYSTEM, FNR_SYSTEM } from '../../domain/identifiers.js';
import type { Schedule, Thresholds } from '../../domain/plan.js';
import { QUESTIONNAIRES, isQuestionnaireCode } from '../../domain/questionnaires.js';
import type { AlertRow } from '../alerts/repo.js';
import type { MessageRow } from '../messages/repo.js';
import type { ObservationRow } from '../observations/repo.js';
import type { PatientRow } from '../patients/repo.js';
import { FhirError, type Issue, fhirError } from './outcome.js';
import type { AuditRow, DeviceRow, PlanWithEpisode, QuestionnaireResponseRow } from './repo.js';
import { type Token, tokenMatches } from './search.js';

/*
 * Pure mapping between Varde's rows and FHIR R4 resources, both ways. No I/O and no clock, so
 * every mapping can be unit-tested and validated against the FHIR definitions.
 */

// ------------------------------------------------------------------ systems and extensions

/** Identifier system of the client-chosen idempotency key (one sitting = one key). */
export const IDEMPOTENCY_SYSTEM = 'urn:varde:idempotency';
export const DEVICE_SERIAL_SYSTEM = 'urn:varde:device-serial';
export const ALERT_RULE_SYSTEM = 'urn:varde:alert-rule';
/** Enhetsregisteret (Brønnøysund) organisation numbers. */
export const ORG_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';
export const VITALSIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';
export const QUESTIONNAIRE_BASE = 'https://varde.no/fhir/Questionnaire';

const EXT = 'https://varde.no/fhir/StructureDefinition';
/** Triage zone under the patient's own plan: green / yellow / red (Flag: yellow / red / missing). */
export const ZONE_EXT = `${EXT}/zone`;
/** Version of the self-management plan the value was judged by. */
export const PLAN_VERSION_EXT = `${EXT}/plan-version`;
/** Who entered the value: patient, device or personnel. */
export const SOURCE_EXT = `${EXT}/source`;
/** The complete plan definition (JSON) behind a CarePlan, for systems that want the exact rules. */
export const PLAN_DEFINITION_EXT = `${EXT}/plan-definition`;
/** Alert workflow state: open / acknowledged / resolved (Flag.status only knows active/inactive). */
export const ALERT_STATUS_EXT = `${EXT}/alert-status`;
export const QUESTIONNAIRE_SCORE_EXT = `${EXT}/total-score`;

const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

/** Drops undefined members so optional elements are absent rather than present-and-empty. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => prune(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out as T;
  }
  return value;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);
const patientRef = (id: string) => ({ reference: `Patient/${id}` });

// ------------------------------------------------------------------ codes

type Category = 'vital-signs' | 'survey' | 'laboratory';

/**
 * Codings that mean a catalogue measure. The first per measure is the catalogue's own; the others
 * are accepted on input and, where FHIR profiles ask for them (2708-6 on SpO2), also sent.
 */
const EXTRA_CODINGS: { measure: MeasureCode; system: string; code: string; display: string; output: boolean }[] = [
  { measure: 'spo2', system: LOINC_SYSTEM, code: '2708-6', display: 'Oxygen saturation in Arterial blood', output: true },
  { measure: 'glucose', system: LOINC_SYSTEM, code: '15074-8', display: 'Glucose [Moles/volume] in Blood', output: false },
];
/** Blood pressure panels: accepted on create (split into systolic/diastolic), and as a search code. */
const BP_PANEL_CODES = [BP_PANEL_LOINC, '55284-4'];

/** The codings an Observation of this measure carries. */
export function codingsFor(code: MeasureCode): Coding[] {
  const def = CATALOGUE[code];
  return [
    { system: def.loinc.system, code: def.loinc.code, display: def.loinc.display },
    ...EXTRA_CODINGS.filter((e) => e.measure === code && e.output).map((e) => ({ system: e.system, code: e.code, display: e.display })),
  ];
}

/** FHIR category: scores are surveys; glucose is a laboratory value (not in the vital signs profile); the rest are vital signs. */
export function categoryOf(code: MeasureCode): Category {
  if (CATALOGUE[code].kind === 'score') return 'survey';
  return code === 'glucose' ? 'laboratory' : 'vital-signs';
}

const CATEGORY_DISPLAY: Record<Category, string> = { 'vital-signs': 'Vital Signs', survey: 'Survey', laboratory: 'Laboratory' };

function measureForCoding(system: string | undefined, code: string | undefined): MeasureCode | 'bp-panel' | undefined {
  if (!system || !code) return undefined;
  if (system === LOINC_SYSTEM && BP_PANEL_CODES.includes(code)) return 'bp-panel';
  for (const m of MEASURE_CODE_LIST) {
    const l = CATALOGUE[m].loinc;
    if (l.system === system && l.code === code) return m;
  }
  return EXTRA_CODINGS.find((e) => e.system === system && e.code === code)?.measure;
}

/**
 * Measures selected by `code` search tokens (OR). A blood pressure panel code selects both
 * blood pressure measures, since the server keeps them as two observations.
 */
export function measuresForCodeTokens(tokens: Token[]): MeasureCode[] {
  const out = new Set<MeasureCode>();
  for (const t of tokens) {
    for (const m of MEASURE_CODE_LIST) {
      if (codingsFor(m).some((c) => tokenMatches(t, c.system, c.code!))) out.add(m);
      if (EXTRA_CODINGS.some((e) => e.measure === m && tokenMatches(t, e.system, e.code))) out.add(m);
    }
    if (BP_PANEL_CODES.some((c) => tokenMatches(t, LOINC_SYSTEM, c)) && t.code !== undefined) {
      out.add('bp_systolic');
      out.add('bp_diastolic');
    }
  }
  return [...out];
}

/** Measures selected by `category` search tokens (OR). */
export function measuresForCategoryTokens(tokens: Token[]): MeasureCode[] {
  return MEASURE_CODE_LIST.filter((m) => tokens.some((t) => tokenMatches(t, OBS_CATEGORY, categoryOf(m))));
}

// ------------------------------------------------------------------ Patient

/** Splits "Kari Nordmann" into given and family names; `text` keeps the name exactly as registered. */
function humanName(name: string) {
  const parts = name.trim().split(/\s+/);
  const family = parts.length > 1 ? parts[parts.length - 1] : undefined;
  const given = parts.length > 1 ? parts.slice(0, -1) : parts;
  return { use: 'official' as const, text: name, family, given };
}

/** Patient with the Norwegian national identifier (fødselsnummer or D-nummer) as official identifier. */
export function patientResource(p: PatientRow): Patient {
  return prune<Patient>({
    resourceType: 'Patient',
    id: p.id,
    meta: { lastUpdated: iso(p.created_at) },
    identifier: [{ use: 'official', system: p.identifier_system === 'dnr' ? DNR_SYSTEM : FNR_SYSTEM, value: p.identifier }],
    name: [humanName(p.name)],
    telecom: p.phone ? [{ system: 'phone', value: p.phone, use: 'mobile' }] : undefined,
    gender: p.sex,
    birthDate: p.birth_date,
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: p.lang }] }, preferred: true }],
  });
}

// ------------------------------------------------------------------ Observation

const ZONE_INTERPRETATION: Record<'green' | 'yellow' | 'red', Coding> = {
  green: { system: INTERPRETATION, code: 'N', display: 'Normal' },
  yellow: { system: INTERPRETATION, code: 'A', display: 'Abnormal' },
  red: { system: INTERPRETATION, code: 'AA', display: 'Critical abnormal' },
};
const ZONE_TEXT = { green: 'Grønn sone', yellow: 'Gul sone', red: 'Rød sone' } as const;

function planExtensions(zone: string | null, planVersion: number | null): Extension[] {
  return [
    ...(zone ? [{ url: ZONE_EXT, valueCode: zone }] : []),
    ...(planVersion !== null ? [{ url: PLAN_VERSION_EXT, valueInteger: planVersion }] : []),
  ];
}

/**
 * One stored reading as an Observation. Vital signs claim the base vital signs profile; blood
 * pressure is stored (and so returned) as separate systolic (8480-6) and diastolic (8462-4)
 * observations. The zone is given both as a Varde extension and as a standard interpretation
 * (N / A / AA), judged by the patient's own plan thresholds, not population reference ranges.
 */
export function observationResource(o: ObservationRow): Observation {
  const def = CATALOGUE[o.code];
  const category = categoryOf(o.code);
  const extension = [...planExtensions(o.zone, o.plan_version), { url: SOURCE_EXT, valueCode: o.source }];
  const [performerKind, performerId] = o.recorded_by.split(':', 2);
  return prune<Observation>({
    resourceType: 'Observation',
    id: o.id,
    meta: { lastUpdated: iso(o.received_at), profile: category === 'vital-signs' ? [VITALSIGNS_PROFILE] : undefined },
    extension,
    identifier: o.idempotency_key ? [{ system: IDEMPOTENCY_SYSTEM, value: o.idempotency_key }] : undefined,
    status: 'final',
    category: [{ coding: [{ system: OBS_CATEGORY, code: category, display: CATEGORY_DISPLAY[category] }], text: CATEGORY_DISPLAY[category] }],
    code: { coding: codingsFor(o.code), text: def.display.nb },
    subject: patientRef(o.patient_id),
    effectiveDateTime: iso(o.effective_at),
    issued: iso(o.received_at),
    performer: performerKind === 'patient' && performerId ? [patientRef(performerId)] : undefined,
    valueQuantity: { value: o.value, unit: def.unitDisplay || 'score', system: UCUM_SYSTEM, code: o.unit },
    interpretation: o.zone
      ? [{ coding: [ZONE_INTERPRETATION[o.zone]], text: `${ZONE_TEXT[o.zone]}${o.plan_version !== null ? ` (egenbehandlingsplan versjon ${o.plan_version})` : ''}` }]
      : undefined,
    device: o.device_id ? { reference: `Device/${o.device_id}` } : undefined,
  });
}

/** One reading of a posted Observation, with the FHIRPath of its parts for error messages. */
export interface MeasurementInput {
  code: MeasureCode;
  value: number;
  unit?: string;
  codePath: string;
  valuePath: string;
  unitPath: string;
}

export type SubjectInput = { patientId: string } | { identifierSystem: 'fnr' | 'dnr'; identifier: string };

/** What a posted Observation asks the server to record. */
export interface ObservationInput {
  subject: SubjectInput;
  /** Client-chosen idempotency key (identifier with system urn:varde:idempotency), if any. */
  key?: string;
  /** ISO 8601 with offset, as posted. */
  effectiveAt: string;
  measurements: MeasurementInput[];
  deviceId?: string;
  /** A blood pressure panel: one posted resource becomes several stored observations. */
  panel: boolean;
}

const CodingIn = z.looseObject({ system: z.string().optional(), code: z.string().optional() });
const ConceptIn = z.looseObject({ coding: z.array(CodingIn).optional(), text: z.string().optional() });
const QuantityIn = z.looseObject({
  value: z.number({ error: 'must be a number' }),
  unit: z.string().optional(),
  system: z.string().optional(),
  code: z.string().optional(),
});
const ReferenceIn = z.looseObject({
  reference: z.string().optional(),
  identifier: z.looseObject({ system: z.string().optional(), value: z.string().optional() }).optional(),
});
const ObservationIn = z.looseObject({
  resourceType: z.literal('Observation', { error: 'must be Observation' }),
  identifier: z.array(z.looseObject({ system: z.string().optional(), value: z.string().optional() })).optional(),
  status: z.enum(['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'], {
    error: 'must be an Observation status code (e.g. final)',
  }),
  code: ConceptIn,
  subject: ReferenceIn,
  effectiveDateTime: z.string().optional(),
  effectiveInstant: z.string().optional(),
  valueQuantity: QuantityIn.optional(),
  component: z.array(z.looseObject({ code: ConceptIn, valueQuantity: QuantityIn.optional() })).optional(),
  device: ReferenceIn.optional(),
});

/** A zod path as FHIRPath under `root`: ['component', 1, 'code'] → `Observation.component[1].code`. */
export function fhirPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), root);
}

const FULL_DATETIME = z.iso.datetime({ offset: true });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Last `Type/id` of a reference (relative or absolute), or undefined. */
export function referenceId(ref: string | undefined, type: string): string | undefined {
  if (!ref) return undefined;
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})$`).exec(ref);
  return m?.[1];
}

/** The catalogue's codes in a form a client can act on, for "unknown code" messages. */
function supportedCodes(): string {
  return [...MEASURE_CODE_LIST.map((m) => `${CATALOGUE[m].loinc.system}|${CATALOGUE[m].loinc.code}`), `${LOINC_SYSTEM}|${BP_PANEL_LOINC} (panel)`].join(', ');
}

/**
 * Reads a posted Observation into measurements to record. Accepts a single reading (catalogue
 * LOINC or local code with valueQuantity) or a blood pressure panel (85354-9) whose components
 * (systolic 8480-6 and diastolic 8462-4, optionally heart rate) become separate readings of one
 * sitting. Unit conversion and plausibility are left to the recording service, which owns them.
 * @param body the posted resource (untrusted)
 * @returns the input, or throws FhirError 400 (malformed) / 422 (well-formed but not acceptable)
 */
export function observationInput(body: unknown): ObservationInput {
  const parsed = ObservationIn.safeParse(body);
  if (!parsed.success) {
    throw new FhirError(400, parsed.error.issues.map((i) => ({ code: 'invalid', diagnostics: i.message, expression: [fhirPath('Observation', i.path)] })));
  }
  const o = parsed.data;
  const issues: Issue[] = [];
  // Malformed input (400) wins over business rules (422): the client must fix the syntax first.
  let malformed = false;
  const fail = (status: 400 | 422, code: Issue['code'], diagnostics: string, expression: string): void => {
    issues.push({ code, diagnostics, expression: [expression] });
    if (status === 400) malformed = true;
  };

  if (!['final', 'amended', 'corrected'].includes(o.status)) {
    fail(422, 'business-rule', `Only results (status final, amended or corrected) are recorded, not "${o.status}".`, 'Observation.status');
  }
  const otherValue = Object.keys(o).find((k) => k.startsWith('value') && k !== 'valueQuantity');
  if (otherValue) fail(400, 'not-supported', `Only valueQuantity is accepted, not ${otherValue}.`, `Observation.${otherValue}`);
  if ('dataAbsentReason' in o) fail(422, 'business-rule', 'A reading without a value (dataAbsentReason) is not recorded.', 'Observation.dataAbsentReason');

  const effective = o.effectiveDateTime ?? o.effectiveInstant;
  const effectivePath = o.effectiveDateTime !== undefined ? 'Observation.effectiveDateTime' : 'Observation.effectiveInstant';
  if (effective === undefined) fail(400, 'required', 'effectiveDateTime is required: when was it measured?', 'Observation.effectiveDateTime');
  else if (!FULL_DATETIME.safeParse(effective).success) {
    fail(400, 'value', 'Give the measurement time as a date and time with a time zone, e.g. 2025-03-01T08:30:00+01:00.', effectivePath);
  }

  let subject: SubjectInput | undefined;
  const patientId = referenceId(o.subject.reference, 'Patient');
  const ident = o.subject.identifier;
  if (patientId) subject = { patientId };
  else if (ident?.value && (ident.system === FNR_SYSTEM || ident.system === DNR_SYSTEM)) {
    subject = { identifierSystem: ident.system === DNR_SYSTEM ? 'dnr' : 'fnr', identifier: ident.value.replace(/\s/g, '') };
  } else {
    fail(400, 'required', `subject must be Patient/[id] or an identifier with system ${FNR_SYSTEM} (or ${DNR_SYSTEM}).`, 'Observation.subject');
  }

  let deviceId: string | undefined;
  if (o.device) {
    deviceId = referenceId(o.device.reference, 'Device');
    if (!deviceId || !UUID.test(deviceId)) fail(400, 'value', 'device must be Device/[id] of a known device.', 'Observation.device');
  }

  const keys = (o.identifier ?? []).filter((i) => i.system === IDEMPOTENCY_SYSTEM);
  if (keys.length > 1) fail(400, 'invalid', `At most one identifier with system ${IDEMPOTENCY_SYSTEM}.`, 'Observation.identifier');
  if (keys.length === 1 && !keys[0]!.value) fail(400, 'required', `The ${IDEMPOTENCY_SYSTEM} identifier needs a value.`, 'Observation.identifier');
  const key = keys[0]?.value;

  const measurements: MeasurementInput[] = [];
  const quantity = (q: z.infer<typeof QuantityIn>, path: string) => {
    if (q.system !== undefined && q.system !== UCUM_SYSTEM) {
      fail(422, 'value', `Units must be UCUM (${UCUM_SYSTEM}).`, `${path}.system`);
    }
    return { value: q.value, unit: q.code ?? q.unit, valuePath: `${path}.value`, unitPath: `${path}.${q.code !== undefined ? 'code' : 'unit'}` };
  };
  const codeOf = (c: z.infer<typeof ConceptIn>) => {
    for (const coding of c.coding ?? []) {
      const m = measureForCoding(coding.system, coding.code);
      if (m) return m;
    }
    return undefined;
  };
  const main = codeOf(o.code);
  if (main === undefined) {
    fail(422, 'code-invalid', `Unknown or unsupported code. Supported: ${supportedCodes()}.`, 'Observation.code');
  } else if (main === 'bp-panel') {
    if (o.valueQuantity) fail(400, 'invalid', 'A blood pressure panel carries its values in component, not valueQuantity.', 'Observation.valueQuantity');
    (o.component ?? []).forEach((c, i) => {
      const path = `Observation.component[${i}]`;
      const m = codeOf(c.code);
      if (m === undefined || m === 'bp-panel') return fail(422, 'code-invalid', `Unknown component code. Supported: ${supportedCodes()}.`, `${path}.code`);
      if (!c.valueQuantity) return fail(400, 'required', 'The component needs a valueQuantity.', `${path}.valueQuantity`);
      measurements.push({ code: m, codePath: `${path}.code`, ...quantity(c.valueQuantity, `${path}.valueQuantity`) });
    });
    const codes = new Set(measurements.map((m) => m.code));
    if (!codes.has('bp_systolic') || !codes.has('bp_diastolic')) {
      fail(422, 'required', 'A blood pressure panel needs both a systolic (8480-6) and a diastolic (8462-4) component.', 'Observation.component');
    }
  } else {
    if (o.component?.length) fail(400, 'not-supported', 'component is only accepted on a blood pressure panel (85354-9).', 'Observation.component');
    if (!o.valueQuantity) fail(400, 'required', 'valueQuantity is required.', 'Observation.valueQuantity');
    else measurements.push({ code: main, codePath: 'Observation.code', ...quantity(o.valueQuantity, 'Observation.valueQuantity') });
  }

  if (issues.length > 0) throw new FhirError(malformed ? 400 : 422, issues);
  return prune({ subject: subject!, key, effectiveAt: effective!, measurements, deviceId, panel: main === 'bp-panel' });
}

/**
 * The idempotency key for a posted Observation that names none: a hash of when and what was
 * measured. A device re-sending the same reading for the same time gets the stored one back
 * instead of a duplicate; two different readings cannot collide. Values are normalised first so
 * 99 mg/dL and 5.5 mmol/L of the same sitting are one reading.
 */
export function derivedKey(effectiveAt: string, measurements: Pick<MeasurementInput, 'code' | 'value' | 'unit'>[]): string {
  const canonical = measurements
    .map((m) => {
      const n = normaliseMeasurement({ code: m.code, value: m.value, ...(m.unit !== undefined ? { unit: m.unit } : {}) });
      return n.ok ? [n.value.code, n.value.value, n.value.unit] : [m.code, m.value, m.unit ?? ''];
    })
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const at = new Date(effectiveAt).toISOString();
  return `fhir-sha256:${createHash('sha256').update(JSON.stringify([at, canonical])).digest('base64url')}`;
}

/**
 * Reads the key from a conditional-create header (`If-None-Exist: identifier=urn:varde:idempotency|KEY`).
 * Only that form is supported: the server has no general conditional create.
 */
export function keyFromIfNoneExist(header: string): string {
  const params = new URLSearchParams(header.trim());
  const ident = params.get('identifier');
  if ([...params.keys()].length !== 1 || ident === null) {
    throw fhirError(400, 'not-supported', `If-None-Exist supports only identifier=${IDEMPOTENCY_SYSTEM}|[key].`);
  }
  const i = ident.indexOf('|');
  const system = i < 0 ? undefined : ident.slice(0, i);
  if (system !== undefined && system !== IDEMPOTENCY_SYSTEM) {
    throw fhirError(400, 'not-supported', `If-None-Exist supports only identifiers of system ${IDEMPOTENCY_SYSTEM}.`);
  }
  return i < 0 ? ident : ident.slice(i + 1);
}

// ------------------------------------------------------------------ QuestionnaireResponse

/** A stored questionnaire answer set; items carry the question text (bokmål) and the chosen value. */
export function questionnaireResponseResource(r: QuestionnaireResponseRow): QuestionnaireResponse {
  const def = isQuestionnaireCode(r.questionnaire) ? QUESTIONNAIRES[r.questionnaire] : undefined;
  const order = def ? def.items.map((i) => i.id) : [];
  const ids = Object.keys(r.answers).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || a.localeCompare(b);
  });
  const item: QuestionnaireResponseItem[] = ids.map((linkId) => ({
    linkId,
    text: def?.items.find((i) => i.id === linkId)?.text.nb,
    answer: [{ valueInteger: r.answers[linkId]! }],
  }));
  return prune<QuestionnaireResponse>({
    resourceType: 'QuestionnaireResponse',
    id: r.id,
    meta: { lastUpdated: iso(r.received_at) },
    extension: [{ url: QUESTIONNAIRE_SCORE_EXT, valueDecimal: r.score }, ...planExtensions(r.zone, r.plan_version)],
    identifier: r.idempotency_key ? { system: IDEMPOTENCY_SYSTEM, value: r.idempotency_key } : undefined,
    questionnaire: `${QUESTIONNAIRE_BASE}/${r.questionnaire}`,
    status: 'completed',
    subject: patientRef(r.patient_id),
    authored: iso(r.effective_at),
    author: patientRef(r.patient_id),
    source: patientRef(r.patient_id),
    item: item.length ? item : undefined,
  });
}

// ------------------------------------------------------------------ CarePlan

const WEEKDAYS_NB = ['', 'man', 'tir', 'ons', 'tor', 'fre', 'lør', 'søn'];

/** The schedule in words (bokmål), as the patient sees it. */
export function scheduleText(s: Schedule): string {
  switch (s.kind) {
    case 'daily':
      return `Daglig innen kl. ${s.dueBy}${s.graceMinutes ? ` (regnes som manglende ${s.graceMinutes} min etter fristen)` : ''}`;
    case 'weekly':
      return `Ukentlig (${s.weekdays.map((d) => WEEKDAYS_NB[d]).join(', ')}) innen kl. ${s.dueBy}${s.graceMinutes ? ` (regnes som manglende ${s.graceMinutes} min etter fristen)` : ''}`;
    case 'as_needed':
      return 'Ved behov';
  }
}

function thresholdText(t: Thresholds, unit: string): string {
  const u = unit ? ` ${unit}` : '';
  const parts = [
    t.redBelow !== undefined ? `rød under ${t.redBelow}${u}` : null,
    t.yellowBelow !== undefined ? `gul under ${t.yellowBelow}${u}` : null,
    t.yellowAbove !== undefined ? `gul over ${t.yellowAbove}${u}` : null,
    t.redAbove !== undefined ? `rød over ${t.redAbove}${u}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(', ') : 'ingen grenser';
}

export type CarePlanStatus = 'active' | 'draft' | 'revoked' | 'completed';

/**
 * FHIR status of a plan version: the approved version is active (completed once the episode has
 * ended), a draft is a draft, and a superseded version is revoked — it no longer applies.
 */
export function carePlanStatus(p: Pick<PlanWithEpisode, 'status' | 'episode_status'>): CarePlanStatus {
  if (p.status === 'draft') return 'draft';
  if (p.status === 'superseded') return 'revoked';
  return p.episode_status === 'ended' ? 'completed' : 'active';
}

const ACTIVITY_STATUS = { active: 'in-progress', draft: 'not-started', revoked: 'stopped', completed: 'completed' } as const;

/** One version of the self-management plan (egenbehandlingsplan). */
export function carePlanResource(p: PlanWithEpisode): CarePlan {
  const status = carePlanStatus(p);
  const def = p.definition;
  const activity: CarePlanActivity[] = [...def.measures, ...def.questionnaires].map((m) => {
    const c = CATALOGUE[m.code];
    return {
      detail: {
        code: { coding: codingsFor(m.code), text: c.display.nb },
        status: ACTIVITY_STATUS[status],
        scheduledString: scheduleText(m.schedule),
        description: `Grenser: ${thresholdText(m.thresholds, c.unitDisplay)}. Grønn: ${m.actions.green.nb} Gul: ${m.actions.yellow.nb} Rød: ${m.actions.red.nb}`,
      },
    };
  });
  const end = p.status === 'superseded' ? p.superseded_at : p.status === 'approved' ? p.episode_ended_at : null;
  return prune<CarePlan>({
    resourceType: 'CarePlan',
    id: p.id,
    meta: { lastUpdated: iso(p.approved_at ?? p.created_at) },
    extension: [{ url: PLAN_VERSION_EXT, valueInteger: p.version }, { url: PLAN_DEFINITION_EXT, valueString: JSON.stringify(def) }],
    status,
    intent: 'plan',
    category: [{ text: 'Egenbehandlingsplan' }],
    title: `Egenbehandlingsplan versjon ${p.version}`,
    subject: patientRef(p.patient_id),
    period: p.approved_at ? { start: iso(p.approved_at), end: iso(end) } : undefined,
    created: iso(p.created_at),
    author: p.approved_by_name ? { display: p.approved_by_name } : undefined,
    activity: activity.length ? activity : undefined,
    note: [
      ...(def.medicines.trim() ? [{ text: `Medisiner: ${def.medicines}` }] : []),
      ...(def.contacts.trim() ? [{ text: `Kontakter: ${def.contacts}` }] : []),
    ],
  });
}

// ------------------------------------------------------------------ Flag

/** An alert from the triage engine; the code text is the nurse-facing summary in bokmål. */
export function flagResource(a: AlertRow): Flag {
  return prune<Flag>({
    resourceType: 'Flag',
    id: a.id,
    meta: { lastUpdated: iso(a.resolved_at ?? a.acknowledged_at ?? a.last_at) },
    extension: [...planExtensions(a.zone, a.plan_version), { url: ALERT_STATUS_EXT, valueCode: a.status }],
    status: a.status === 'resolved' ? 'inactive' : 'active',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical', display: 'Clinical' }] }],
    code: { coding: [{ system: ALERT_RULE_SYSTEM, code: a.rule_id }], text: a.summary.nb },
    subject: patientRef(a.patient_id),
    period: { start: iso(a.first_at), end: iso(a.resolved_at) },
    author: { display: 'Varde triage' },
  });
}

// ------------------------------------------------------------------ Communication

/** A message between the patient and the follow-up service. */
export function communicationResource(m: MessageRow): Communication {
  const fromPatient = m.sender_kind === 'patient';
  return prune<Communication>({
    resourceType: 'Communication',
    id: m.id,
    meta: { lastUpdated: iso(m.created_at) },
    status: 'completed',
    subject: patientRef(m.patient_id),
    sent: iso(m.created_at),
    received: iso(m.read_at),
    sender: fromPatient ? { ...patientRef(m.patient_id), display: m.sender_name ?? undefined } : { type: 'Practitioner', display: m.sender_name ?? 'Helsepersonell' },
    recipient: fromPatient ? [{ type: 'Organization', display: 'Oppfølgingstjenesten' }] : [patientRef(m.patient_id)],
    payload: [{ contentString: m.body }],
  });
}

// ------------------------------------------------------------------ Device

/**
 * A home-monitoring device. `showPatient` decides whether the current loan is disclosed: it is
 * patient data, so only callers allowed to know it get Device.patient.
 */
export function deviceResource(d: DeviceRow, showPatient: boolean): Device {
  return prune<Device>({
    resourceType: 'Device',
    id: d.id,
    meta: { lastUpdated: iso(d.created_at) },
    identifier: [{ system: DEVICE_SERIAL_SYSTEM, value: d.serial }],
    status: 'active',
    serialNumber: d.serial,
    deviceName: [{ name: d.model, type: 'model-name' }],
    type: { text: d.kind },
    owner: { type: 'Organization', identifier: { system: ORG_NUMBER_SYSTEM, value: d.org_number }, display: d.organisation_name },
    patient: showPatient && d.lent_to ? patientRef(d.lent_to) : undefined,
  });
}

// ------------------------------------------------------------------ AuditEvent

const ACTION: Record<AuditRow['action'], 'C' | 'R' | 'U' | 'D' | 'E'> = {
  create: 'C', read: 'R', update: 'U', delete: 'D', search: 'E', login: 'E', logout: 'E',
};
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
/** Resource types whose audit resource ids are ids on this FHIR server, so they can be referenced. */
const SERVED = new Set(['Patient', 'Observation', 'CarePlan', 'Flag', 'Communication', 'Device', 'QuestionnaireResponse']);

/** One audit record: who (person or integration, organisation, role) did what to whose data, and whether it was allowed. */
export function auditEventResource(a: AuditRow): AuditEvent {
  const auth = a.action === 'login' || a.action === 'logout';
  const type: Coding = auth
    ? { system: DCM, code: '110114', display: 'User Authentication' }
    : { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' };
  const subtype: Coding = auth
    ? { system: DCM, code: a.action === 'login' ? '110122' : '110123', display: a.action === 'login' ? 'Login' : 'Logout' }
    : { system: 'http://hl7.org/fhir/restful-interaction', code: a.action === 'search' ? 'search-type' : a.action };
  const agent: AuditEventAgent[] = [
    {
      type: { text: a.actor_kind },
      who: { identifier: { system: `urn:varde:${a.actor_kind}`, value: a.actor_id }, display: a.actor_name ?? undefined },
      role: a.role ? [{ text: a.role }] : undefined,
      requestor: true,
    },
    ...(a.organisation_id
      ? [{ type: { text: 'organisation' }, who: { identifier: { system: 'urn:varde:organisation', value: a.organisation_id }, display: a.organisation_name ?? undefined }, requestor: false }]
      : []),
  ];
  const entity: AuditEventEntity[] = [
    ...(a.patient_id
      ? [{
          what: patientRef(a.patient_id),
          type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
          role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
        }]
      : []),
    SERVED.has(a.resource_type) && a.resource_id && !(a.resource_type === 'Patient' && a.resource_id === a.patient_id)
      ? { what: { reference: `${a.resource_type}/${a.resource_id}` }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' } }
      : { name: a.resource_id ? `${a.resource_type}/${a.resource_id}` : a.resource_type, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' } },
  ];
  return prune<AuditEvent>({
    resourceType: 'AuditEvent',
    id: String(a.id),
    type,
    subtype: [subtype],
    action: ACTION[a.action],
    recorded: iso(a.at)!,
    outcome: a.outcome === 'success' ? '0' : '4',
    outcomeDesc: a.outcome === 'denied' ? 'Access denied: no care relation or missing permission' : undefined,
    agent,
    source: { site: a.route ?? undefined, observer: { display: 'Varde' } },
    entity,
  });
}

// ------------------------------------------------------------------ Bundles

/** A searchset Bundle; fullUrl is absolute, as R4 requires for entries with a server id. */
export function searchset(base: string, selfUrl: string, resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: selfUrl }],
    // FHIR JSON has no empty arrays: no matches means no `entry` at all.
    ...(resources.length
      ? { entry: resources.map((r): BundleEntry => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })) }
      : {}),
  };
}

/** The patient id part of a SubjectInput, for callers that resolved it. */
export function isPatientRef(s: SubjectInput): s is { patientId: string } {
  return 'patientId' in s;
}
