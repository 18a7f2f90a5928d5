import { z } from 'zod';
import { route } from './route.js';

/**
 * Settings of the follow-up service the caller acts for. For now: after how many days of silence
 * a patient is flagged as inactive (VKP 5.3 "inaktiv pasient"); null = Varde's default.
 */
export const ServiceSettings = z.object({
  organisation: z.object({ id: z.string(), name: z.string() }),
  inactiveAfterDays: z.number().int().min(1).max(60).nullable(),
  /** domain/missing.ts#DEFAULT_INACTIVE_DAYS: what applies while inactiveAfterDays is null. */
  defaultInactiveAfterDays: z.number().int(),
  canEdit: z.boolean(),
});
export type ServiceSettings = z.infer<typeof ServiceSettings>;

export const ServiceSettingsBody = z.object({
  inactiveAfterDays: z.number().int().min(1).max(60).nullable(),
});
export type ServiceSettingsBody = z.infer<typeof ServiceSettingsBody>;

export const serviceSettingsRoutes = {
  get: route({ method: 'GET', path: '/api/service-settings', tag: 'service-settings', summary: "The caller's follow-up service's settings (inactive-patient days)", response: ServiceSettings }),
  put: route({
    method: 'PUT', path: '/api/service-settings', tag: 'service-settings', summary: "Change the service's settings",
    description: 'Nurses, coordinators and administrators of the service. 1–60 days, or null for the default. Audited with the value before and after; every active patient of the service is re-checked at the next sweep with the new number.',
    body: ServiceSettingsBody, response: ServiceSettings,
  }),
};
