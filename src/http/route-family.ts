/**
 * Route families: the routes that answer in one wire format (contract §3: OAuth's RFC 6749 JSON,
 * the PDX `{"error":{…}}`, the feature blocks' and IDaaS `{"success":0,…}`, the member app's HTML).
 * A module registers its routes inside its family (`registerRouteFamily`), an encapsulated Fastify
 * plugin with the family's own error handler, body limit and headers, so a route's errors take
 * its family's format wherever they are thrown, and no list of URL prefixes has to agree with the
 * routes. Routes registered outside any family (health checks, the OpenAPI document) are `pdx`.
 *
 * A request that matches no route has no family of its own; it takes the family of the registered
 * routes it shares the most leading path segments with (`/me/nothing` → the member app's HTML
 * page, `/members/nothing` → IDaaS), or `pdx` when that is no route or routes of two families.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BODY_LIMITS } from './body-limits.ts';
import type { WireFormat } from './error-presenters.ts';

export interface RouteFamily {
  /** names the family (the OpenAPI document describes some families' routes by rule) */
  readonly name: string;
  readonly format: WireFormat;
  /** the most a request body of the family's routes may hold, unless a route sets its own */
  readonly bodyLimit: number;
  /** headers on every answer of the family, its errors and not-found answers included */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Routes outside any family, and requests that match no route of one. */
export const DEFAULT_FAMILY: RouteFamily = { name: 'pdx-service', format: 'pdx', bodyLimit: BODY_LIMITS.other };

/** The PDX API under /api/ (contract §4–§7). */
export const PDX_API: RouteFamily = { name: 'pdx', format: 'pdx', bodyLimit: BODY_LIMITS.api };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the name of the route's family (src/http/route-family.ts), set as it is registered */
    family?: string;
  }
  interface FastifyInstance {
    /** the server's route families (src/http/server.ts decorates the root with them) */
    readonly routeFamilies: RouteFamilies;
  }
}

/** What the server's error handling gives each family: its handler (src/http/server.ts). */
export type ErrorHandlerFor = (
  family: RouteFamily,
) => (error: Error, req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** The families of one server, and the leading path segments of each family's routes. */
export class RouteFamilies {
  private readonly routes: { segments: string[]; family: RouteFamily }[] = [];

  constructor(readonly errorHandlerFor: ErrorHandlerFor) {}

  /** Learns a route of `family` (its static leading segments: up to the first parameter). */
  learn(url: string, family: RouteFamily): void {
    const segments: string[] = [];
    for (const s of url.split('/')) {
      if (s === '') continue;
      if (s.includes(':') || s.includes('*')) break;
      segments.push(s);
    }
    this.routes.push({ segments, family });
  }

  /** The family of a path no route matched (see the file comment). */
  forUnmatched(url: string): RouteFamily {
    const q = url.indexOf('?');
    const path = (q < 0 ? url : url.slice(0, q)).split('/').filter((s) => s !== '');
    let best = 0;
    let found: RouteFamily | undefined;
    for (const { segments, family } of this.routes) {
      let n = 0;
      while (n < segments.length && n < path.length && segments[n] === path[n]) n++;
      if (n === 0 || n < best) continue;
      if (n > best) {
        best = n;
        found = family;
      } else if (found !== family) found = undefined; // routes of two families as near: neither
    }
    return found ?? DEFAULT_FAMILY;
  }
}

/**
 * Registers `routes` inside `family`: an encapsulated plugin whose routes answer errors in the
 * family's format, get its body limit (unless they set their own) and carry its headers.
 */
export function registerRouteFamily(
  app: FastifyInstance,
  family: RouteFamily,
  routes: (scope: FastifyInstance) => void | Promise<void>,
): void {
  if (!app.hasDecorator('routeFamilies'))
    throw new Error('registerRouteFamily needs a server made by createHttpServer (src/http/server.ts)');
  void app.register(async (scope) => {
    scope.setErrorHandler(scope.routeFamilies.errorHandlerFor(family));
    scope.addHook('onRoute', (route) => {
      route.bodyLimit ??= family.bodyLimit;
      route.config = { ...route.config, family: family.name };
      scope.routeFamilies.learn(route.url, family);
    });
    const { headers } = family;
    // A callback hook: it costs Fastify no promise on the hot path.
    if (headers)
      scope.addHook('onRequest', (_req, reply, done) => {
        reply.headers(headers);
        done();
      });
    await routes(scope);
  });
}
