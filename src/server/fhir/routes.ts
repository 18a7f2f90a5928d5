import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { type App, type AppDeps, ctxOf } from '../http/app.js';
import { CAPABILITIES, capabilityStatement } from './capability.js';
import { observationResource, searchset } from './mappers.js';
import { fhirError, information, operationOutcome, toFhirError } from './outcome.js';
import { SEARCH, type SearchType } from './search.js';
import * as svc from './service.js';

/*
 * The FHIR R4 face under /fhir, as an encapsulated Fastify plugin: it has its own error and
 * not-found handlers (everything, including the global 401, becomes an OperationOutcome), its own
 * JSON content type, and registers exactly the interactions listed in capability.ts.
 */

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

type Query = Record<string, string | string[] | undefined>;
type Prefer = { return: 'minimal' | 'representation' | 'OperationOutcome'; strict: boolean };

/** Reads the Prefer header (RFC 7240): return=… for writes, handling=strict|lenient for searches. */
export function parsePrefer(header: string | string[] | undefined): Prefer {
  const parts = [header ?? []].flat().join(',').split(/[;,]/).map((p) => p.trim().replace(/"/g, ''));
  const ret = parts.find((p) => p.startsWith('return='))?.slice('return='.length);
  return {
    return: ret === 'minimal' || ret === 'OperationOutcome' ? ret : 'representation',
    strict: parts.includes('handling=strict'),
  };
}

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/**
 * JSON only: `_format=xml` or an Accept header that rules out JSON gets 406 rather than a body the
 * client said it cannot read.
 */
function negotiate(req: FastifyRequest): void {
  const format = (req.query as Query | undefined)?._format;
  const f = [format ?? []].flat()[0];
  if (f !== undefined && !JSON_FORMATS.has(f.split(';')[0]!.trim().toLowerCase())) {
    throw fhirError(406, 'not-supported', `_format=${f} is not supported; this server speaks application/fhir+json.`);
  }
  const accept = req.headers.accept;
  if (accept && !/json|\*\/\*|application\/\*/i.test(accept)) {
    throw fhirError(406, 'not-supported', `Accept: ${accept} cannot be served; this server speaks application/fhir+json.`);
  }
}

type ReadFn = (ctx: Ctx, id: string) => Promise<Resource>;
type SearchFn = (ctx: Ctx, query: Query, strict: boolean) => Promise<{ resources: Resource[]; applied: URLSearchParams }>;

/** Binds a resource's search parameters to its service function, keeping the parsed values typed. */
function searchOf<K extends SearchType>(type: K, run: (ctx: Ctx, values: ReturnType<(typeof SEARCH)[K]['parse']>['values']) => Promise<Resource[]>): SearchFn {
  return async (ctx, query, strict) => {
    const { values, applied } = SEARCH[type].parse(query, strict) as ReturnType<(typeof SEARCH)[K]['parse']>;
    return { resources: await run(ctx, values), applied };
  };
}

const READ: Partial<Record<SearchType, ReadFn>> = {
  Patient: svc.readPatient,
  Observation: svc.readObservation,
  QuestionnaireResponse: svc.readQuestionnaireResponse,
  CarePlan: svc.readCarePlan,
  Flag: svc.readFlag,
  Communication: svc.readCommunication,
  Device: svc.readDevice,
};

const SEARCH_FN: Record<SearchType, SearchFn> = {
  Patient: searchOf('Patient', svc.searchPatients),
  Observation: searchOf('Observation', svc.searchObservations),
  QuestionnaireResponse: searchOf('QuestionnaireResponse', svc.searchQuestionnaireResponses),
  CarePlan: searchOf('CarePlan', svc.searchCarePlans),
  Flag: searchOf('Flag', svc.searchFlags),
  Communication: searchOf('Communication', svc.searchCommunications),
  Device: searchOf('Device', svc.searchDevices),
  AuditEvent: searchOf('AuditEvent', svc.searchAuditEvents),
};

/** Registers the FHIR face at /fhir. */
export function fhirRoutes(app: App, deps: AppDeps): void {
  void app.register((f) => fhirPlugin(f, deps), { prefix: '/fhir' });
}

async function fhirPlugin(f: FastifyInstance, deps: AppDeps): Promise<void> {
  const base = () => `${deps.publicUrl()}/fhir`;
  const startedAt = deps.now().toISOString();

  f.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, f.getDefaultJsonParser('error', 'error'));
  f.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  f.setNotFoundHandler((req, reply) => sendError(unsupported(req), req, reply));
  f.addHook('onRequest', async (req, reply) => {
    reply.type(FHIR_JSON);
    negotiate(req);
  });

  f.get('/metadata', { config: { public: true } }, async () => capabilityStatement(base(), deps.publicUrl(), startedAt));

  for (const cap of CAPABILITIES) {
    const read = READ[cap.type];
    if (cap.interactions.includes('read') && read) {
      f.get<{ Params: { id: string } }>(`/${cap.type}/:id`, async (req) => read(ctxOf(req, deps), req.params.id));
    }
    if (cap.interactions.includes('search-type')) {
      f.get(`/${cap.type}`, async (req) => {
        const ctx = ctxOf(req, deps);
        const { resources, applied } = await SEARCH_FN[cap.type](ctx, (req.query ?? {}) as Query, parsePrefer(req.headers.prefer).strict);
        const qs = applied.toString();
        return searchset(base(), `${base()}/${cap.type}${qs ? `?${qs}` : ''}`, resources);
      });
    }
  }

  // Observation create: the one write of the FHIR face besides bundles (see capability.ts).
  f.post('/Observation', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const prefer = parsePrefer(req.headers.prefer);
    const ifNoneExist = req.headers['if-none-exist'];
    const created = await svc.createObservation(ctx, req.body, Array.isArray(ifNoneExist) ? ifNoneExist[0] : ifNoneExist);
    const first = created.rows[0]!;
    reply
      .code(created.replayed ? 200 : 201)
      .header('location', `${base()}/Observation/${first.id}`)
      .header('last-modified', first.received_at.toUTCString());
    if (prefer.return === 'minimal') return reply.send();
    // A blood pressure panel is stored as separate observations: there is no one resource to return.
    if (created.rows.length > 1) return reply.send(information(svc.storedAs(created.rows)));
    if (prefer.return === 'OperationOutcome') return reply.send(information(`Stored as Observation/${first.id}.`));
    return reply.send(observationResource(first));
  });

  // transaction / batch of Observation creates (device uploads).
  f.post('/', async (req) => svc.processBundle(ctxOf(req, deps), req.body, base(), parsePrefer(req.headers.prefer).return));

  // The web apps' static wildcard (GET /*) would otherwise answer unknown GET /fhir/… paths (and the
  // base itself) with text; these more specific routes keep them on the FHIR face (404/405 OperationOutcome).
  f.get('/*', async (req) => {
    throw unsupported(req);
  });
  f.get('/', async (req) => {
    throw unsupported(req);
  });
}

