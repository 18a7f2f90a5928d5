import type { z } from 'zod';

/*
 * One route of the JSON API as data: method, path, what it takes and what it answers. The server
 * serves it (server/http/contract.ts), the OpenAPI document is generated from it (openapi.ts) and
 * the web apps take its types (and only its types: `import type`, so zod stays out of the bundle).
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContract {
  method: Method;
  /** Fastify syntax: `/api/devices/:id`. */
  path: string;
  /** One line for the API reference. */
  summary: string;
  /** Rules worth knowing (who may, what is refused, what is audited), Markdown. */
  description?: string;
  /** Feature it belongs to (OpenAPI tag). */
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The success status; 204 answers carry no body (`response: null`). */
  status?: 200 | 201 | 204;
  response: z.ZodType | null;
  /** Reachable without a session. */
  public?: true;
}

/**
 * Declares a route contract, keeping its literal types for the typed client and the server.
 * @param r the route
 */
export function route<const R extends RouteContract>(r: R): R {
  return r;
}

/** What a client sends as the body (before defaults and trimming). */
export type BodyOf<R extends RouteContract> = R['body'] extends z.ZodType ? z.input<R['body']> : undefined;
/** What a client may put in the query string. */
export type QueryOf<R extends RouteContract> = R['query'] extends z.ZodType ? z.input<R['query']> : undefined;
/** Path parameters by name. */
export type ParamsOf<R extends RouteContract> = R['params'] extends z.ZodType ? z.input<R['params']> : undefined;
/** The JSON the route answers with. */
export type ResponseOf<R extends RouteContract> = R['response'] extends z.ZodType ? z.output<R['response']> : undefined;
