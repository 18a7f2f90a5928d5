import { createHash } from 'node:crypto';
import type {
  Bundle, BundleEntry, Composition, CompositionSection, DetectedIssue, Observation, Organization, Practitioner, QuestionnaireResponse, Reference, Resource,
} from '@medplum/fhirtypes';
import { CATALOGUE, isMeasureCode, LOINC_SYSTEM, type MeasureCode } from '../../domain/catalogue.js';
import { DNR_SYSTEM, FNR_SYSTEM } from '../../domain/identifiers.js';
import { isQuestionnaireCode } from '../../domain/questionnaires.js';
import type { AlertRow } from '../alerts/repo.js';
import type { Queryable } from '../db/port.js';
import {
  bloodPressurePanel, observationResource, ORG_NUMBER_SYSTEM, patientResource, questionnaireResponseResource,
} from '../fhir/mappers.js';
import type { QuestionnaireResponseRow } from '../fhir/repo.js';
import type { ObservationRow } from '../observations/repo.js';
import type { PatientRow } from '../patients/repo.js';

/*
 * The VKP DHO document: when a nurse acknowledges or resolves an alert, the municipality's EPJ
 * gets a FHIR R4 document Bundle through the velferdsteknologisk knutepunkt (Norsk helsenett) —
 * Composition (vkp-Composition-v090), DetectedIssue (vkp-DetectedIssue-v090) with the VKP alert
 * code, the Observations (VkpObservation 0.5.1 profiles) or QuestionnaireResponse
 * (vkp-QuestionnaireReponse-v090) behind the alert, the patient, the nurse, the organisation,
 * and the nurse's contact note as the follow-up section. Pure: built from rows, no I/O, no clock.
 * Profiles and code systems: HL7Norway/Velferdsteknologi (VKP-R4) and HL7Norway/VkpObservation,
 * vendored with their sources in test/national/.
 */

const EHELSE = 'http://ehelse.no/fhir';
export const VKP_ALERT_CODE_SYSTEM = `${EHELSE}/CodeSystem/vkp-alert-code-v090`;
export const VKP_COMPOSITION_CATEGORY_SYSTEM = `${EHELSE}/CodeSystem/vkp-composition-category-v090`;
export const VKP_COMPOSITION_EVENT_SYSTEM = `${EHELSE}/CodeSystem/vkp-composition-event-v090`;
export const VKP_COMPOSITION_SECTION_SYSTEM = `${EHELSE}/CodeSystem/vkp-composition-section-v090`;
export const VKP_COMPOSITION_PROFILE = `${EHELSE}/StructureDefinition/vkp-Composition-v090`;
export const VKP_DETECTEDISSUE_PROFILE = `${EHELSE}/StructureDefinition/vkp-DetectedIssue-v090`;
/** Sic: the published profile's URL spells "Reponse". */
export const VKP_QUESTIONNAIRERESPONSE_PROFILE = `${EHELSE}/StructureDefinition/vkp-QuestionnaireReponse-v090`;
const VKPOBS = 'http://hl7.no/fhir/vkpobservation/StructureDefinition';
export const VKP_OBSERVATION_PROFILES = {
  base: `${VKPOBS}/vkp-Observation`,
  spo2: `${VKPOBS}/vkp-Observation-Oxygensat`,
  heart_rate: `${VKPOBS}/vkp-Observation-Heartrate`,
  resp_rate: `${VKPOBS}/vkp-Observation-Resprate`,
  bp: `${VKPOBS}/vkp-Observation-Bloodpressure`,
  weight: `${VKPOBS}/vkp-Observation-Bodyweight`,
  temperature: `${VKPOBS}/vkp-Observation-Bodytemp`,
} as const;
export const HPR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.4';
/** The version of the VKP profiles this document follows (both repositories' current build). */
export const VKP_PROFILE_VERSION = 'VKP-R4 0.9.0 / VkpObservation 0.5.1';

/**
 * VKP alert codes for digital hjemmeoppfølging, from the published code system (code 5 "Digital
 * hjemmeoppfølging" and below). DESIGN.md §4 lists them as 1.1, 1.2, 2, 2.1, 2.2; in the code
 * system those numbers are medicine-dispenser and location alerts, so the published codes are used.
 */
export const VKP_ALERT_CODES = {
  measurement: { code: '5.2.1', display: 'Måledata rapportert' },
  questionnaire: { code: '5.2.2', display: 'Skjemabesvarelse' },
  inactive: { code: '5.3', display: 'Inaktiv pasient' },
  missingQuestionnaire: { code: '5.3.1', display: 'Manglende skjemabesvarelse' },
  missingMeasurement: { code: '5.3.2', display: 'Måling ikke rapportert' },
} as const;

