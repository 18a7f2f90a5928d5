import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { openApiDocument } from '../../api/openapi.js';
import type { App } from './app.js';

/**
 * The API reference: the OpenAPI 3.1 document generated from the contract at /api/openapi.json,
 * and Swagger UI at /api/docs, served from node_modules (nothing from a CDN; its scripts are
 * files, so the CSP's script-src 'self' holds). Public: the contract is no secret, the data is.
 */
export async function registerApiDocs(app: App): Promise<void> {
  const document = openApiDocument();
  app.get('/api/openapi.json', { config: { public: true } }, async () => document);
  await app.register(async (docs) => {
    docs.addHook('onRoute', (r) => {
      r.config = { ...r.config, public: true };
    });
    await docs.register(swagger, { mode: 'static', specification: { document: document as never } });
    await docs.register(swaggerUi, {
      routePrefix: '/api/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null, tryItOutEnabled: false },
      // The app's own CSP (helmet) applies; the plugin's would allow https: styles.
      staticCSP: false,
    });
  });
}
