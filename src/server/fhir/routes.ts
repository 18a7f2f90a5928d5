import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUuid, requirePatientAccess } from '../auth/access.js';
import type { Ctx } from '../context.js';
import { type App, type AppDeps, ctxOf } from '../http/app.js';
import { conditionalIdentifiers, processBundle } from './bundle.js';
import { CAPABILITIES, capabilityStatement } from './capability.js';
import { parseFhir, stringifyFhir } from './json.js';
import { observationIn } from './observation-in.js';
import { submitShared, type SittingBatch, type Staged } from '../ingest/group.js';
import type { Queryable } from '../db/port.js';
import { type Written, declareObservation, instantOf, questionnaireResponseIn, resolveSubject, stageObservation, storedObservation, subjectPatientShared, writeObservation } from './observations.js';
import { ObservationReads, writeOrg } from './write-batch.js';
import { questionnaireResponseResource } from './mappers.js';
import * as repo from './repo.js';
import { answerQuestionnaire } from '../questionnaires/service.js';
import { fhirError, information, operationOutcome, toFhirError } from './outcome.js';
import { DEFAULT_COUNT, SEARCH, type SearchType } from './search.js';
import { dbepRoutes } from './careplan-dbep-routes.js';
import * as svc from './service.js';

/*
 * The FHIR R4 face under /fhir, as an encapsulated Fastify plugin: it has its own error and
 * not-found handlers (everything, including the global 401, becomes an OperationOutcome), its own
 * JSON parser and serializer (decimals keep the precision they were written with, see json.ts),
 * and registers exactly the interactions listed in capability.ts.
 */

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

type Query = Record<string, string | string[] | undefined>;
type Prefer = { return: 'minimal' | 'representation' | 'OperationOutcome'; strict: boolean; lenient: boolean };

