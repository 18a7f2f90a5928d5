/**
 * A minimal cookie-keeping HTTP client that follows redirects by hand, so tests can walk the
 * OIDC login exactly as a browser would (every hop visible) without starting Chromium.
 */
export class CookieClient {
  private readonly jar = new Map<string, string>();

  constructor(private readonly base: string) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.jar.get(name);
  }

  async request(method: string, url: string, body?: URLSearchParams): Promise<Response> {
    const res = await fetch(new URL(url, this.base), {
      method,
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body: body.toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects (GET) until a non-redirect answer; returns it and the hops taken. */
  async follow(method: string, url: string, body?: URLSearchParams): Promise<{ res: Response; hops: string[] }> {
    const hops: string[] = [];
    let res = await this.request(method, url, body);
    while (res.status >= 300 && res.status < 400 && hops.length < 20) {
      const next = new URL(res.headers.get('location')!, this.base).href;
      hops.push(next);
      res = await this.request('GET', next);
    }
    return { res, hops };
  }
}

/** Logs in through /auth/login and the local provider's login page; returns the client with its session. */
export async function loginThroughIdp(base: string, app: 'patient' | 'clinic', who: { pid?: string; hpr?: string }): Promise<{ client: CookieClient; final: Response; hops: string[] }> {
  const client = new CookieClient(base);
  const { res: loginPage, hops } = await client.follow('GET', `/auth/login?app=${app}`);
  const html = await loginPage.text();
  const action = /action="([^"]+\/login)"/.exec(html)?.[1];
  if (!action) throw new Error(`no login form in: ${html.slice(0, 300)}`);
  const form = new URLSearchParams(who.pid ? { pid: who.pid } : { hpr: who.hpr ?? '' });
  const done = await client.follow('POST', action, form);
  return { client, final: done.res, hops: [...hops, ...done.hops] };
}
