import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/port.js';
import type { Actor } from './actor.js';
import { hashToken } from './session.js';

/** Scopes a device gateway or integration can be given. Kept narrow on purpose. */
export const CLIENT_SCOPES = ['observation.write', 'device.read'] as const;
const TOKEN_TTL_SECONDS = 3600;

/** scrypt, not sha256: client secrets are long-lived and must resist offline guessing. */
export function hashSecret(secret: string, salt = randomBytes(16)): string {
  return `scrypt$${salt.toString('base64url')}$${scryptSync(secret, salt, 32).toString('base64url')}`;
}

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

/**
 * OAuth 2.0 client credentials grant. Returns null for any failure so the caller answers
 * `invalid_client` without saying which part was wrong.
 */
export async function issueClientToken(
  q: Queryable,
  clientId: string,
  secret: string,
  requestedScopes: string[] | null,
): Promise<{ accessToken: string; scopes: string[]; expiresIn: number } | null> {
  const r = await q.query<{ secret_hash: string; scopes: string[] }>(
    'select secret_hash, scopes from api_clients where client_id = $1 and disabled_at is null',
    [clientId],
  );
  const row = r.rows[0];
  if (!row || !verifySecret(secret, row.secret_hash)) return null;
  const scopes = requestedScopes ? requestedScopes.filter((s) => row.scopes.includes(s)) : row.scopes;
  if (requestedScopes && scopes.length !== requestedScopes.length) return null;
  const accessToken = randomBytes(32).toString('base64url');
  await q.query(
    `insert into access_tokens (token_hash, client_id, scopes, expires_at) values ($1,$2,$3, now() + make_interval(secs => $4))`,
    [hashToken(accessToken), clientId, scopes, TOKEN_TTL_SECONDS],
  );
  return { accessToken, scopes, expiresIn: TOKEN_TTL_SECONDS };
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