/** Reads the Prefer header (RFC 7240): return=… for writes, handling=strict|lenient. */
export function parsePrefer(header: string | string[] | undefined): Prefer {
  const parts = [header ?? []].flat().join(',').split(/[;,]/).map((p) => p.trim().replace(/"/g, ''));
  const ret = parts.find((p) => p.startsWith('return='))?.slice('return='.length);
  return {
    return: ret === 'minimal' || ret === 'OperationOutcome' ? ret : 'representation',
    strict: parts.includes('handling=strict'),
    lenient: parts.includes('handling=lenient'),
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
/** Every match (paged here), or a search that paged itself: its page and the number of all matches. */
type Found = Resource[] | { total: number; page: Resource[] };
type SearchFn = (ctx: Ctx, query: Query, lenient: boolean) => Promise<{ resources: Found; applied: URLSearchParams; ignored: string[]; result: ResultParams }>;

interface ResultParams {
  _count?: number;
  _offset?: number;
  _summary?: 'count' | 'false';
  _elements?: string[];
  _include?: string[];
}

/** Binds a resource's search parameters to its service function, keeping the parsed values typed. */
function searchOf<K extends SearchType>(type: K, run: (ctx: Ctx, values: ReturnType<(typeof SEARCH)[K]['parse']>['values']) => Promise<Found>): SearchFn {
  return async (ctx, query, lenient) => {
    const { values, applied, ignored } = SEARCH[type].parse(query, lenient) as ReturnType<(typeof SEARCH)[K]['parse']>;
    return { resources: await run(ctx, values), applied, ignored, result: values as ResultParams };
  };
}

const READ: Partial<Record<string, ReadFn>> = {
  Patient: svc.readPatient,
  Observation: svc.readObservation,
  QuestionnaireResponse: svc.readQuestionnaireResponse,
  CarePlan: svc.readCarePlan,
  Flag: svc.readFlag,
  Communication: svc.readCommunication,
  Device: svc.readDevice,
  DeviceMetric: (ctx, id) => svc.readOrgResource(ctx, 'DeviceMetric', id),
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

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

/** Keeps the listed top-level elements (plus id and meta, as R4 search.html#elements says) and tags the resource SUBSETTED. */
function subset(r: Resource, elements: string[]): Resource {
  const src = r as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { resourceType: r.resourceType, id: r.id };
  for (const e of elements) if (src[e] !== undefined) out[e] = src[e];
  const meta = (src.meta ?? {}) as Record<string, unknown>;
  out.meta = { ...meta, tag: [...((meta.tag as unknown[] | undefined) ?? []), SUBSETTED] };
  return out as unknown as Resource;
}

/**
 * A searchset page: Bundle.total is the number of matches, the self link lists exactly the
 * parameters applied (R4 search.html#conformance), first/previous/next link the neighbouring pages
 * (_offset/_count) of a stable order, and parameters ignored under Prefer: handling=lenient are
 * named in an OperationOutcome entry.
 */
async function searchBundle(ctx: Ctx, base: string, type: string, found: Found, applied: URLSearchParams, ignored: string[], r: ResultParams): Promise<Bundle> {
  const count = r._count ?? DEFAULT_COUNT;
  const offset = r._offset ?? 0;
  const total = Array.isArray(found) ? found.length : found.total;
  const url = (o: number) => {
    const p = new URLSearchParams(applied);
    p.delete('_offset');
    p.delete('_count');
    p.set('_count', String(count));
    if (o > 0) p.set('_offset', String(o));
    return `${base}/${type}?${p.toString()}`;
  };
  const selfParams = new URLSearchParams(applied);
  const link: BundleLink[] = [{ relation: 'self', url: `${base}/${type}${selfParams.toString() ? `?${selfParams.toString()}` : ''}` }];
  if (r._summary === 'count') return { resourceType: 'Bundle', type: 'searchset', total, link };
  const page = Array.isArray(found) ? found.slice(offset, offset + count) : found.page;
  link.push({ relation: 'first', url: url(0) });
  if (offset > 0) link.push({ relation: 'previous', url: url(Math.max(0, offset - count)) });
  if (offset + count < total) link.push({ relation: 'next', url: url(offset + count) });
  link.push({ relation: 'last', url: url(total === 0 ? 0 : Math.floor((total - 1) / count) * count) });
  const entry: BundleEntry[] = page.map((res) => ({
    fullUrl: `${base}/${res.resourceType}/${res.id}`,
    resource: r._elements ? subset(res, r._elements) : res,
    search: { mode: 'match' },
  }));
  if (r._include?.length) {
    const ids = [...new Set(page.flatMap((res) => {
      const ref = (res as { subject?: { reference?: string } }).subject?.reference;
      return ref?.startsWith('Patient/') ? [ref.slice('Patient/'.length)] : [];
    }))];
    for (const p of await svc.includedPatients(ctx, ids)) entry.push({ fullUrl: `${base}/Patient/${p.id}`, resource: p, search: { mode: 'include' } });
  }
  if (ignored.length) {
    entry.push({
      resource: operationOutcome([{ severity: 'warning', code: 'not-supported', diagnostics: `Ignored (Prefer: handling=lenient): ${ignored.join(', ')}. They are not in the self link; the result is NOT narrowed by them.` }]),
      search: { mode: 'outcome' },
    });
  }
  return { resourceType: 'Bundle', type: 'searchset', total, link, ...(entry.length ? { entry } : {}) };
}

/** Registers the FHIR face at /fhir. */
export function fhirRoutes(app: App, deps: AppDeps): void {
  void app.register((f) => fhirPlugin(f, deps), { prefix: '/fhir' });
}

async function fhirPlugin(f: FastifyInstance, deps: AppDeps): Promise<void> {
  const base = () => `${deps.publicUrl()}/fhir`;
  const startedAt = deps.now().toISOString();

  // Decimals keep the text they were written with (37.0, 48.0), in and out.
  const parser = (_req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, parseFhir(body));
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }));
    }
  };
  f.removeContentTypeParser('application/json');
  f.addContentTypeParser(['application/json', 'application/fhir+json'], { parseAs: 'string' }, parser);
  f.setReplySerializer((payload) => stringifyFhir(payload));
  f.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  f.setNotFoundHandler((req, reply) => sendError(unsupported(req), req, reply));
  // Synchronous (a throw refuses the request): no promise and microtask per request.
  f.addHook('onRequest', (req, reply, done) => {
    reply.type(FHIR_JSON);
    negotiate(req);
    done();
  });

  f.get('/metadata', { config: { public: true } }, async () => capabilityStatement(base(), deps.publicUrl(), startedAt));

  for (const cap of CAPABILITIES) {
    const read = READ[cap.type];
    if (cap.interactions.includes('read') && read) {
      f.get<{ Params: { id: string } }>(`/${cap.type}/:id`, async (req) => read(ctxOf(req, deps), req.params.id));
    }
    if (cap.interactions.includes('search-type')) {
      const search = SEARCH_FN[cap.type as SearchType];
      f.get(`/${cap.type}`, async (req) => {
        const ctx = ctxOf(req, deps);
        const { resources, applied, ignored, result } = await search(ctx, (req.query ?? {}) as Query, parsePrefer(req.headers.prefer).lenient);
        return searchBundle(ctx, base(), cap.type, resources, applied, ignored, result);
      });
    }
  }

  // Observation create (also conditional, If-None-Exist: identifier=system|value).
  f.post('/Observation', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const prefer = parsePrefer(req.headers.prefer);
    const header = req.headers['if-none-exist'];
    const conditional = conditionalIdentifiers(Array.isArray(header) ? header[0] : header, 'If-None-Exist');
    const p = observationIn(req.body, prefer.strict);
    // A patient named by fødselsnummer is read together with the concurrent creates' (one statement).
    const patientId = await resolveSubject(ctx, ctx.db, p.subject, base(), undefined, await subjectPatientShared(ctx.db, p.subject));
    // Authorise before the business checks: a caller without access learns nothing about the data.
    // A device client's or clinician's care relation is decided by the group's read of the
    // patients' episodes (write-batch.ts, ObservationReads#writable: no statement of its own), and
    // the device is looked up after it, inside the group. Whatever that read does not grant, and
    // every other caller, is decided (and a refusal audited) by requirePatientAccess.
    const inGroup = patientId !== null && isUuid(patientId) && writeOrg(ctx) !== null;
    if (patientId && !inGroup) await requirePatientAccess(ctx, patientId, 'write', 'Observation');
    // Group commit with other concurrent creates of this caller (ingest/group.ts): one transaction,
    // one storeSittings for their readings, one read of their twins and episodes, one insert of
    // their resources; answered after the commit that holds this one. A device reference that
    // names no device of the caller is this write's answer alone (`refused`), not the group's failure.
    const stage = async (tx: Queryable, batch: SittingBatch): Promise<Staged<Written | { refused: unknown }>> => {
      let deviceId: string | null;
      try {
        deviceId = await svc.resolveDevice(ctx, tx, p.device, p.resource, { known: ObservationReads.of(batch).knownDevices() });
      } catch (err) {
        return { now: { refused: err } };
      }
      return stageObservation(ctx, tx, p, patientId, deviceId, { base: base(), strict: prefer.strict, conditional }, batch);
    };
    const declare = (decide: boolean) => (batch: SittingBatch) => declareObservation(batch, ctx, p, patientId, conditional, { decideAccess: decide });
    // Not granted by the group's read: nothing is written (null); requirePatientAccess decides, then it goes again.
    let out = inGroup
      ? await submitShared(ctx, (tx, batch) => (ObservationReads.of(batch).writable(patientId!) ? stage(tx, batch) : Promise.resolve({ now: null })), declare(true))
      : null;
    if (!out) {
      if (inGroup) await requirePatientAccess(ctx, patientId!, 'write', 'Observation');
      out = await submitShared(ctx, stage, declare(false));
    }
    if ('refused' in out) throw out.refused;
    const w = out;
    reply
      .code(w.status)
      .header('location', `${base()}/Observation/${w.row.id}`)
      .header('last-modified', w.row.last_updated.toUTCString());
    if (prefer.return === 'minimal') return reply.send();
    if (prefer.return === 'OperationOutcome') return reply.send(information(w.notes.join(' ') || `Stored as Observation/${w.row.id}.`));
    return reply.send(storedObservation(w.row, new Map(w.readings.map((o) => [o.id, o])), w.posted));
  });

  // QuestionnaireResponse create: scored and triaged exactly like the app's answers.
  f.post('/QuestionnaireResponse', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const q = questionnaireResponseIn(req.body);
    const patientId = await resolveSubject(ctx, ctx.db, q.subject ?? (ctx.actor.kind === 'patient' ? { type: 'Patient', id: ctx.actor.patientId, raw: `Patient/${ctx.actor.patientId}` } : undefined), base(), 'QuestionnaireResponse.subject');
    if (!patientId) throw fhirError(422, 'business-rule', 'A questionnaire response is about a patient.', 'QuestionnaireResponse.subject');
    const at = q.authored ? instantOf(q.authored, await repo.patientTimeZone(ctx.db, patientId)).toISOString() : undefined;
    let r;
    try {
      r = await answerQuestionnaire(ctx, patientId, q.code, { idempotencyKey: q.key, answers: q.answers, ...(at ? { effectiveAt: at } : {}) }, ctx.actor.kind === 'patient' ? 'patient' : 'personnel');
    } catch (err) {
      throw toFhirError(err, (field) => (field.startsWith('answers') ? 'QuestionnaireResponse.item' : field === 'effectiveAt' ? 'QuestionnaireResponse.authored' : undefined)) ?? err;
    }
    reply.code(r.replayed ? 200 : 201).header('location', `${base()}/QuestionnaireResponse/${r.response.id}`);
    if (parsePrefer(req.headers.prefer).return === 'minimal') return reply.send();
    return reply.send(questionnaireResponseResource(r.response));
  });

  // Observation update: an EHR's correction of a resource it posted (no update-as-create).
  f.put<{ Params: { id: string } }>('/Observation/:id', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const prefer = parsePrefer(req.headers.prefer);
    const p = observationIn(req.body, prefer.strict);
    if (p.resource.id !== req.params.id) throw fhirError(400, 'invalid', `The resource id (${String(p.resource.id)}) must be the id in the URL (${req.params.id}).`, 'Observation.id');
    const stored = isUuid(req.params.id) ? await repo.fhirResourceById(ctx.db, 'Observation', req.params.id) : undefined;
    if (!stored) throw fhirError(404, 'not-found', `Observation/${req.params.id} is not known (this server does not create by update; POST it).`);
    const patientId = await resolveSubject(ctx, ctx.db, p.subject, base());
    if (patientId) await requirePatientAccess(ctx, patientId, 'write', 'Observation');
    if (patientId !== stored.patient_id) throw fhirError(422, 'business-rule', 'An update cannot move an observation to another subject.', 'Observation.subject');
    const deviceId = await svc.resolveDevice(ctx, ctx.db, p.device, p.resource);
    const w = await ctx.db.tx(async (tx) => {
      const locked = (await repo.fhirResourcesByIdentifier(tx, 'Observation', { patientId, organisationId: null }, stored.identifiers)).find((r) => r.id === stored.id) ?? stored;
      return writeObservation(ctx, tx, p, patientId, deviceId, { base: base(), strict: prefer.strict, updateOf: locked });
    });
    reply.code(200).header('last-modified', w.row.last_updated.toUTCString());
    if (prefer.return === 'minimal') return reply.send();
    if (prefer.return === 'OperationOutcome') return reply.send(information(w.notes.join(' ') || `Observation/${w.row.id} updated.`));
    return reply.send(storedObservation(w.row, new Map(w.readings.map((o) => [o.id, o]))));
  });

  // Device create (also conditional): how gateways register the meters they read.
  f.post('/Device', async (req, reply) => {
    const ctx = ctxOf(req, deps);
    const header = req.headers['if-none-exist'];
    const conditional = conditionalIdentifiers(Array.isArray(header) ? header[0] : header, 'If-None-Exist');
    const d = await ctx.db.tx((tx) => svc.createDevice(ctx, tx, req.body, conditional));
    reply.code(d.created ? 201 : 200).header('location', `${base()}/Device/${d.id}`);
    if (parsePrefer(req.headers.prefer).return === 'minimal') return reply.send();
    return reply.send(await svc.createdDevice(ctx, d.id));
  });

  // transaction / batch / collection (device uploads, PHD gateways, VKP).
  f.post('/', async (req) => {
    const prefer = parsePrefer(req.headers.prefer);
    return processBundle(ctxOf(req, deps), req.body, base(), prefer.return, prefer.strict);
  });

  dbepRoutes(f, deps, base);

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
  const offered = cap.interactions.filter((i) => (id === undefined ? i === 'search-type' || i === 'create' : i === 'read' || i === 'update'));
  const allow = [...new Set(offered.map((i) => (i === 'create' ? 'POST' : i === 'update' ? 'PUT' : 'GET')))];
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
