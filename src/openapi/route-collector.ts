/**
 * Records every route as Fastify registers it (the `onRoute` hook), so the OpenAPI document and
 * its drift test see exactly what the server answers. Installed right after the server is made,
 * before any module adds a route; hooks on the root reach routes of encapsulated plugins too.
 */
import type { FastifyInstance, FastifySchema, HTTPMethods } from 'fastify';

export interface RegisteredRoute {
  /** upper case, e.g. GET */
  readonly method: string;
  /** Fastify's path, e.g. /api/pds/pds/:file */
  readonly url: string;
  readonly schema: FastifySchema | undefined;
  /** its route family's name (src/http/route-family.ts), when it has one */
  readonly family?: string | undefined;
}

export interface RouteCatalogue {
  /** Every route registered so far, in registration order; HEAD twins of GET routes left out. */
  routes(): readonly RegisteredRoute[];
}

export function collectRoutes(app: FastifyInstance): RouteCatalogue {
  const seen: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods: readonly HTTPMethods[] = Array.isArray(route.method) ? route.method : [route.method as HTTPMethods];
    for (const method of methods) {
      const upper = method.toUpperCase();
      // Fastify adds a HEAD route for every GET (exposeHeadRoutes); it is not an operation of its own.
      if (upper === 'HEAD') continue;
      // The family's own onRoute hook runs after this one and sets config.family: read it later.
      seen.push({
        method: upper,
        url: route.url,
        schema: route.schema,
        get family() {
          return route.config?.family;
        },
      });
    }
  });
  return { routes: () => seen };
}
