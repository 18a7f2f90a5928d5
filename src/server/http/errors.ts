import type { ZodError } from 'zod';
import type { ErrorCode } from '../../api/errors.js';

/** An error the API shows to the caller as `{error:{code,message,fields}}` with `status`. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    /**
     * One of the contract's codes (src/api/errors.ts), which the apps translate. Codes handed on
     * from domain results are plain strings; http/error-codes.test.ts checks every code in src.
     */
    readonly code: ErrorCode | (string & {}),
    message: string,
    readonly fields?: Record<string, string>,
    /** A whole HTML page to answer with instead of JSON (login routes a browser navigates to). */
    readonly html?: string,
  ) {
    super(message);
  }
}

export const unauthenticated = () => new AppError(401, 'unauthenticated', 'Log in to continue.');
export const forbidden = (message = 'You do not have access to this.') => new AppError(403, 'forbidden', message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found.`);
export const conflict = (message: string) => new AppError(409, 'conflict', message);

/** Turns zod issues into one message and a field → message map keyed by dotted path. */
export function fromZod(err: ZodError, prefix = ''): AppError {
  const fields: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)';
    fields[key] ??= issue.message;
  }
  const first = Object.entries(fields)[0];
  const message = first ? `Invalid input: ${first[0]}: ${first[1]}` : 'Invalid input.';
  return new AppError(400, 'validation_failed', message, fields);
}
