/**
 * Result type used by every fallible domain function. Domain code never throws
 * for bad *input* (user or device data); it returns an error the HTTP/FHIR edge
 * can turn into a 4xx / OperationOutcome without guessing.
 */

/** A machine-readable error code plus an English message fit to show a developer or log. */
export interface DomainError {
  code: string;
  message: string;
  /** Dotted path of the offending field, when one can be named. */
  field?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** Wraps a successful value. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failed result; `field` is only set when given so deep-equal tests stay simple. */
export function err<T = never>(code: string, message: string, field?: string): Result<T> {
  const error: DomainError = field === undefined ? { code, message } : { code, message, field };
  return { ok: false, error };
}
