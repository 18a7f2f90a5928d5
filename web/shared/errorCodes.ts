import type { ErrorCode } from '../../src/api/errors.js';
import type { ApiError } from './api.js';
import { msg, raw, type Text, type TextKey } from './i18n.js';
import { knownServerMessage } from './serverErrors.js';

/*
 * The one mapper from the API's error body (`{error:{code,message,fields}}`, src/api/errors.ts) to
 * what a page shows: a catalogue key (web/shared/i18n/errors.ts) for the code, and the field
 * messages in the user's language (web/shared/serverErrors.ts). The server writes English for API
 * consumers; nothing it writes reaches a Norwegian page untranslated.
 */

/**
 * The catalogue key of each error code of the contract. Typed by the contract: a code added on the
 * server does not compile here until it has a key, and a key must exist in nb, nn and en.
 * Forbidden, not found and internal keep the page-wide sentences they always had.
 */
export const ERROR_CODE_KEYS: Readonly<Record<ErrorCode, TextKey>> = {
  validation_failed: 'apiError_validation_failed', unauthenticated: 'apiError_unauthenticated', forbidden: 'errorForbidden',
  not_found: 'errorNotFound', conflict: 'apiError_conflict', cross_site_request: 'apiError_cross_site_request',
  unsupported_media_type: 'apiError_unsupported_media_type', rate_limited: 'apiError_rate_limited', bad_request: 'apiError_bad_request',
  payload_too_large: 'apiError_payload_too_large', internal: 'errorGeneric', no_active_episode: 'apiError_no_active_episode',
  invalid_transition: 'apiError_invalid_transition', not_responsible: 'apiError_not_responsible',
  onboarding_incomplete: 'apiError_onboarding_incomplete', no_gp_office: 'apiError_no_gp_office',
  emergency_access_running: 'apiError_emergency_access_running', invalid_plan: 'apiError_invalid_plan', no_plan: 'apiError_no_plan',
  cannot_rebuild: 'apiError_cannot_rebuild', invalid_format: 'apiError_invalid_format', invalid_checksum: 'apiError_invalid_checksum',
  invalid_individual_number: 'apiError_invalid_individual_number', invalid_date: 'apiError_invalid_date',
  unknown_measure: 'apiError_unknown_measure', implausible_value: 'apiError_implausible_value', unit_not_accepted: 'apiError_unit_not_accepted',
  flag_not_accepted: 'apiError_flag_not_accepted', unknown_questionnaire: 'apiError_unknown_questionnaire', unknown_item: 'apiError_unknown_item',
  invalid_answer: 'apiError_invalid_answer', invalid_measurement: 'apiError_invalid_measurement', future_timestamp: 'apiError_future_timestamp',
  missing_answer: 'apiError_missing_answer', unknown_device: 'apiError_unknown_device', device_not_lent: 'apiError_device_not_lent',
  device_clock_unreliable: 'apiError_device_clock_unreliable', invalid_identifier: 'apiError_invalid_identifier',
  device_lent_to_another_patient: 'apiError_device_lent_to_another_patient', measured_before_loan: 'apiError_measured_before_loan',
  alerts_changed: 'apiError_alerts_changed',
};

/**
 * The page's sentence for a failed request: the network, the error code's own sentence, else by
 * HTTP status (a proxy's 502 carries no code of ours).
 * @param error the failed request (`status` 0: it may never have reached the server)
 */
export function errorKey(error: Pick<ApiError, 'status' | 'code'>): TextKey {
  if (error.status === 0) return 'errorNetwork';
  if (Object.hasOwn(ERROR_CODE_KEYS, error.code)) return ERROR_CODE_KEYS[error.code as ErrorCode];
  if (error.status === 403) return 'errorForbidden';
  if (error.status === 404) return 'errorNotFound';
  return 'errorGeneric';
}

/**
 * What to show for a failed command: the server's message when the apps translate it (it names
 * the thing, e.g. which device already has that serial number), else the code's sentence.
 * @param error the failed request
 */
export function errorMessage(error: Pick<ApiError, 'status' | 'code' | 'message'>): Text {
  return error.status !== 0 && knownServerMessage(error.message) ? raw(error.message) : msg(errorKey(error));
}

/**
 * The field errors of a 400, each shown in the user's language (`textOf`): zod's and the domain's
 * messages are translated, an unknown English one becomes a generic sentence.
 * @param error the failed request; `fields` maps a dotted input path to what is wrong with it
 */
export function fieldErrors(error: Pick<ApiError, 'fields'>): Record<string, Text> {
  return Object.fromEntries(Object.entries(error.fields).map(([path, message]) => [path, raw(message)]));
}
