// Types of the JSON API. Features in the contract (src/api) are re-exported from it (`import type`,
// so zod stays out of the bundle); the rest are still written by hand from docs/API.md until their
// routes move into the contract (issue 10). Where a hand-written shape leaves a field open, the
// type is kept loose and the UI renders it defensively.
import type { Lang, LocalizedText } from './i18n.js';
export type { Alert, AlertStatus, AlertsResponse } from '../../src/api/alerts.js';
export type { Zone } from '../../src/api/common.js';
export type { Device, DeviceLoan } from '../../src/api/devices.js';
export type { Escalation, EscalationsResponse } from '../../src/api/escalations.js';
export type { Feedback, MeasurementInput, Observation, ObservationsResponse, RecordRequest, RecordResponse } from '../../src/api/observations.js';
export type { PlanStatus, PlanVersion, PlansResponse } from '../../src/api/plans.js';
export type { ContactType } from '../../src/api/notes.js';
export type { Organisation } from '../../src/api/organisations.js';
export type { AnswerResponse, QuestionnaireDef, QuestionnaireResponse } from '../../src/api/questionnaires.js';
export type { Me, PatientMe, PersonnelMe } from '../../src/api/session.js';
export type { Template } from '../../src/api/templates.js';
import type { ContactType } from '../../src/api/notes.js';
import type { Zone } from '../../src/api/common.js';
import type { PlanVersion } from '../../src/api/plans.js';

export type WorklistStatus = Zone | 'missing';
export const CONTACT_TYPES: readonly ContactType[] = ['phone', 'video', 'visit', 'message', 'none'];


export interface LastValue {
  value: number;
  unit: string;
  effectiveAt: string;
  zone: Zone | null;
}

export interface TodayTask {
  code: string;
  display: LocalizedText;
  unit: string;
  kind: 'measure' | 'questionnaire';
  dueBy: string | null;
  done: boolean;
  last: LastValue | null;
}

export interface TodayResponse {
  tasks: TodayTask[];
}

export interface PlanResponse {
  episodeId: string;
  planId: string;
  version: number | string;
  approvedAt: string;
  approvedBy: unknown;
  definition: unknown;
  openingHours: unknown;
  serviceOpen: boolean;
}







export interface Message {
  id: string;
  from: 'patient' | 'personnel';
  senderName: string | null;
  body: string;
  createdAt: string;
  /** When the patient opened a reply from the service (the patient's own thread only). */
  readAt?: string | null;
}

/** When the follow-up service is likely to answer, from its opening hours (the patient's own thread only). */
export interface ReplyExpectation {
  serviceOpen: boolean;
  closesAt: string | null;
  nextOpening: string | null;
  text: string;
}

export interface MessagesResponse {
  messages: Message[];
  replyExpectation?: ReplyExpectation | null;
}

export interface AccessEvent {
  at: string;
  actorName: string;
  organisation: string | { name: string } | null;
  role: string | null;
  action: string;
  resourceType: string;
  /** Taken or done under emergency access (selvautorisering). */
  emergency?: boolean;
  /** The reason given when the emergency access was taken. */
  reason?: string | null;
}

export interface AccessLogResponse {
  events: AccessEvent[];
}

export type Identifier = string | { system?: string; value: string };

export interface PatientSummary {
  id: string;
  name: string;
  birthDate: string;
  identifier: Identifier | Identifier[] | null;
}

export interface LatestValue {
  value: number;
  unit: string;
  effectiveAt: string;
  zone: Zone | null;
}

export interface WorklistItem {
  patient: PatientSummary;
  episodeId: string;
  /** Patient messages nobody has answered or marked handled yet. */
  unreadMessages?: number;
  status: WorklistStatus;
  since: string | null;
  reason: string | LocalizedText | null;
  openAlerts: number;
  latest: Record<string, LatestValue>;
  spark: { code: string; points: Array<[string | number, number]> } | null;
}

export interface WorklistResponse {
  items: WorklistItem[];
}

export interface WorklistEvent {
  patientId: string;
  reason: 'alert' | 'observation' | 'alert-updated';
}


/** Who acted on an alert: the contract does not say whether this is a name or an object. */
export type Actor = string | { id?: string; name?: string } | null;



export interface NoteInput {
  contactType: ContactType;
  text: string;
  alertId?: string;
}



/** GET /api/patients/:id: "patient, episodes (with care team), current plan"; inner shapes unspecified. */
export interface PatientDetailResponse {
  patient?: PatientSummary;
  episodes?: unknown;
  plan?: unknown;
}

// ---- Plans (GET /api/me/plan definition, GET /api/patients/:id episodes[].plan, /plans) ----

export interface Thresholds {
  redBelow?: number;
  yellowBelow?: number;
  yellowAbove?: number;
  redAbove?: number;
}

export type Schedule =
  | { kind: 'daily'; dueBy: string; graceMinutes: number }
  | { kind: 'weekly'; weekdays: number[]; dueBy: string; graceMinutes: number }
  | { kind: 'as_needed' };

export interface ZoneActions {
  green: LocalizedText;
  yellow: LocalizedText;
  red: LocalizedText;
}

export interface PlanEntry {
  code: string;
  schedule: Schedule;
  thresholds: Thresholds;
  actions: ZoneActions;
}

export interface PlanDefinition {
  measures: PlanEntry[];
  questionnaires: PlanEntry[];
  trendRules: unknown[];
  news2: { enabled: boolean; scale: 1 | 2 };
  medicines: string;
  contacts: string;
}




export interface CareTeamMember {
  organisationId: string;
  name: string;
  kind: string;
  responsibility: 'follow_up' | 'gp' | 'hospital';
}

export interface Episode {
  id: string;
  status: 'active' | 'paused' | 'ended';
  endReason: string | null;
  diagnoses: { system: string; code: string; display: string }[];
  riskLevel: 'medium' | 'high';
  consentAt: string;
  startedAt: string;
  endedAt: string | null;
  careTeam: CareTeamMember[];
  plan: PlanVersion | null;
}

// ---- Questionnaires ----

export interface QuestionnaireOption {
  value: number;
  text: LocalizedText;
}

export interface QuestionnaireItem {
  id: string;
  text: LocalizedText;
  options: QuestionnaireOption[];
}




// ---- Escalations, devices, templates, reports ----







/** '<5': under five; 'hidden': hidden so that a total does not give a '<5' back (shown as ×). */
export type ReportCount = number | '<5' | 'hidden';

export interface IndicatorRow {
  municipalityId: string | null;
  diagnosis: string | null;
  suppressed: boolean;
  patients: ReportCount;
  adherence: number | null;
  alerts: ReportCount | null;
  alertsPerPatientMonth: number | null;
  redAlertsAcknowledged: ReportCount | null;
  ackMedianMinutes: number | null;
  ackP90Minutes: number | null;
}

export interface IndicatorReport {
  helsefellesskap: string;
  period: { from: string; to: string };
  generatedAt: string;
  minCount: number;
  municipalities: { id: string; name: string }[];
  rows: IndicatorRow[];
}

export type { ContactNote, NotesResponse } from '../../src/api/notes.js';
