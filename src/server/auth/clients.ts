import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/port.js';
import type { Actor } from './actor.js';
import { hashToken } from './session.js';

/** Scopes a device gateway or integration can be given. Kept narrow on purpose. */
export const CLIENT_SCOPES = ['observation.write', 'device.read', 'dialogmelding.receive', 'smart.launch'] as const;
const TOKEN_TTL_SECONDS = 3600;

/** scrypt, not sha256: client secrets are long-lived and must resist offline guessing. */
export function hashSecret(secret: string, salt = randomBytes(16)): string {
  return `scrypt$${salt.toString('base64url')}$${scryptSync(secret, salt, 32).toString('base64url')}`;
}

/**
 * What an unknown client id's secret is checked against, so the refusal takes as long as a wrong
 * secret's. Made by the first token request: a scrypt at module load took ~90 ms of every
 * process's start (each test file's), though most never see a client credentials request.
 */
let dummyHash: string | undefined;
const dummy = (): string => (dummyHash ??= hashSecret(randomBytes(24).toString('base64url')));

function verifySecret(secret: string, stored: string): boolean {
  const [alg, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(secret, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(expected, actual);
}

export async function registerClient(
  q: Queryable,
  c: { clientId: string; name: string; organisationId: string; scopes: string[] },
): Promise<{ clientId: string; clientSecret: string }> {
  const clientSecret = randomBytes(24).toString('base64url');
  await q.query('insert into api_clients (client_id, secret_hash, name, organisation_id, scopes) values ($1,$2,$3,$4,$5)', [
    c.clientId, hashSecret(clientSecret), c.name, c.organisationId, c.scopes,
  ]);
  return { clientId: c.clientId, clientSecret };
}

/** Why a client credentials request was refused; the caller only ever says `invalid_client`. */
export type ClientRefusal = 'unknown_client' | 'disabled' | 'locked' | 'wrong_secret' | 'scope_not_allowed';

export type ClientTokenResult =
  | { ok: true; accessToken: string; scopes: string[]; expiresIn: number; organisationId: string }
  | { ok: false; reason: ClientRefusal; organisationId: string | null; lockedNow?: boolean };

/**
 * OAuth 2.0 client credentials grant. Consecutive wrong secrets count towards a lockout
 * (`lockoutAfter`); a locked client gets no token even with the right secret until an
 * administrator lifts the lock. The caller answers `invalid_client` whatever the reason, so a
 * guesser learns nothing, and audits the reason.
 */
export async function issueClientToken(
  q: Queryable,
  clientId: string,
  secret: string,
  requestedScopes: string[] | null,
  lockoutAfter = 10,
): Promise<ClientTokenResult> {
  // Before the lookup, so the one request that makes it pays for it whether its client exists or not.
  const unknownClientHash = dummy();
  const r = await q.query<{ secret_hash: string; scopes: string[]; organisation_id: string; disabled_at: Date | null; locked_at: Date | null }>(
    'select secret_hash, scopes, organisation_id, disabled_at, locked_at from api_clients where client_id = $1',
    [clientId],
  );
  const row = r.rows[0];
  if (!row) {
    // Same scrypt work as for a known client, so response time does not tell which ids exist.
    verifySecret(secret, unknownClientHash);
    return { ok: false, reason: 'unknown_client', organisationId: null };
  }
  const org = row.organisation_id;
  if (row.disabled_at) return { ok: false, reason: 'disabled', organisationId: org };
  if (row.locked_at) return { ok: false, reason: 'locked', organisationId: org };
  if (!verifySecret(secret, row.secret_hash)) {
    const u = await q.query<{ locked_now: boolean }>(
      `update api_clients set failed_attempts = failed_attempts + 1,
              locked_at = case when locked_at is null and failed_attempts + 1 >= $2 then now() else locked_at end
        where client_id = $1
       returning (locked_at is not null and failed_attempts = $2) as locked_now`,
      [clientId, lockoutAfter],
    );
    return { ok: false, reason: 'wrong_secret', organisationId: org, lockedNow: u.rows[0]?.locked_now ?? false };
  }
  // A right secret ends a run of wrong ones; scope errors are the client's configuration, not guessing.
  await q.query('update api_clients set failed_attempts = 0 where client_id = $1 and failed_attempts > 0', [clientId]);
  const scopes = requestedScopes ? requestedScopes.filter((s) => row.scopes.includes(s)) : row.scopes;
  if (requestedScopes && scopes.length !== requestedScopes.length) return { ok: false, reason: 'scope_not_allowed', organisationId: org };
  const accessToken = randomBytes(32).toString('base64url');
  await q.query(
    `insert into access_tokens (token_hash, client_id, scopes, expires_at) values ($1,$2,$3, now() + make_interval(secs => $4))`,
    [hashToken(accessToken), clientId, scopes, TOKEN_TTL_SECONDS],
  );
  return { ok: true, accessToken, scopes, expiresIn: TOKEN_TTL_SECONDS, organisationId: org };
}

/** Lifts a lockout of a client of `organisationId`; false when there is no such locked client. */
export async function unlockClient(q: Queryable, clientId: string, organisationId: string): Promise<boolean> {
  const r = await q.query(
    `update api_clients set locked_at = null, failed_attempts = 0
      where client_id = $1 and organisation_id = $2 and locked_at is not null`,
    [clientId, organisationId],
  );
  return r.rowCount > 0;
}

/** The organisation's device clients with their lock state, for its administrators. */
export async function listClients(q: Queryable, organisationId: string) {
  const r = await q.query<{ client_id: string; name: string; scopes: string[]; disabled_at: Date | null; locked_at: Date | null; failed_attempts: number }>(
    `select client_id, name, scopes, disabled_at, locked_at, failed_attempts from api_clients where organisation_id = $1 order by name, client_id`,
    [organisationId],
  );
  return r.rows.map((c) => ({
    clientId: c.client_id, name: c.name, scopes: c.scopes, disabled: c.disabled_at !== null,
    lockedAt: c.locked_at?.toISOString() ?? null, failedAttempts: c.failed_attempts,
  }));
}

export async function actorForAccessToken(q: Queryable, token: string): Promise<Actor | null> {
  const r = await q.query<{ client_id: string; scopes: string[]; organisation_id: string }>(
    `select t.client_id, t.scopes, c.organisation_id from access_tokens t join api_clients c using (client_id)
      where t.token_hash = $1 and t.expires_at > now() and c.disabled_at is null`,
    [hashToken(token)],
  );
  const row = r.rows[0];
  return row ? { kind: 'client', clientId: row.client_id, organisationId: row.organisation_id, scopes: row.scopes } : null;
}
