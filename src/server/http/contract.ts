import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { RouteContract } from '../../api/route.js';
import type { Ctx } from '../context.js';
import { type App, type AppDeps, ctxOf, parse } from './app.js';
import { AppError } from './errors.js';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a contract route's handler gets: the request, parsed on demand, so authorisation can come first. */
export interface ContractCall<R extends RouteContract> {
  req: FastifyRequest;
  reply: FastifyReply;
  /** The service context; 401 when nobody is logged in. */
  ctx: () => Ctx;
  /** Path parameters as the contract reads them. */
  params: () => Out<R['params']>;
  /** The query string, validated (400 with per-field messages). */
  query: () => Out<R['query']>;
  /** The body, validated (400 with per-field messages). Called after the caller is authorised. */
  body: () => Out<R['body']>;
}

/** The answer a handler returns: the contract's response before serialisation (null routes answer 204). */
export type HandlerResult<R extends RouteContract> = R['response'] extends z.ZodType ? z.input<R['response']> : void;

/**
 * Registers a route of the API contract. The request is validated through the contract when the
 * handler asks for it (a service authorises first, so a stranger gets 403, not a lesson in the
 * input format). The answer is serialised through the contract: what goes on the wire is the
 * response schema's parse of the JSON (unknown fields dropped), and an answer that does not match
 * is a 500 with the mismatch logged, never a silently different shape.
 * @param app the Fastify instance
 * @param deps the app's dependencies (for the context)
 * @param r the route's contract (src/api)
 * @param handler does the work; may set `reply.code()` for a second success status (replays)
 */
export function serve<R extends RouteContract>(
  app: App,
  deps: AppDeps,
  r: R,
  handler: (call: ContractCall<R>) => Promise<HandlerResult<R>>,
): void {
  app.route({
    method: r.method,
    url: r.path,
    ...(r.public ? { config: { public: true } } : {}),
    handler: async (req, reply) => {
      const call: ContractCall<R> = {
        req,
        reply,
        ctx: () => ctxOf(req, deps),
        params: () => (r.params ? parse(r.params, req.params) : undefined) as Out<R['params']>,
        query: () => (r.query ? parse(r.query, req.query) : undefined) as Out<R['query']>,
        body: () => (r.body ? parse(r.body, req.body) : undefined) as Out<R['body']>,
      };
      reply.code(r.status ?? 200);
      const result = await handler(call);
      if (r.response === null) return reply.code(204).send();
      return reply.send(wire(reply, serialise(r, result, req)));
    },
  });
}

/**
 * The answer as UTF-8 bytes, typed JSON. Handed a string, Fastify measures its UTF-8 length and
 * Node's http prepends the header block to it (a copy of the whole answer before it is encoded);
 * bytes are written after the header as they are. For a worklist page of 238 kB that was ~2 ms of
 * the server's CPU per request (bench/README.md, round 12); for small answers it is the same.
 */
function wire(reply: FastifyReply, body: unknown): unknown {
  // A string answer goes out as Fastify sends strings (as it is), as before.
  if (typeof body === 'string') return body;
  const json = JSON.stringify(body);
  if (json === undefined) return body;
  if (!reply.hasHeader('content-type')) reply.type('application/json; charset=utf-8');
  return Buffer.from(json, 'utf8');
}

/**
 * The wire form of an answer checked against the contract: JSON as the client will read it
 * (Dates become strings), parsed by the response schema.
 *
 * Most answers are JSON values already (services write instants as ISO strings), so the schema
 * parses the answer as it is first. Only an answer it refuses (a Date where the contract has a
 * string, say) is parsed again in its JSON form. What the wire carries is then the same as before,
 * except for an accessor on a class instance's prototype, which JSON.stringify skipped and the
 * schema now reads (services return plain rows). The round trip of every answer was a fifth of a
 * worklist page's server CPU (bench/README.md, round 10).
 */
export function serialise(r: RouteContract, result: unknown, req?: FastifyRequest): unknown {
  const schema = r.response!;
  let checked = schema.safeParse(result);
  if (!checked.success && result !== undefined) checked = schema.safeParse(JSON.parse(JSON.stringify(result)));
  if (checked.success) return checked.data;
  const issues = checked.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
  req?.log.error({ route: `${r.method} ${r.path}`, issues }, 'answer does not match the API contract');
  throw new AppError(500, 'internal', `The answer of ${r.method} ${r.path} does not match the API contract (${issues.join('; ')}).`);
}
