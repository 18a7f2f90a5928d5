import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the national receivers (VKP, Pasientens måledata, the GP's EPJ) for development,
 * the demo and tests. It keeps what it receives once per idempotency key, like a receiver that
 * honours the key, and can be told to fail (5xx), answer slowly, or be down (drop connections).
 * Never mounted in production.
 */
export interface ReceivedDocument {
  key: string;
  /** Path segment the worker posted to (the receiver kind). */
  channel: string;
  contentType: string;
  documentKind: string | null;
  body: string;
  authorization: boolean;
  receivedAt: string;
  /** How many times this key arrived (the first stored, the others answered as duplicates). */
  deliveries: number;
}

export interface ReceiverMode {
  /** Answer every request with this status (e.g. 503) instead of accepting it. */
  failStatus: number | null;
  /** Wait this long before answering. */
  delayMs: number;
  /** Drop every connection without an answer, as if the service were unreachable. */
  down: boolean;
}

export interface ReceiverAnswer {
  status: number;
  body: unknown;
  /** Close the connection without answering. */
  drop?: boolean;
}

const outcome = (severity: 'information' | 'error', code: string, text: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity, code, diagnostics: text }],
});

export class LocalReceiver {
  readonly documents = new Map<string, ReceivedDocument & { hash: string }>();
  mode: ReceiverMode = { failStatus: null, delayMs: 0, down: false };
  /** Every request that reached it, accepted or not (for tests: how often the worker tried). */
  requests = 0;
  /** Requests being answered right now, and the most there ever were at once (one worker: 1). */
  inFlight = 0;
  maxInFlight = 0;
  /** Called when a request arrives, before it is answered (tests use it to kill a worker mid-delivery). */
  onRequest: ((key: string | null) => void) | undefined;
  /**
   * Checks the bearer token like the national services check HelseID's (tests: asks the local
   * IdP). When set, a request without a valid token gets 401 and nothing is kept.
   */
  verifyBearer: ((token: string) => Promise<boolean>) | undefined;
  /** Requests refused for their token. */
  unauthorized = 0;

  setMode(m: Partial<ReceiverMode>): ReceiverMode {
    this.mode = { ...this.mode, ...m };
    return this.mode;
  }

  /** Handles one delivery. Stores first, then waits and answers, so a sender killed mid-request finds it kept. */
  async handle(r: { channel: string; key: string | null; contentType: string; documentKind: string | null; body: string; authorization: boolean; at: Date }): Promise<ReceiverAnswer> {
    this.requests++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.answer(r);
    } finally {
      this.inFlight--;
    }
  }

  private async answer(r: { channel: string; key: string | null; contentType: string; documentKind: string | null; body: string; authorization: boolean; at: Date }): Promise<ReceiverAnswer> {
    if (this.mode.down) return { status: 0, body: null, drop: true };
    this.onRequest?.(r.key);
    let answer: ReceiverAnswer;
    if (this.mode.failStatus) answer = { status: this.mode.failStatus, body: outcome('error', 'transient', 'Local receiver told to fail.') };
    else if (!r.key) answer = { status: 400, body: outcome('error', 'required', 'Idempotency-Key header is required.') };
    else if (/json/.test(r.contentType) && !isJson(r.body)) answer = { status: 400, body: outcome('error', 'structure', 'The body is not JSON.') };
    else {
      const hash = createHash('sha256').update(r.body).digest('hex');
      const seen = this.documents.get(r.key);
      if (seen) {
        seen.deliveries++;
        // The same key with other content is a sender bug, not a retry: refuse it as Stripe-style APIs do.
        answer = seen.hash === hash
          ? { status: 200, body: outcome('information', 'informational', 'Already received (duplicate).') }
          : { status: 422, body: outcome('error', 'conflict', 'This idempotency key was used for a different document.') };
      } else {
        this.documents.set(r.key, { key: r.key, channel: r.channel, contentType: r.contentType, documentKind: r.documentKind, body: r.body, authorization: r.authorization, receivedAt: r.at.toISOString(), deliveries: 1, hash });
        answer = { status: 201, body: outcome('information', 'informational', 'Received.') };
      }
    }
    if (this.mode.delayMs > 0) await new Promise((res) => setTimeout(res, this.mode.delayMs));
    return answer;
  }

  /** What it holds, newest first, without the content hashes. */
  list(): ReceivedDocument[] {
    return [...this.documents.values()].map(({ hash: _hash, ...d }) => d).reverse();
  }

  /** Serves the receiver on its own port (127.0.0.1): tests of the worker in another process post here. */
  async listen(port = 0): Promise<{ url: string; server: HttpServer; close(): Promise<void> }> {
    const server = createServer((req, res) => void this.serveNode(req, res));
    await new Promise<void>((res) => server.listen(port, '127.0.0.1', res));
    const addr = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${addr.port}`,
      server,
      close: () => new Promise<void>((res) => {
        server.closeAllConnections();
        server.close(() => res());
      }),
    };
  }

  private async serveNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const header = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : null);
    if (this.verifyBearer) {
      const token = /^Bearer (.+)$/.exec(header('authorization') ?? '')?.[1];
      if (!token || !(await this.verifyBearer(token).catch(() => false))) {
        this.unauthorized++;
        res.writeHead(401, { 'content-type': 'application/fhir+json', 'www-authenticate': 'Bearer' }).end(JSON.stringify(outcome('error', 'login', 'A valid HelseID access token is required.')));
        return;
      }
    }
    const a = await this.handle({
      channel: (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean).pop() ?? '', key: header('idempotency-key'),
      contentType: header('content-type') ?? '', documentKind: header('x-varde-document-kind'), body: Buffer.concat(chunks).toString('utf8'),
      authorization: !!header('authorization'), at: new Date(),
    });
    if (a.drop) {
      req.socket.destroy();
      return;
    }
    res.writeHead(a.status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(a.body));
  }
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
