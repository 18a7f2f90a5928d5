import { z } from 'zod';
import type { OpeningHours } from '../domain/opening-hours.js';
import type { PlanDefinition } from '../domain/plan.js';
import { Instant, LocalText, Zone } from './common.js';
import { route } from './route.js';
import { Lang } from './session.js';

/**
 * The patient's plan in force with the service's opening hours. Definition and hours are stored
 * documents: typed, not re-validated on the way out (as plans.ts#PlanVersion).
 */
export const MyPlan = z.object({
  episodeId: z.string(),
  planId: z.string().nullable(),
  version: z.number().int().nullable(),
  approvedAt: Instant.nullable(),
  approvedBy: z.string().nullable(),
  definition: z.custom<PlanDefinition>().nullable(),
  openingHours: z.custom<OpeningHours>(),
  serviceOpen: z.boolean(),
});
export type MyPlan = z.infer<typeof MyPlan>;

/** The latest reading of a measure. */
export const LastValue = z.object({ value: z.number(), unit: z.string(), effectiveAt: Instant, zone: Zone.nullable() });
export type LastValue = z.infer<typeof LastValue>;

/** Something the plan asks for today. */
export const TodayTask = z.object({
  code: z.string(),
  kind: z.enum(['measure', 'questionnaire']),
  display: LocalText,
  unit: z.string(),
  /** Local time `HH:MM`; null for as-needed entries. */
  dueBy: z.string().nullable(),
  done: z.boolean(),
  last: LastValue.nullable(),
});
export type TodayTask = z.infer<typeof TodayTask>;
/** `paused`: follow-up is paused, so nothing is due (GET /api/me/pathway says why and until when). */
export const TodayResponse = z.object({ tasks: z.array(TodayTask), paused: z.boolean().optional() });
export type TodayResponse = z.infer<typeof TodayResponse>;

/** The session's end times, so the app can warn before it is logged out mid-reading. */
export const SessionTimes = z.object({ idleExpiresAt: Instant, expiresAt: Instant, idleMinutes: z.number(), serverNow: Instant });

/** Advice that stays on the home screen until a nurse has acknowledged the alert it came from. */
export const OpenAdvice = z.object({
  zone: Zone,
  at: Instant,
  actions: z.array(z.object({ code: z.string(), zone: Zone, text: z.string() })),
  notice: z.string().nullable(),
  serviceOpen: z.boolean(),
});
export const StatusResponse = z.object({ planApproved: z.boolean(), advice: OpenAdvice.nullable(), session: SessionTimes.nullable() });
export type StatusResponse = z.infer<typeof StatusResponse>;

/** One line of "who has read or changed my data" (innsyn i logg). */
export const AccessEvent = z.object({
  at: Instant,
  actorKind: z.string(),
  actorName: z.string().nullable(),
  organisation: z.string().nullable(),
  role: z.string().nullable(),
  action: z.string(),
  resourceType: z.string(),
  /** Taken or done under emergency access (selvautorisering). */
  emergency: z.boolean(),
  /** The reason given when the emergency access was taken. */
  reason: z.string().nullable(),
});
export type AccessEvent = z.infer<typeof AccessEvent>;
export const AccessLogResponse = z.object({ events: z.array(AccessEvent) });
export type AccessLogResponse = z.infer<typeof AccessLogResponse>;

export const LanguageBody = z.object({ lang: Lang });

export const meRoutes = {
  plan: route({ method: 'GET', path: '/api/me/plan', tag: 'me', summary: "The patient's plan in force and the service's opening hours", response: MyPlan }),
  today: route({ method: 'GET', path: '/api/me/today', tag: 'me', summary: "Today's tasks from the plan, whether each is done, and the last value", response: TodayResponse }),
  status: route({
    method: 'GET', path: '/api/me/status', tag: 'me', summary: "The patient app's heartbeat: plan approved, open advice, session end",
    description: 'Polled by the app; the advice stays until a nurse acknowledges the alert.', response: StatusResponse,
  }),
  accessLog: route({ method: 'GET', path: '/api/me/access-log', tag: 'me', summary: 'Who has read or changed my data (personnel, integrations, the system)', response: AccessLogResponse }),
  language: route({ method: 'PUT', path: '/api/me/language', tag: 'me', summary: 'The patient chooses bokmål, nynorsk or English', body: LanguageBody, status: 204, response: null }),
};
