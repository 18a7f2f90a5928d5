import type {
  AuditEvent, AuditEventAgent, AuditEventEntity, Bundle, BundleEntry, CarePlan, CarePlanActivity, Coding, Communication,
  Device, Extension, Flag, Observation, Patient, QuestionnaireResponse, QuestionnaireResponseItem, Resource,
} from '@medplum/fhirtypes';
import {
  BP_PANEL_LOINC, CATALOGUE, LOINC_SYSTEM, type MeasureCode, UCUM_SYSTEM,
} from '../../domain/catalogue.js';
import { DNR_SYSTEM, FNR_SYSTEM } from '../../domain/identifiers.js';
import type { Schedule, Thresholds } from '../../domain/plan.js';
import { QUESTIONNAIRES, isQuestionnaireCode } from '../../domain/questionnaires.js';
import type { AlertRow } from '../alerts/repo.js';
import type { MessageRow } from '../messages/repo.js';
import type { ObservationRow } from '../observations/repo.js';
import type { PatientRow } from '../patients/repo.js';
import { lexemeOf } from './json.js';
import type { AuditRow, DeviceRow, PlanWithEpisode, QuestionnaireResponseRow } from './repo.js';

/*
 * Pure mapping from Varde's rows to FHIR R4 resources (posted resources are read in
 * observation-in.ts and kept as sent, see observations.ts). No I/O and no clock, so every mapping
 * can be unit-tested and validated against the FHIR definitions.
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
/** What triage did with a posted Observation: live, history, none or retracted (see fhir_resources.triage). */
export const TRIAGE_EXT = `${EXT}/triage`;
/** Why, in words (history: before the episode / older than the live window; none: unknown code, no value, status). */
export const TRIAGE_NOTE_EXT = `${EXT}/triage-note`;
/** effectiveDateTime was date-only or zone-less: local, day, month or year (read in the patient's time zone). */
export const EFFECTIVE_PRECISION_EXT = `${EXT}/effective-precision`;

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

/** The zone as a v3 ObservationInterpretation coding (N / A / AA). */
export function zoneInterpretation(zone: 'green' | 'yellow' | 'red'): Coding {
  return ZONE_INTERPRETATION[zone];
}

/** The zone in words, with the plan version it was judged by. */
export function zoneText(zone: 'green' | 'yellow' | 'red', planVersion: number | null): string {
  return `${ZONE_TEXT[zone]}${planVersion !== null ? ` (egenbehandlingsplan versjon ${planVersion})` : ''}`;
}

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

/** A zod path as FHIRPath under `root`: ['component', 1, 'code'] → `Observation.component[1].code`. */
export function fhirPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), root);
}

/** The decimal text of `holder[key].value` as written (see json.ts), e.g. "48.0". */
export function decimalText(resource: Record<string, unknown>, key: string): string | undefined {
  const q = resource[key];
  if (!q || typeof q !== 'object' || typeof (q as { value?: unknown }).value !== 'number') return undefined;
  return lexemeOf(q, 'value') ?? String((q as { value: number }).value);
}

/**
 * Blood pressure entered in the apps or by device upload (two stored readings of one sitting) as
 * the 85354-9 panel the vital signs profile describes, under the systolic reading's id.
 */
export function bloodPressurePanel(sys: ObservationRow, dia: ObservationRow): Observation {
  const one = observationResource(sys);
  const component = [sys, dia].map((o) => ({
    code: { coding: codingsFor(o.code), text: CATALOGUE[o.code].display.nb },
    valueQuantity: { value: o.value, unit: CATALOGUE[o.code].unitDisplay, system: UCUM_SYSTEM, code: o.unit },
    ...(o.zone ? { interpretation: [{ coding: [ZONE_INTERPRETATION[o.zone]] }] } : {}),
  }));
  const zones = [sys.zone, dia.zone];
  const zone = zones.includes('red') ? 'red' : zones.includes('yellow') ? 'yellow' : (sys.zone ?? dia.zone);
  return prune<Observation>({
    ...one,
    extension: [...planExtensions(zone, sys.plan_version), { url: SOURCE_EXT, valueCode: sys.source }],
    code: { coding: [{ system: LOINC_SYSTEM, code: BP_PANEL_LOINC, display: 'Blood pressure panel with all children optional' }], text: 'Blodtrykk' },
    valueQuantity: undefined,
    interpretation: zone
      ? [{ coding: [ZONE_INTERPRETATION[zone]], text: `${ZONE_TEXT[zone]}${sys.plan_version !== null ? ` (egenbehandlingsplan versjon ${sys.plan_version})` : ''}` }]
      : undefined,
    component,
  });
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
    extension: [...(r.score !== null ? [{ url: QUESTIONNAIRE_SCORE_EXT, valueDecimal: r.score }] : []), ...planExtensions(r.zone, r.plan_version)],
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
