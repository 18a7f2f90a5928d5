import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { ZodError } from 'zod';
import { AppError } from '../http/errors.js';

/*
 * Errors on the FHIR face are always OperationOutcome resources (FHIR R4 §3.1.0.5 / http.html#Status):
 * clients written against any FHIR server know how to show them, and `expression` points at the
 * offending element so a device gateway can tell which reading of a bundle was refused.
 */

export type IssueCode = OperationOutcomeIssue['code'];
export type IssueSeverity = OperationOutcomeIssue['severity'];

export interface Issue {
  severity?: IssueSeverity;
  code: IssueCode;
  diagnostics: string;
  /** FHIRPath of the element the issue is about, e.g. `Observation.valueQuantity.value`. */
  expression?: string[];
}

/** An error already phrased in FHIR terms: HTTP status plus OperationOutcome issues. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issues: Issue[],
  ) {
    super(issues[0]?.diagnostics ?? 'FHIR error');
  }
}

/**
 * Shorthand for a one-issue FhirError.
 * @param status HTTP status
 * @param code FHIR issue type (http://hl7.org/fhir/issue-type)
 * @param diagnostics human-readable explanation
 * @param expression FHIRPath of the element at fault, when there is one
 */
export function fhirError(status: number, code: IssueCode, diagnostics: string, expression?: string): FhirError {
  return new FhirError(status, [{ code, diagnostics, ...(expression ? { expression: [expression] } : {}) }]);
}

/** Builds the OperationOutcome resource for a list of issues (severity defaults to error). */
export function operationOutcome(issues: Issue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity ?? 'error',
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression?.length ? { expression: i.expression } : {}),
    })),
  };
}

/** An informational OperationOutcome (e.g. "stored as two Observations"). */
export function information(diagnostics: string): OperationOutcome {
  return operationOutcome([{ severity: 'information', code: 'informational', diagnostics }]);
}

const REASON: Record<number, string> = {
  200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict', 412: 'Precondition Failed', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 501: 'Not Implemented',
};

/** `Bundle.entry.response.status` wants the status line ("201 Created"), not just the number. */
export function statusLine(status: number): string {
  return REASON[status] ? `${status} ${REASON[status]}` : String(status);
}

// App error codes whose meaning in FHIR terms is a broken business rule rather than bad syntax.
const BUSINESS_RULES = new Set(['future_timestamp', 'no_active_episode']);

function issueCodeFor(status: number, appCode?: string): IssueCode {
  if (appCode && BUSINESS_RULES.has(appCode)) return 'business-rule';
  if (appCode === 'invalid_measurement') return 'value';
  switch (status) {
    case 401: return 'login';
    case 403: return 'forbidden';
    case 404: return 'not-found';
    case 405: case 406: case 415: case 501: return 'not-supported';
    case 409: return 'conflict';
    case 413: return 'too-long';
    case 422: return 'business-rule';
    default: return status >= 500 ? 'exception' : 'invalid';
  }
}

/**
 * Translates an app-level field name (dotted path as used by the JSON API) to a FHIRPath.
 * Returns undefined when the field has no FHIR counterpart; the issue then carries no expression.
 */
export type FieldToPath = (field: string) => string | undefined;

/**
 * Turns any error a FHIR handler can meet into a FhirError: FhirError as is; AppError (services,
 * zod via parse()) with its status — except "no active episode", a broken business rule and so 422
 * here — and one issue per field; raw ZodError as 400; Fastify's own 4xx (bad JSON, media type).
 * Returns null for anything else (a bug: the caller answers 500 and logs it).
 * @param err what was thrown
 * @param toPath maps app field names to FHIRPath expressions
 */
export function toFhirError(err: unknown, toPath: FieldToPath = () => undefined): FhirError | null {
  if (err instanceof FhirError) return err;
  if (err instanceof AppError) {
    const status = err.code === 'no_active_episode' ? 422 : err.status;
    const code = issueCodeFor(status, err.code);
    const fields = Object.entries(err.fields ?? {});
    if (fields.length === 0) return new FhirError(status, [{ code, diagnostics: err.message }]);
    return new FhirError(
      status,
      fields.map(([field, message]) => {
        const path = toPath(field);
        return { code, diagnostics: path ? message : `${field}: ${message}`, ...(path ? { expression: [path] } : {}) };
      }),
    );
  }
  if (err instanceof ZodError) {
    return new FhirError(
      400,
      err.issues.map((i) => {
        const field = i.path.map(String).join('.');
        const path = field ? toPath(field) : undefined;
        return { code: 'invalid', diagnostics: field && !path ? `${field}: ${i.message}` : i.message, ...(path ? { expression: [path] } : {}) };
      }),
    );
  }
  const e = err as { statusCode?: unknown; message?: unknown };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = e.statusCode === 400 ? 'structure' : issueCodeFor(e.statusCode);
    return fhirError(e.statusCode, code, typeof e.message === 'string' ? e.message : 'Bad request');
  }
  return null;
}

/**
 * Prefixes the expressions of an error with the bundle entry they came from, so
 * `Observation.valueQuantity.value` becomes `Bundle.entry[3].resource.valueQuantity.value`.
 */
export function inEntry(err: FhirError, index: number): FhirError {
  const where = `Bundle.entry[${index}]`;
  return new FhirError(
    err.status,
    err.issues.map((i) => ({
      ...i,
      expression: i.expression?.length
        ? i.expression.map((x) => (x.startsWith('Observation') ? `${where}.resource${x.slice('Observation'.length)}` : x.startsWith('Bundle') ? x : `${where}.${x}`))
        : [where],
    })),
  );
}
