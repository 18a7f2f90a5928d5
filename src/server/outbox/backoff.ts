/**
 * When to try a failed delivery again, and which failures are worth trying again. Pure: the
 * worker passes the attempt number and a random source, tests pass their own.
 */

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** No wait is longer than this, however many attempts failed. */
  maxMs: number;
}

/** 5 s, 10 s, 20 s … capped at one hour: a receiver down for a night is tried about hourly. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 60 * 60_000 };

/**
 * Exponential back-off with "equal jitter": half the exponential delay is fixed, the other half
 * random, so many documents failing together (a receiver went down) do not all come back in the
 * same second, yet no retry comes sooner than half the planned delay.
 * `attempt` is the number of attempts made so far (1 after the first failure).
 */
export function retryDelayMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(exp / 2 + (exp / 2) * r);
}

/**
 * Whether an HTTP answer (or a network failure: `status` undefined) is worth retrying. A
 * receiver that is down, overloaded or slow (5xx, 408, 425, 429, no answer) may accept later;
 * one that refuses the document itself (other 4xx) will refuse it again, so it goes to the dead
 * letters at once for a person to look at.
 */
export function isRetryable(status: number | undefined): boolean {
  if (status === undefined) return true;
  if (status >= 500) return true;
  return status === 408 || status === 425 || status === 429;
}

/** A Retry-After header (seconds or an HTTP date) as milliseconds from `now`, if it asks for longer. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