/**
 * Why a /fhir path has no route: a supported resource type with an interaction this server does not
 * offer (405, with Allow), or an unknown type or path (404).
 */
function unsupported(req: FastifyRequest) {
  const path = req.url.split('?')[0]!.replace(/^\/fhir\/?/, '');
  const [type, id, ...rest] = path.split('/');
  if (!type) {
    return Object.assign(fhirError(405, 'not-supported', `${req.method} on the base is not supported; POST a transaction or batch Bundle. See /fhir/metadata.`), { allow: ['POST'] });
  }
  const cap = CAPABILITIES.find((c) => c.type === type);
  if (!cap) return fhirError(404, 'not-supported', `Resource type "${type}" is not supported by this server. See /fhir/metadata.`);
  if (rest.length > 0) return fhirError(404, 'not-supported', `${req.method} ${path}: history, operations and compartments are not supported. See /fhir/metadata.`);
  const offered = cap.interactions.filter((i) => (id === undefined ? i !== 'read' : i === 'read'));
  const allow = [...new Set(offered.map((i) => (i === 'create' ? 'POST' : 'GET')))];
  return Object.assign(
    fhirError(405, 'not-supported', `${req.method} on ${id === undefined ? type : `${type}/[id]`} is not supported; offered here: ${offered.join(', ') || 'nothing'}. See /fhir/metadata.`),
    { allow },
  );
}

function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const fe = toFhirError(err);
  reply.type(FHIR_JSON);
  if (!fe) {
    req.log.error({ err }, 'unhandled error on the FHIR face');
    return reply.code(500).send(operationOutcome([{ code: 'exception', diagnostics: `Something went wrong on our side (request ${req.id}).` }]));
  }
  if (fe.status === 401) reply.header('www-authenticate', 'Bearer realm="varde"');
  const allow = (err as { allow?: string[] }).allow;
  if (fe.status === 405 && allow) reply.header('allow', allow.join(', '));
  return reply.code(fe.status).send(operationOutcome(fe.issues));
}
