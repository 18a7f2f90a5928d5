/*
 * Types for a typed fetch client (web/shared/api.ts#call): every route of the contract under its
 * name `'METHOD /path'`, what it takes and what it answers. Types only: nothing here runs.
 */
import type { Contract } from './index.js';
import type { BodyOf, ParamsOf, QueryOf, ResponseOf, RouteContract } from './route.js';

type AnyRoute = { [F in keyof Contract]: Contract[F][keyof Contract[F]] }[keyof Contract];
type ByName = { [R in AnyRoute as R extends RouteContract ? `${R['method']} ${R['path']}` : never]: R };

/** A route's name, e.g. `'GET /api/devices'`. */
export type Endpoint = keyof ByName & string;
type RouteNamed<K extends Endpoint> = ByName[K] extends RouteContract ? ByName[K] : never;

type Part<Name extends string, T> = [T] extends [undefined] ? {} : {} extends T ? { [P in Name]?: T } : { [P in Name]: T };
type Input<R extends RouteContract> = Part<'params', ParamsOf<R>> & Part<'query', QueryOf<R>> & Part<'body', BodyOf<R>>;

/** The call's second argument: required when the route has path parameters or a body. */
export type EndpointInput<K extends Endpoint> = {} extends Input<RouteNamed<K>> ? [input?: Input<RouteNamed<K>>] : [input: Input<RouteNamed<K>>];
/** What the route answers (undefined for 204). */
export type EndpointResponse<K extends Endpoint> = ResponseOf<RouteNamed<K>>;
