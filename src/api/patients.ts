import { z } from 'zod';
import { parseNorwegianId } from '../domain/identifiers.js';
import { PATHWAY_STATES } from '../domain/pathway.js';
import { TEMPLATES, type TemplateCode } from '../domain/templates.js';
import { ApiTimeZone, IdParams, Instant } from './common.js';
import { PlanVersion } from './plans.js';
import { route } from './route.js';
import { Lang } from './session.js';

const templateCodes = Object.keys(TEMPLATES) as [TemplateCode, ...TemplateCode[]];

/** Fødselsnummer or D-number; spaces are ignored, the checksum and date are checked. */
export const NorwegianId = z
  .string()
  .transform((s) => s.replace(/\s/g, ''))
  .superRefine((s, ctx) => {
    const r = parseNorwegianId(s);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error.message });
  });

export const Diagnosis = z.object({ system: z.enum(['ICPC-2', 'ICD-10']), code: z.string().trim().min(1).max(10), display: z.string().trim().min(1).max(200) });

/** The GP enrols a patient straight into follow-up (without a referral). */
export const EnrolBody = z.object({
  identifier: NorwegianId,
  name: z.string().trim().min(2).max(200),
  phone: z.string().trim().regex(/^\+?[0-9 ]{8,15}$/, 'Phone number: 8–15 digits').optional(),
  lang: Lang.default('nb'),
  diagnoses: z.array(Diagnosis).min(1, 'At least one diagnosis is required for enrolment'),
  riskLevel: z.enum(['medium', 'high']),
  consent: z.literal(true, { error: 'The patient must consent to digital home follow-up' }),
  followUpOrganisationId: z.uuid(),
  hospitalOrganisationId: z.uuid().optional(),
  templates: z.array(z.enum(templateCodes)).min(1).optional(),
  timeZone: ApiTimeZone.default('Europe/Oslo'),
});
export type EnrolBody = z.infer<typeof EnrolBody>;
export const EndEpisodeBody = z.object({ reason: z.string().trim().min(3).max(500) });

export const Enrolled = z.object({ patientId: z.string(), episodeId: z.string(), draftPlan: PlanVersion.nullable() });

/** A stored diagnosis as coded at enrolment or referral. */
export const StoredDiagnosis = z.object({ system: z.string(), code: z.string(), display: z.string() });
export const PathwayState = z.enum(PATHWAY_STATES);
export const EpisodeStatus = z.enum(['referred', 'active', 'paused', 'ended']);

export const CareTeamMember = z.object({
  organisationId: z.string(),
  name: z.string(),
  kind: z.string(),
  responsibility: z.string(),
});
export type CareTeamMember = z.infer<typeof CareTeamMember>;

/** An episode of follow-up the caller's organisation took part in, with its care team and plan in force. */
export const Episode = z.object({
  id: z.string(),
  status: EpisodeStatus,
  state: PathwayState,
  endReason: z.string().nullable(),
  diagnoses: z.array(StoredDiagnosis),
  riskLevel: z.enum(['medium', 'high']),
  /** Null while a referral waits for onboarding. */
  consentAt: Instant.nullable(),
  goals: z.string().nullable(),
  startedAt: Instant,
  endedAt: Instant.nullable(),
  timeZone: z.string(),
  careTeam: z.array(CareTeamMember),
  plan: PlanVersion.nullable(),
});
export type Episode = z.infer<typeof Episode>;

export const PatientHeader = z.object({
  id: z.string(),
  name: z.string(),
  identifier: z.string(),
  identifierSystem: z.enum(['fnr', 'dnr']),
  birthDate: z.string(),
  sex: z.enum(['male', 'female']),
  phone: z.string().nullable(),
  lang: Lang,
});
export type PatientHeader = z.infer<typeof PatientHeader>;
/** A fødselsnummer or D-number as stored (`identifierSystem` says which). */
export type Identifier = PatientHeader['identifier'];
export const PatientOverview = z.object({ patient: PatientHeader, episodes: z.array(Episode) });
export type PatientOverview = z.infer<typeof PatientOverview>;

export const EpisodeEnded = z.object({ id: z.string().optional(), status: EpisodeStatus.optional(), endedAt: Instant.nullable() });

export const patientRoutes = {
  enrol: route({
    method: 'POST', path: '/api/patients', tag: 'patients', summary: 'The GP enrols a patient (patient, episode, care team and a first plan draft; all or nothing)',
    body: EnrolBody, status: 201, response: Enrolled,
  }),
  overview: route({
    method: 'GET', path: '/api/patients/:id', tag: 'patients', summary: 'Patient header and the episodes (care team, plan in force) the caller took part in',
    params: IdParams, response: PatientOverview,
  }),
  endEpisode: route({
    method: 'POST', path: '/api/patients/:id/end-episode', tag: 'patients', summary: "End the patient's episode (its follow-up service or GP office only)",
    params: IdParams, body: EndEpisodeBody, response: EpisodeEnded,
  }),
};
