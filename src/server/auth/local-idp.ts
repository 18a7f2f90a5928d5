import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { default as Provider, ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../db/port.js';
import { page } from '../http/html.js';

/**
 * A local OpenID Connect provider standing in for HelseID (personnel) and ID-porten (patients)
 * in demo and tests. It is a real OIDC provider (code flow + PKCE, signed ID tokens), so the
 * relying-party code path is the same one used against the national providers; only the
 * login page differs: personnel pick a test person (like HelseID's test IdP) and patients type
 * a synthetic fødselsnummer (like ID-porten's TestID).
 */
export interface LocalIdp {
  provider: Provider;
  issuer: string;
  clients: Record<'clinic' | 'patient', { clientId: string; clientSecret: string }>;
  /** Node handler for everything under `/idp` (the caller strips nothing; we do). */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** Client registrations of the two apps with the local provider; secrets are minted per process. */
export function localClients(): LocalIdp['clients'] {
  return {
    clinic: { clientId: 'varde-clinic', clientSecret: randomBytes(24).toString('base64url') },
    patient: { clientId: 'varde-patient', clientSecret: randomBytes(24).toString('base64url') },
  };
}

export const HELSEID_HPR_CLAIM = 'helseid://claims/hpr/hpr_number';
/** HelseID's claim for the login's security level: "4" high (BankID, Buypass, smart card), "3" substantial. */
export const HELSEID_SECURITY_LEVEL_CLAIM = 'helseid://claims/identity/security_level';
export const IDPORTEN_ACR_HIGH = 'idporten-loa-high';
export const IDPORTEN_ACR_SUBSTANTIAL = 'idporten-loa-substantial';

/** Account ids carry their kind: `patient:<fnr>` or `personnel:<hpr>` (`personnel:<hpr>:3` for security level 3). */
export async function createLocalIdp(
  db: Db,
  publicUrl: string,
  cookieKeys: string[],
  clients: LocalIdp['clients'] = localClients(),
  /**
   * Machine-to-machine clients standing in for HelseID clients of the outbox worker
   * (integration/helseid-client.ts): client credentials with private_key_jwt, public key in `jwks`.
   */
  machineClients: { clientId: string; jwks: { keys: object[] }; scope: string }[] = [],
): Promise<LocalIdp> {
  const issuer = `${publicUrl}/idp`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'local-1' };

  const configuration: Configuration = {
    clients: (['clinic', 'patient'] as const).map((app) => ({
      client_id: clients[app].clientId,
      client_secret: clients[app].clientSecret,
      redirect_uris: [`${publicUrl}/auth/callback/${app}`],
      post_logout_redirect_uris: [`${publicUrl}/`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }) as ClientMetadata).concat(machineClients.map((m): ClientMetadata => ({
      client_id: m.clientId,
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: m.jwks,
      scope: m.scope,
    }))),
    jwks: { keys: [jwk] },
    cookies: { keys: cookieKeys },
    pkce: { required: () => true },
    acrValues: [IDPORTEN_ACR_SUBSTANTIAL, IDPORTEN_ACR_HIGH],
    claims: {
      acr: null,
      auth_time: null,
      sid: null,
      openid: ['sub'],
      profile: ['name'],
      pid: ['pid'],
      helseid: [HELSEID_HPR_CLAIM, HELSEID_SECURITY_LEVEL_CLAIM],
    },
    scopes: ['openid', 'profile', 'pid', 'helseid', ...new Set(machineClients.flatMap((m) => m.scope.split(' ')))],
    // The relying party reads identity straight from the ID token, as with ID-porten.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true, logoutSource }, clientCredentials: { enabled: machineClients.length > 0 } },
    interactions: { url: (_ctx, interaction) => `/idp/interaction/${interaction.uid}` },
    ttl: { Session: 10 * 3600, Interaction: 3600, Grant: 10 * 3600, IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60 },
    // First-party clients: no consent screen; grant exactly what was asked for.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, id) {
      const [kind, key, level] = id.split(':', 3) as [string, string, string | undefined];
      if (kind === 'patient') {
        const r = await db.query<{ name: string }>(
          `select name from patients where identifier = $1
           union all (select relative_name from delegations where relative_identifier = $1 and revoked_at is null order by granted_at desc limit 1)`,
          [key],
        );
        // ID-porten knows every resident; an unknown number still logs in and Varde then refuses it.
        const name = r.rows[0]?.name ?? 'Ukjent testperson';
        return { accountId: id, claims: () => ({ sub: id, pid: key, name }) };
      }
      if (kind === 'personnel') {
        const r = await db.query<{ name: string }>('select name from personnel where hpr_number = $1', [key]);
        if (!r.rows[0]) return undefined;
        const name = r.rows[0].name;
        return { accountId: id, claims: () => ({ sub: id, name, [HELSEID_HPR_CLAIM]: key, [HELSEID_SECURITY_LEVEL_CLAIM]: level === '3' ? '3' : '4' }) };
      }
      return undefined;
    },
  };

  // Loaded here, on the first login, not with the server: oidc-provider and its dependencies take
  // 0.6–1 s of CPU to import, which every server process (and every test file) paid, most of them
  // for no login at all.
  const { default: OidcProvider } = await import('oidc-provider');
  const provider = new OidcProvider(issuer, configuration);
  provider.proxy = true;
  const callback = provider.callback();
  return {
    provider,
    issuer,
    clients,
    handle(req, res) {
      const url = req.url ?? '/';
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
      req.url = url.slice('/idp'.length) || '/';
      callback(req, res);
    },
  };
}

const AUTO_SUBMIT = "document.getElementById('op.logoutForm').submit();";

/**
 * The end-session page. The apps come here after their own logout (RP-initiated logout), so the
 * person has already chosen to log out: the form ends the provider's session at once, as
 * ID-porten and HelseID do, and the next person on a shared tablet must log in again. The
 * one-line script is allowed by its hash, not by 'unsafe-inline'; without scripts a button does it.
 */
async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const csp = ctx.response.get('content-security-policy');
  if (csp) {
    const hash = `'sha256-${createHash('sha256').update(AUTO_SUBMIT).digest('base64')}'`;
    ctx.set('content-security-policy', csp.replace(/script-src ([^;]*)/, (_m, v: string) => `script-src ${v} ${hash}`));
  }
  const withChoice = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
  ctx.type = 'html';
  ctx.body = page('Logger ut', `<h1>Logger ut …</h1>${withChoice}
    <p><button type="submit" form="op.logoutForm">Logg ut</button></p>
    <script>${AUTO_SUBMIT}</script>`);
}
