import { z } from 'zod';
import { IdParams, Instant } from './common.js';
import { RecordBody, RecordResponse } from './observations.js';
import { NorwegianId } from './patients.js';
import { route } from './route.js';

/** The patient names a relative who may enter readings for them (their own ID-porten identity). */
export const GrantBody = z.object({
  name: z.string().trim().min(2, 'Write the name (at least 2 characters)').max(200),
  identifier: NorwegianId,
  relation: z.string().trim().max(100).optional(),
});
export type GrantBody = z.infer<typeof GrantBody>;

/** Which delegation to revoke: by its id (the app), or by the relative's number (the patient may only know that). */
export const RevokeBody = z.union([z.object({ id: z.uuid() }), z.object({ identifier: NorwegianId })]);
export type RevokeBody = z.infer<typeof RevokeBody>;

/** A sitting entered on the patient's behalf: as the patient's own, without a Bluetooth device (the device is lent to the patient). */
export const OnBehalfBody = RecordBody.refine((b) => b.device === undefined, { path: ['device'], message: 'A lent device reports for its own patient; enter the numbers instead' });
export type OnBehalfBody = z.infer<typeof OnBehalfBody>;

/** A relative the patient lets record for them; the relative's number is masked (birth date part only). */
export const Delegation = z.object({
  id: z.string(),
  name: z.string(),
  relation: z.string().nullable(),
  grantedAt: Instant,
  revokedAt: Instant.nullable(),
  identifier: z.string(),
});
export type Delegation = z.infer<typeof Delegation>;

/** A patient who lets the logged-in person record for them. */
export const DelegatedPatient = z.object({ delegationId: z.string(), patientId: z.string(), patientName: z.string(), grantedAt: Instant });
export type DelegatedPatient = z.infer<typeof DelegatedPatient>;

export const delegationRoutes = {
  own: route({ method: 'GET', path: '/api/me/delegations', tag: 'delegation', summary: "The patient's delegations (running and revoked)", response: z.object({ delegations: z.array(Delegation) }) }),
  grant: route({ method: 'POST', path: '/api/me/delegations', tag: 'delegation', summary: 'The patient lets a relative record readings for them', body: GrantBody, status: 201, response: Delegation }),
  revoke: route({ method: 'POST', path: '/api/me/delegations/revoke', tag: 'delegation', summary: 'The patient revokes a delegation (by id or by the relative\'s number)', body: RevokeBody, response: Delegation }),
  toMe: route({ method: 'GET', path: '/api/me/delegated-to-me', tag: 'delegation', summary: 'The patients who let the logged-in person record for them', response: z.object({ patients: z.array(DelegatedPatient) }) }),
  onBehalf: route({
    method: 'POST', path: '/api/patients/:id/observations/on-behalf', tag: 'delegation', summary: "A relative (or personnel) records a sitting on the patient's behalf",
    description: 'Authorised before the body is read: without a delegation, 403 and no field errors. The same `idempotencyKey` again answers 200 with the first result.',
    params: IdParams, body: OnBehalfBody, status: 201, response: RecordResponse,
  }),
};
