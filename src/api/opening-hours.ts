import { z } from 'zod';
import { OpeningHoursSchema } from '../domain/opening-hours.js';
import { ApiDate, ApiTimeZone, Instant, LocalText } from './common.js';
import { route } from './route.js';

/** One extra closed day with what staff call it (julaften, romjul, fagdag). */
export const ClosedDay = z.object({
  date: ApiDate,
  label: z.string().trim().max(100, 'Label: at most 100 characters').default(''),
});

/**
 * PUT /api/opening-hours: the whole set of hours of the caller's service. `version` is the one
 * the editor loaded; a newer stored version means someone else saved in between (409).
 */
export const OpeningHoursBody = z
  .object({
    version: z.number().int().min(0),
    timeZone: ApiTimeZone,
    weekly: OpeningHoursSchema.shape.weekly,
    publicHolidays: z.boolean(),
    closedDays: z.array(ClosedDay).max(1000),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.closedDays.forEach((d, i) => {
      if (seen.has(d.date)) ctx.addIssue({ code: 'custom', path: ['closedDays', i, 'date'], message: 'this date is already listed' });
      seen.add(d.date);
    });
  });
export type OpeningHoursBody = z.infer<typeof OpeningHoursBody>;

/** The hours of the caller's follow-up service as the editor shows them (opening-hours/service.ts#toDto). */
export const ServiceHours = z.object({
  organisation: z.object({ id: z.string(), name: z.string() }),
  version: z.number().int(),
  updatedAt: Instant.nullable(),
  updatedBy: z.string().nullable(),
  /** True while the service has never saved its own hours and the default applies. */
  isDefault: z.boolean(),
  canEdit: z.boolean(),
  timeZone: z.string(),
  weekly: OpeningHoursSchema.shape.weekly,
  publicHolidays: z.boolean(),
  closedDays: z.array(z.object({ date: z.string(), label: z.string() })),
  /** Public holidays of the next twelve months, so staff see what is closed without listing it. */
  upcomingHolidays: z.array(z.object({ date: z.string(), name: LocalText })),
  openNow: z.boolean(),
  closesAt: Instant.nullable(),
  nextOpening: Instant.nullable(),
});
export type ServiceHours = z.infer<typeof ServiceHours>;

export const openingHoursRoutes = {
  get: route({ method: 'GET', path: '/api/opening-hours', tag: 'opening-hours', summary: "The caller's follow-up service's opening hours", description: 'Until a service saves its own, Mon–Fri 08:00–15:30 Europe/Oslo applies. Norwegian public holidays are computed for any year (Easter by the Meeus algorithm), never stored.', response: ServiceHours }),
  put: route({ method: 'PUT', path: '/api/opening-hours', tag: 'opening-hours', summary: "Replace the service's hours (409 when someone saved a newer version)", description: 'Nurses, coordinators and administrators of the service. Intervals are `HH:MM`–`HH:MM` (end exclusive, `24:00` allowed) and must not overlap within a day; dates must be real. Audited with the hours before and after; patients\' feedback uses them at once.', body: OpeningHoursBody, response: ServiceHours }),
};
