import { z } from 'zod';
import { IdParams, Instant } from './common.js';
import { route } from './route.js';

/** Emergency access lasts at most one working shift; a longer need is a care relation, not an emergency. */
export const EMERGENCY_MAX_HOURS = 8;
export const EMERGENCY_DEFAULT_HOURS = 4;
export const EMERGENCY_REASON_MIN = 20;

/**
 * A reason a reviewer can judge afterwards: at least EMERGENCY_REASON_MIN characters, at least two
 * words of letters, and not one character repeated ("aaaaaaaa…", "........").
 * @returns an error message, or null when the reason is acceptable
 */
export function emergencyReasonProblem(reason: string): string | null {
  const s = reason.trim();
  if (s.length < EMERGENCY_REASON_MIN) return `Explain the clinical need (at least ${EMERGENCY_REASON_MIN} characters)`;
  const compact = s.replace(/\s+/g, '');
  if (new Set(compact.toLowerCase()).size < 4) return 'Explain the clinical need in words';
  const words = s.match(/\p{L}{2,}/gu) ?? [];
  if (words.length < 2 || new Set(words.map((w) => w.toLowerCase())).size < 2) return 'Explain the clinical need in words (at least two different words)';
  return null;
}

export const EmergencyBody = z.object({
  reason: z
    .string()
    .trim()
    .max(1000)
    .superRefine((s, ctx) => {
      const problem = emergencyReasonProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  hours: z.number().int().min(1).max(EMERGENCY_MAX_HOURS).default(EMERGENCY_DEFAULT_HOURS),
});
export const ReviewBody = z.object({ note: z.string().trim().min(3).max(1000) });
export const MemberBody = z.object({
  hpr: z.string().trim().regex(/^\d{7,9}$/, 'HPR number: 7–9 digits'),
  name: z.string().trim().min(2).max(200),
  role: z.enum(['nurse', 'gp', 'specialist', 'coordinator', 'admin']),
});
export const SwitchBody = z.object({ organisationId: z.uuid(), role: z.enum(['nurse', 'gp', 'specialist', 'coordinator', 'admin']) });

export const Membership = z.object({ organisationId: z.string(), organisation: z.string(), role: z.string() });

/** An emergency access grant as its reviewers see it (admin/service.ts#listEmergencyAccess). */
export const EmergencyGrant = z.object({
  id: z.string(),
  patientId: z.string(),
  personnel: z.string(),
  organisation: z.string(),
  reason: z.string(),
  grantedAt: Instant,
  expiresAt: Instant,
  /** This organisation's part: as the requester's employer, as the patient's follow-up service, or both. */
  reviewAs: z.array(z.enum(['requester', 'follow_up'])),
  reviewedAt: Instant.nullable(),
  reviewNote: z.string().nullable(),
  followUpReviewedAt: Instant.nullable(),
  followUpReviewNote: z.string().nullable(),
  canReview: z.boolean(),
});
export type EmergencyGrant = z.infer<typeof EmergencyGrant>;

export const Member = z.object({ id: z.string(), hpr: z.string(), name: z.string(), roles: z.array(z.string()) });

/** A device client (gateway) of the organisation and its lock state after wrong secrets. */
export const ApiClient = z.object({
  clientId: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  disabled: z.boolean(),
  lockedAt: Instant.nullable(),
  failedAttempts: z.number().int(),
});

export const ClientParams = z.object({ clientId: z.string().min(1).max(200) });
const MemberRoleParams = z.object({ id: z.string(), role: z.string() });

export const adminRoutes = {
  memberships: route({ method: 'GET', path: '/api/me/memberships', tag: 'session', summary: 'The organisations and roles the caller may act for', response: z.object({ memberships: z.array(Membership) }) }),
  switchOrganisation: route({ method: 'POST', path: '/api/me/organisation', tag: 'session', summary: 'Act for another organisation or role from now on', body: SwitchBody, response: null }),
  grantEmergency: route({
    method: 'POST', path: '/api/patients/:id/emergency-access', tag: 'admin', summary: 'Take emergency access (selvautorisering) to a patient, read-only, at most 8 hours', description: 'Clinical roles. The reason needs at least 20 characters in at least two different words; hours 1–8, default 4. 409 while one is running for the same person and patient. Marked in the patient\'s access log and reviewed by the requester\'s organisation and the patient\'s follow-up service.',
    params: IdParams, body: EmergencyBody, status: 201, response: z.object({ id: z.string(), expiresAt: Instant }),
  }),
  emergencyGrants: route({ method: 'GET', path: '/api/admin/emergency-access', tag: 'admin', summary: 'Emergency access grants to review', description: 'Coordinators and administrators: grants taken by the organisation\'s people and on patients it follows up. Each patient shown is audited.', response: z.object({ grants: z.array(EmergencyGrant) }) }),
  reviewEmergency: route({ method: 'POST', path: '/api/admin/emergency-access/:id/review', tag: 'admin', summary: 'Review an emergency access grant', description: 'As the requester\'s organisation and/or the patient\'s follow-up service; 403 for the requester themself, 409 when already reviewed.', params: IdParams, body: ReviewBody, response: null }),
  members: route({ method: 'GET', path: '/api/admin/members', tag: 'admin', summary: "The organisation's personnel and their roles", response: z.object({ members: z.array(Member) }) }),
  addMember: route({ method: 'POST', path: '/api/admin/members', tag: 'admin', summary: 'Give a person (by HPR number) a role in the organisation', description: 'Administrators. Giving oneself a clinical role is 403 and audited; every role change is audited.', body: MemberBody, status: 201, response: z.object({ id: z.string() }) }),
  removeRole: route({ method: 'DELETE', path: '/api/admin/members/:id/roles/:role', tag: 'admin', summary: "Take a role from a person in the organisation", description: 'Administrators; not one\'s own admin role.', params: MemberRoleParams, response: null }),
  apiClients: route({ method: 'GET', path: '/api/admin/api-clients', tag: 'admin', summary: "The organisation's device clients and their lock state", response: z.object({ clients: z.array(ApiClient) }) }),
  unlockClient: route({ method: 'POST', path: '/api/admin/api-clients/:clientId/unlock', tag: 'admin', summary: 'Lift the lockout of a device client after repeated wrong secrets', description: 'Administrators of the client\'s organisation; 404 when there is no such locked client. Audited.', params: ClientParams, response: null }),
};