/** The VKP alert code of a Varde alert (DESIGN.md §4). */
export function vkpAlertCode(a: Pick<AlertRow, 'kind' | 'rule_id'>): { code: string; display: string } {
  if (a.rule_id.startsWith('inactive')) return VKP_ALERT_CODES.inactive;
  if (a.kind === 'missing' || a.kind === 'missing_measurement' || a.kind === 'missing_questionnaire') {
    const code = a.rule_id.slice('missing:'.length);
    return isQuestionnaireCode(code) ? VKP_ALERT_CODES.missingQuestionnaire : VKP_ALERT_CODES.missingMeasurement;
  }
  return a.kind === 'questionnaire' ? VKP_ALERT_CODES.questionnaire : VKP_ALERT_CODES.measurement;
}

export interface VkpDocumentInput {
  alert: AlertRow;
  action: 'acknowledge' | 'resolve';
  note: { id: string; contact_type: string; text: string; created_at: Date };
  patient: PatientRow;
  nurse: { id: string; name: string; hpr_number: string };
  organisation: { id: string; name: string; org_number: string };
  /** The readings the alert's findings name (stored rows; blood pressure as two). */
  observations: ObservationRow[];
  responses: QuestionnaireResponseRow[];
  /** Base of fullUrls: Varde's FHIR endpoint, so `Patient/<id>` references resolve inside the Bundle. */
  fhirBase: string;
}

const CONTACT_NB: Record<string, string> = { phone: 'telefon', video: 'video', visit: 'besøk', message: 'melding', none: 'ingen kontakt' };
const ZONE_SEVERITY = { red: 'high', yellow: 'moderate', missing: 'low' } as const;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const div = (paragraphs: string[]) => `<div xmlns="http://www.w3.org/1999/xhtml">${paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}</div>`;

/** Observation profile for a catalogue measure (blood pressure goes as one panel). */
export function vkpObservationProfile(code: MeasureCode | 'bp'): string {
  switch (code) {
    case 'spo2': case 'heart_rate': case 'resp_rate': case 'weight': case 'temperature': case 'bp':
      return VKP_OBSERVATION_PROFILES[code];
    default:
      return VKP_OBSERVATION_PROFILES.base;
  }
}

/**
 * Stored readings as VKP Observations: systolic and diastolic of one sitting become one panel.
 * The subject carries the national identifier too (VkpObservation binds subject.identifier.system
 * to fødselsnummer / D-nummer), so a receiver can file them without resolving the reference.
 */
export function vkpObservations(rows: ObservationRow[], patient?: PatientRow): Observation[] {
  const subject = patient
    ? { reference: `Patient/${patient.id}`, identifier: { system: patient.identifier_system === 'dnr' ? DNR_SYSTEM : FNR_SYSTEM, value: patient.identifier }, display: patient.name }
    : undefined;
  return observationsOf(rows).map((o) => (subject ? { ...o, subject } : o));
}

function observationsOf(rows: ObservationRow[]): Observation[] {
  const out: Observation[] = [];
  const used = new Set<string>();
  for (const o of rows) {
    if (used.has(o.id)) continue;
    used.add(o.id);
    if (o.code === 'bp_systolic' || o.code === 'bp_diastolic') {
      const other = rows.find((x) => !used.has(x.id) && x.code === (o.code === 'bp_systolic' ? 'bp_diastolic' : 'bp_systolic') && x.effective_at.getTime() === o.effective_at.getTime());
      if (other) {
        used.add(other.id);
        const [sys, dia] = o.code === 'bp_systolic' ? [o, other] : [other, o];
        out.push(withProfile(bloodPressurePanel(sys, dia), vkpObservationProfile('bp')));
        continue;
      }
    }
    out.push(withProfile(observationResource(o), vkpObservationProfile(o.code)));
  }
  return out;
}

function withProfile<T extends Resource>(r: T, profile: string): T {
  return { ...r, meta: { ...(r.meta ?? {}), profile: [profile] } };
}

