import type { FastifyInstance } from 'fastify';
import { type App, type AppDeps, ctxOf } from '../http/app.js';
import { receiveGpAnswer } from './gp-answer.js';

/**
 * Inbound integration: the message exchange's adapter posts incoming dialogmeldinger (the GP's
 * answers) here with a bearer token (client credentials, scope dialogmelding.receive). The body is
 * the MsgHead XML as received.
 */
export function integrationRoutes(app: App, deps: AppDeps): void {
  void app.register((f) => inbound(f, deps), { prefix: '/api/integration' });
}

async function inbound(f: FastifyInstance, deps: AppDeps): Promise<void> {
  f.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string', bodyLimit: 1_000_000 }, (_req, body, done) => done(null, body));
  // XML, not JSON: `forms` lifts the JSON-only rule. No CSRF exposure: only a bearer client may
  // call it, and a browser cannot post application/xml across sites without a preflight.
  f.post('/dialogmelding', { config: { forms: true } }, async (req, reply) => {
    const r = await receiveGpAnswer(ctxOf(req, deps), typeof req.body === 'string' ? req.body : '');
    return reply.code(r.duplicate ? 200 : 201).send(r);
  });
}
