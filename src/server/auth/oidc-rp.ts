import * as oidc from 'openid-client';

export type LoginApp = 'clinic' | 'patient';

export interface RpClientConfig {
  /** A function: the local provider's issuer is known only once the server listens. */
  issuer: () => string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Extra authorisation parameters, e.g. ID-porten's `acr_values`. */
  params?: Record<string, string>;
}

export interface PendingLogin {
  app: LoginApp;
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * OIDC relying party for both apps: HelseID for the clinic app, ID-porten for the patient app.
 * Discovery is lazy so the server can start before the provider (or, locally, itself) answers.
 */
export class OidcRp {
  private readonly configs = new Map<LoginApp, Promise<oidc.Configuration>>();

  constructor(
    private readonly clients: Record<LoginApp, RpClientConfig>,
    private readonly publicUrl: () => string,
  ) {}

  private config(app: LoginApp): Promise<oidc.Configuration> {
    let c = this.configs.get(app);
    if (!c) {
      const cc = this.clients[app];
      const issuer = cc.issuer();
      const insecure = issuer.startsWith('http://');
      c = oidc.discovery(new URL(issuer), cc.clientId, undefined, oidc.ClientSecretBasic(cc.clientSecret), {
        // Only the local demo provider is plain http on loopback; national providers are https.
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
      // A failed discovery must be retried on the next login, not cached forever.
      c.catch(() => this.configs.delete(app));
      this.configs.set(app, c);
    }
    return c;
  }

  redirectUri(app: LoginApp): string {
    return `${this.publicUrl()}/auth/callback/${app}`;
  }

  async start(app: LoginApp, extra: Record<string, string> = {}): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.config(app);
    const pending: PendingLogin = {
      app,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(app),
      scope: this.clients[app].scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      ...this.clients[app].params,
      ...extra,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the code and returns the verified ID token claims and the raw ID token. */
  async finish(app: LoginApp, callbackUrl: URL, pending: PendingLogin): Promise<{ claims: oidc.IDToken; idToken: string }> {
    const config = await this.config(app);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      pkceCodeVerifier: pending.verifier,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new Error('The identity provider returned no ID token.');
    return { claims, idToken: tokens.id_token };
  }

  async logoutUrl(app: LoginApp, idToken: string | null): Promise<string | null> {
    try {
      const config = await this.config(app);
      if (!config.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(config, {
        post_logout_redirect_uri: `${this.publicUrl()}/`,
        ...(idToken ? { id_token_hint: idToken } : {}),
      }).href;
    } catch {
      return null;
    }
  }
}
