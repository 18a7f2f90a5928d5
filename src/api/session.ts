import { z } from 'zod';
import { route } from './route.js';

export const Lang = z.enum(['nb', 'nn', 'en']);

export const PatientMe = z.object({ kind: z.literal('patient'), patient: z.object({ id: z.string(), name: z.string(), lang: Lang }) });
export type PatientMe = z.infer<typeof PatientMe>;
export const PersonnelMe = z.object({
  kind: z.literal('personnel'),
  personnel: z.object({ id: z.string(), name: z.string(), hpr: z.string() }),
  organisation: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
  role: z.string(),
  /** Set when the session was opened from the EPJ by a SMART launch: it reaches this patient only. */
  launchPatient: z.object({ id: z.string(), name: z.string() }).nullable().optional(),
});
export type PersonnelMe = z.infer<typeof PersonnelMe>;
/** A relative who is not a patient, logged in only to enter readings for the patients who delegated to them. */
export const RelativeMe = z.object({ kind: z.literal('relative'), relative: z.object({ name: z.string() }) });
export type RelativeMe = z.infer<typeof RelativeMe>;
/** Device clients and the system have no person behind them. */
export const MachineMe = z.object({ kind: z.enum(['client', 'system']) });

/** Who the session (or bearer token) belongs to. */
export const Me = z.discriminatedUnion('kind', [PatientMe, PersonnelMe, RelativeMe, MachineMe]);
export type Me = PatientMe | PersonnelMe | RelativeMe;

export const sessionRoutes = {
  me: route({ method: 'GET', path: '/api/me', tag: 'session', summary: 'Who is logged in: patient, relative (entering readings by delegation), or personnel acting for one organisation in one role', response: Me }),
};
