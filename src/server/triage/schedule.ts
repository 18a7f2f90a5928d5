import type { Schedule } from '../../domain/plan.js';
import { addDays, isoWeekday, toLocal, zonedInstant } from '../../domain/time.js';

/**
 * Days to look back for an occurrence whose deadline is still ahead: the longest grace is a week
 * (domain/plan.ts MAX_GRACE_MINUTES), plus one day for the local date at `now`.
 */
const BACK_DAYS = 8;
/** Days to look ahead: a weekly schedule recurs within 7 days; one more for DST and date edges. */
const AHEAD_DAYS = 9;

/**
 * The next moment after `now` at which an occurrence's deadline (local due time on a scheduled day
 * + grace) passes: until then `latestMissedOccurrence(schedule, t, timeZone)` (domain/triage.ts)
 * gives the same answer for every t, so the sweep has nothing new to look at for this schedule.
 * Deadlines grow with the local date (days differ by at least 23 h, grace is per schedule), so the
 * latest passed deadline only changes when the next one passes.
 * @returns the instant, or null for an 'as_needed' schedule (never due)
 * @throws RangeError for an unknown time zone
 */
export function nextDeadline(schedule: Schedule, now: Date, timeZone: string): Date | null {
  if (schedule.kind === 'as_needed') return null;
  const today = toLocal(now, timeZone).date;
  const graceMs = schedule.graceMinutes * 60_000;
  let best: number | null = null;
  for (let d = -BACK_DAYS; d <= AHEAD_DAYS; d++) {
    const date = addDays(today, d);
    if (schedule.kind === 'weekly' && !schedule.weekdays.includes(isoWeekday(date))) continue;
    const t = zonedInstant(date, schedule.dueBy, timeZone).getTime() + graceMs;
    if (t > now.getTime() && (best === null || t < best)) best = t;
  }
  return best === null ? null : new Date(best);
}
