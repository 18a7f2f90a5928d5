import type { Queryable } from '../db/port.js';
import type { Actor } from './actor.js';
import { actorForAccessToken } from './clients.js';

/**
 * How long a bearer token's actor is reused without asking the database. A device gateway sends
 * hundreds of requests a second with one token; the lookup was one of the few statements left per
 * single-reading request (bench/README.md). The price: a disabled client or an expired token is
 * noticed up to this much later, in each app process.
 */
export const TOKEN_CACHE_MS = 5_000;
/** Enough for every gateway of a large deployment; beyond it the oldest entries go first. */
const MAX_ENTRIES = 10_000;

interface Entry {
  actor: Actor | null;
  until: number;
}

/**
 * `actorForAccessToken` with a short-lived cache per process (see TOKEN_CACHE_MS). Unknown or
 * expired tokens are not cached, so a new token works at once and a guessing caller cannot fill
 * the cache; concurrent requests with the same new token share one lookup.
 */
export class TokenActorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Actor | null>>();

  constructor(
    private readonly ttlMs = TOKEN_CACHE_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async actorFor(q: Queryable, token: string): Promise<Actor | null> {
    const now = this.clock();
    const hit = this.entries.get(token);
    if (hit && hit.until > now) return hit.actor;
    if (hit) this.entries.delete(token);
    const inFlight = this.pending.get(token);
    if (inFlight) return inFlight;
    const lookup = actorForAccessToken(q, token).finally(() => this.pending.delete(token));
    this.pending.set(token, lookup);
    const actor = await lookup;
    if (actor) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(token, { actor, until: now + this.ttlMs });
    }
    return actor;
  }

  /**
   * The cached actor of a token without a lookup (undefined when it would need one): lets the
   * HTTP layer answer a cached token without an await. Same expiry as actorFor.
   */
  peek(token: string): Actor | undefined {
    const hit = this.entries.get(token);
    return hit && hit.until > this.clock() ? hit.actor ?? undefined : undefined;
  }

  /** Forgets every token (a client was disabled here: take effect at once in this process). */
  clear(): void {
    this.entries.clear();
  }
}

/** The process-wide cache used by the HTTP layer (http/app.ts). */
export const tokenActors = new TokenActorCache();
