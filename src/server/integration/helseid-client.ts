import { createPrivateKey, type JsonWebKey, type KeyObject, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ReceiverKind } from '../outbox/repo.js';
import type { TokenSource } from '../outbox/worker.js';

/*
 * HelseID machine-to-machine authentication for the outbox worker: client credentials with a
 * signed client assertion (`private_key_jwt`, RFC 7523), which is how HelseID authenticates
 * clients (no shared secrets). One token per HelseID client and scope, cached until shortly before
 * it expires. The private keys come from the deployment's secret store, never from the database;
 * the receiver row only names the client (integration_receivers.helseid_client_id). DPoP, which
 * HelseID also requires for most APIs, is not done here (docs/INTEGRATION.md).
 */

export interface HelseIdClientOptions {
  /** The token endpoint (HelseID: https://helseid-sts.nhn.no/connect/token; tests: the local IdP's). */
  tokenEndpoint: string;
  /** `aud` of the client assertion: HelseID wants its issuer; defaults to the token endpoint. */
  audience?: string;
  /** Private signing key (RS256) per HelseID client id; `kid` as registered with the client's public key. */
  keys: Map<string, { key: KeyObject; kid: string }>;
  /** Scope asked for per receiver kind (each service publishes its own). */
  scopes: Partial<Record<ReceiverKind, string>>;
  /** A token is renewed this long before it expires (default 60 s), so none expires on its way. */
  renewBeforeMs?: number;
  /** The cache's clock (the assertion's iat is always the wall clock: the token endpoint checks it against its own). */
  now?: () => number;
  fetch?: typeof fetch;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** The signed client assertion (RS256) for one token request. */
export function clientAssertion(clientId: string, signer: { key: KeyObject; kid: string }, audience: string, nowSeconds: number): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: signer.kid }));
  const claims = b64url(JSON.stringify({ iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), iat: nowSeconds, nbf: nowSeconds, exp: nowSeconds + 60 }));
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), signer.key);
  return `${header}.${claims}.${b64url(signature)}`;
}

/**
 * A TokenSource for the worker (WorkerOptions.token): asks the token endpoint for an access token
 * with the receiver's HelseID client and caches it per client and scope. Concurrent asks for the
 * same token share one request. A refusal throws with the endpoint's error, so the delivery is
 * retried later and the reason is kept on the message.
 */
export function helseIdTokenSource(o: HelseIdClientOptions): TokenSource & { requests: () => number } {
  const cache = new Map<string, { token: string; until: number }>();
  const pending = new Map<string, Promise<string>>();
  const now = o.now ?? Date.now;
  let requests = 0;
  const fetchToken = async (clientId: string, scope: string | undefined): Promise<string> => {
    const signer = o.keys.get(clientId);
    if (!signer) throw new Error(`no private key for HelseID client ${clientId}`);
    requests++;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion(clientId, signer, o.audience ?? o.tokenEndpoint, Math.floor(Date.now() / 1000)),
      ...(scope ? { scope } : {}),
    });
    const res = await (o.fetch ?? fetch)(o.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(10_000) });
    const json = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !json.access_token) throw new Error(`token endpoint answered ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}`.trim());
    const ttl = (json.expires_in ?? 60) * 1000;
    cache.set(`${clientId} ${scope ?? ''}`, { token: json.access_token, until: now() + Math.max(0, ttl - (o.renewBeforeMs ?? 60_000)) });
    return json.access_token;
  };
  const source = (async (r) => {
    const scope = o.scopes[r.kind];
    const key = `${r.helseIdClientId} ${scope ?? ''}`;
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.token;
    const inFlight = pending.get(key);
    if (inFlight) return inFlight;
    const p = fetchToken(r.helseIdClientId, scope).finally(() => pending.delete(key));
    pending.set(key, p);
    return p;
  }) as TokenSource & { requests: () => number };
  source.requests = () => requests;
  source.invalidate = (r) => {
    cache.delete(`${r.helseIdClientId} ${o.scopes[r.kind] ?? ''}`);
  };
  return source;
}

/**
 * The worker's token source from the deployment's environment, or undefined when not configured:
 * HELSEID_TOKEN_ENDPOINT, HELSEID_AUDIENCE (optional), HELSEID_KEYS_FILE (a JSON object of HelseID
 * client id → private JWK with its kid, from the secret store) and HELSEID_SCOPE_VKP /
 * HELSEID_SCOPE_PMD / HELSEID_SCOPE_DIALOGMELDING.
 */
export function helseIdFromEnv(env: NodeJS.ProcessEnv): TokenSource | undefined {
  if (!env.HELSEID_TOKEN_ENDPOINT || !env.HELSEID_KEYS_FILE) return undefined;
  const raw = JSON.parse(readFileSync(env.HELSEID_KEYS_FILE, 'utf8')) as Record<string, JsonWebKey & { kid?: string }>;
  const keys = new Map(Object.entries(raw).map(([clientId, jwk]) => [clientId, { key: createPrivateKey({ key: jwk, format: 'jwk' }), kid: jwk.kid ?? clientId }]));
  return helseIdTokenSource({
    tokenEndpoint: env.HELSEID_TOKEN_ENDPOINT,
    ...(env.HELSEID_AUDIENCE ? { audience: env.HELSEID_AUDIENCE } : {}),
    keys,
    scopes: {
      ...(env.HELSEID_SCOPE_VKP ? { vkp: env.HELSEID_SCOPE_VKP } : {}),
      ...(env.HELSEID_SCOPE_PMD ? { pasientens_maledata: env.HELSEID_SCOPE_PMD } : {}),
      ...(env.HELSEID_SCOPE_DIALOGMELDING ? { dialogmelding: env.HELSEID_SCOPE_DIALOGMELDING } : {}),
    },
  });
}