/** Builds the VKP DHO document Bundle for one handled alert. */
export function buildVkpDocument(i: VkpDocumentInput): Bundle {
  const base = i.fhirBase.replace(/\/$/, '');
  const full = (r: Resource) => `${base}/${r.resourceType}/${r.id}`;
  const ref = <T extends Resource>(r: T, display?: string): Reference<T> => ({ reference: `${r.resourceType}/${r.id}`, ...(display ? { display } : {}) });
  const at = i.note.created_at.toISOString();

  const patient = patientResource(i.patient);
  const practitioner: Practitioner = {
    resourceType: 'Practitioner', id: i.nurse.id,
    identifier: [{ system: HPR_SYSTEM, value: i.nurse.hpr_number }],
    name: [{ text: i.nurse.name }],
  };
  const organization: Organization = {
    resourceType: 'Organization', id: i.organisation.id,
    identifier: [{ system: ORG_NUMBER_SYSTEM, value: i.organisation.org_number }],
    name: i.organisation.name,
  };
  const observations = vkpObservations(i.observations, i.patient);
  const responses: QuestionnaireResponse[] = i.responses.map((r) => withProfile(questionnaireResponseResource(r), VKP_QUESTIONNAIRERESPONSE_PROFILE));
  const evidence: Resource[] = [...observations, ...responses];
  const alertCode = vkpAlertCode(i.alert);
  const summary = i.alert.summary.nb;

  const issue: DetectedIssue = {
    resourceType: 'DetectedIssue', id: i.alert.id,
    meta: { profile: [VKP_DETECTEDISSUE_PROFILE] },
    identifier: [{ system: 'urn:varde:alert', value: i.alert.id }],
    status: 'final',
    code: { coding: [{ system: VKP_ALERT_CODE_SYSTEM, code: alertCode.code, display: alertCode.display }], text: summary },
    severity: ZONE_SEVERITY[i.alert.zone],
    patient: ref(patient),
    identifiedDateTime: i.alert.first_at.toISOString(),
    ...(evidence.length ? { implicated: evidence.map((r) => ref(r)) } : {}),
    detail: `${summary} (regel ${i.alert.rule_id}, egenbehandlingsplan versjon ${i.alert.plan_version}${i.alert.occurrences > 1 ? `, ${i.alert.occurrences} ganger` : ''})`,
    mitigation: [{
      action: { text: i.action === 'acknowledge' ? 'Varsel kvittert av sykepleier' : 'Varsel håndtert og lukket av sykepleier' },
      date: at,
      author: ref(practitioner, i.nurse.name),
    }],
  };

  const handled = i.action === 'acknowledge' ? 'kvittert' : 'håndtert';
  const eventCodes = [i.action === 'acknowledge' ? { code: '3', display: 'hendelse kvittert' } : { code: '7', display: 'tiltak' }];
  if (['phone', 'video', 'visit'].includes(i.note.contact_type)) eventCodes.push({ code: '8', display: 'samtale' });
  const sections: CompositionSection[] = [
    {
      title: 'Beskrivelse av hendelse',
      code: { coding: [{ system: VKP_COMPOSITION_SECTION_SYSTEM, code: '1.2', display: 'beskrivelse av hendelse' }] },
      text: { status: 'generated', div: div([`${alertCode.display}: ${summary}`, ...evidence.map(describe)]) },
      entry: [ref(issue), ...evidence.map((r) => ref(r))],
    },
    {
      title: 'Beskrivelse av oppfølging',
      code: { coding: [{ system: VKP_COMPOSITION_SECTION_SYSTEM, code: '1.1', display: 'beskrivelse av oppfølging' }] },
      text: { status: 'additional', div: div([`Kontakt: ${CONTACT_NB[i.note.contact_type] ?? i.note.contact_type}.`, i.note.text, `${i.nurse.name}, ${i.organisation.name}`]) },
    },
  ];
  const composition: Composition = {
    resourceType: 'Composition', id: i.note.id,
    meta: { profile: [VKP_COMPOSITION_PROFILE] },
    identifier: { system: 'urn:varde:contact-note', value: i.note.id },
    status: 'final',
    // LOINC 11506-3 Progress note: a nurse's follow-up documentation.
    type: { coding: [{ system: LOINC_SYSTEM, code: '11506-3', display: 'Progress note' }], text: 'Digital hjemmeoppfølging – varsel' },
    category: [{ coding: [{ system: VKP_COMPOSITION_CATEGORY_SYSTEM, code: '2', display: 'Digital hjemmeoppfølging' }] }],
    subject: ref(patient, i.patient.name),
    date: at,
    author: [ref(practitioner, i.nurse.name), ref(organization, i.organisation.name)],
    title: `Digital hjemmeoppfølging: ${alertCode.display.toLowerCase()} – varsel ${handled}`,
    custodian: ref(organization, i.organisation.name),
    event: [{
      code: eventCodes.map((c) => ({ coding: [{ system: VKP_COMPOSITION_EVENT_SYSTEM, ...c }] })),
      period: { start: i.alert.first_at.toISOString(), end: at },
      detail: [ref(issue)],
    }],
    section: sections,
  };
  const entries: Resource[] = [composition, patient, practitioner, organization, issue, ...evidence];
  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${documentUuid(i.note.id, i.alert.id, i.action)}` },
    type: 'document',
    timestamp: at,
    entry: entries.map((r): BundleEntry => ({ fullUrl: full(r), resource: r })),
  };
}

/** A stable UUID (name-based, SHA-1 as in RFC 9562 v5) for (note, alert, action): the same event, the same document identifier. */
function documentUuid(noteId: string, alertId: string, action: string): string {
  // The note id is unique per handling; alerts acknowledged together share a note, so the alert is mixed in.
  const h = createHash('sha1').update(`varde-vkp|${noteId}|${alertId}|${action}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function describe(r: Resource): string {
  if (r.resourceType === 'Observation') {
    const o = r as Observation;
    const when = o.effectiveDateTime ?? '';
    if (o.component?.length) return `${o.code.text ?? ''} ${o.component.map((c) => `${c.valueQuantity?.value ?? ''}`).join('/')} ${o.component[0]?.valueQuantity?.unit ?? ''} (${when})`;
    return `${o.code.text ?? ''} ${o.valueQuantity?.value ?? ''} ${o.valueQuantity?.unit ?? ''} (${when})`;
  }
  if (r.resourceType === 'QuestionnaireResponse') return `Skjema ${(r as QuestionnaireResponse).questionnaire ?? ''} (${(r as QuestionnaireResponse).authored ?? ''})`;
  return r.resourceType;
}

/** Reads what the document for a handled alert needs, in the caller's transaction. */
export async function loadVkpInput(
  q: Queryable,
  s: { alertId: string; noteId: string; action: 'acknowledge' | 'resolve'; fhirBase: string },
): Promise<VkpDocumentInput> {
  const alert = (await q.query<AlertRow>('select * from alerts where id = $1', [s.alertId])).rows[0];
  if (!alert) throw new Error('alert not found');
  const note = (await q.query<VkpDocumentInput['note'] & { author_id: string; organisation_id: string }>(
    'select id, contact_type, text, created_at, author_id, organisation_id from contact_notes where id = $1', [s.noteId])).rows[0];
  if (!note) throw new Error('contact note not found');
  const patient = (await q.query<PatientRow>('select * from patients where id = $1', [alert.patient_id])).rows[0]!;
  const nurse = (await q.query<VkpDocumentInput['nurse']>('select id, name, hpr_number from personnel where id = $1', [note.author_id])).rows[0]!;
  const organisation = (await q.query<VkpDocumentInput['organisation']>('select id, name, org_number from organisations where id = $1', [note.organisation_id])).rows[0]!;
  const ids = [...new Set(alert.findings.flatMap((f) => f.values.map((v) => v.observationId)).filter((x): x is string => !!x))];
  let observations = ids.length
    ? (await q.query<ObservationRow>('select * from observations where id = any($1::uuid[]) order by effective_at, code', [ids])).rows
    : [];
  // Blood pressure is stored as two readings; a finding may name only one of them.
  const bp = observations.filter((o) => o.code === 'bp_systolic' || o.code === 'bp_diastolic');
  if (bp.length) {
    const partners = (await q.query<ObservationRow>(
      `select * from observations where episode_id = $1 and code in ('bp_systolic','bp_diastolic') and effective_at = any($2::timestamptz[]) and not (id = any($3::uuid[]))`,
      [alert.episode_id, bp.map((o) => o.effective_at), ids],
    )).rows;
    observations = [...observations, ...partners];
  }
  const scored = observations.filter((o) => isQuestionnaireCode(o.code));
  const responses = scored.length
    ? (await q.query<QuestionnaireResponseRow>(
        'select * from questionnaire_responses where episode_id = $1 and questionnaire = any($2::text[]) and effective_at = any($3::timestamptz[]) order by effective_at',
        [alert.episode_id, scored.map((o) => o.code), scored.map((o) => o.effective_at)],
      )).rows
    : [];
  return {
    alert, action: s.action, note, patient, nurse, organisation,
    observations: observations.filter((o) => isMeasureCode(o.code) && CATALOGUE[o.code] !== undefined),
    responses, fhirBase: s.fhirBase,
  };
}
