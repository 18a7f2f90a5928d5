import { z } from 'zod';
import { OpeningHoursSchema } from '../../domain/opening-hours.js';
import { ApiDate, ApiTimeZone } from '../http/validation.js';

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
