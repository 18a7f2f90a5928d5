import { z } from 'zod';

/**
 * Every `error.code` the JSON API answers with. The apps translate these (web/shared/i18n.ts);
 * a server that invents a new code without adding it here does not compile (http/errors.ts).
 */
export const ERROR_CODES = [
  // Any route
  'validation_failed', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'cross_site_request',
  'unsupported_media_type', 'rate_limited', 'bad_request', 'payload_too_large', 'internal',
  // Patients, episodes, pathway
  'no_active_episode', 'invalid_transition', 'not_responsible', 'onboarding_incomplete', 'no_gp_office', 'emergency_access_running',
  // Plans
  'invalid_plan', 'no_plan', 'cannot_rebuild',
  // Norwegian identifiers (domain/identifiers.ts)
  'invalid_format', 'invalid_checksum', 'invalid_individual_number', 'invalid_date',
  // Observations, questionnaires, device uploads (domain/catalogue.ts, domain/questionnaires.ts)
  'unknown_measure', 'implausible_value', 'unit_not_accepted', 'flag_not_accepted',
  'unknown_questionnaire', 'unknown_item', 'invalid_answer',
  'invalid_measurement', 'future_timestamp', 'missing_answer', 'unknown_device', 'device_not_lent', 'device_clock_unreliable',
  'invalid_identifier', 'device_lent_to_another_patient', 'measured_before_loan',
  // Alerts
  'alerts_changed',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** `{error:{code,message,fields}}`: `fields` maps a dotted input path (`note.text`) to what is wrong with it. */
export const ApiErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
