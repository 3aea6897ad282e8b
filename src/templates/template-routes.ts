/**
 * Template routes (contract §7), registered from the registry alone: for each template, module
 * and leaf an `…/index` describing the next level, and each leaf's data methods. Every path also
 * answers with `.json` or `.xml` (contract §6 formats), which `routeScopeOf` strips, so the
 * route scope is the same. Decided: a level's index (`/api/pds/mam` and `/api/pds/mam/index`)
 * needs that level's `get:` scope, e.g. `get:/api/pds/mam`; a leaf's (`…/personal-details/index`)
 * likewise needs `get:` of the leaf's own path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { memberCall } from '../features/feature-routes.ts';
import { requireBearer } from '../http/auth.ts';
import { routeScopeOf } from '../oauth/principal.ts';
import { parsePdxBody } from '../http/body.ts';
import type { WireFields } from '../wire.ts';
import { orderedJson, renderXml, renderXmlRows, type Format } from '../pds/render.ts';
import { templateRequest } from './template-requests.ts';
import type { TemplateResult, TemplateService } from './template-service.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';

const FORMATS: readonly (readonly [string, Format])[] = [
  ['', 'json'],
  ['.json', 'json'],
  ['.xml', 'xml'],
];

export function registerTemplateRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'templates' | 'catalogue'>): void {
  registerRouteFamily(app, PDX_API, (scope) => templateRoutes(scope, ctx));
}

function templateRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'templates' | 'catalogue'>): void {
  const svc: TemplateService = ctx.templates;
  const scoped = (method: string, path: string) => requireBearer(ctx.oauth, { routeScope: () => routeScopeOf(method, path) });

  /** GET `level` and `level/index`, each in every format, answered by `describe`. */
  const index = (level: string, describe: () => unknown) => {
    const onRequest = scoped('GET', level);
    for (const url of [level, `${level}/index`]) {
      for (const [suffix, format] of FORMATS) {
        app.get(`${url}${suffix}`, { onRequest }, async (_req, reply) => send(reply, format, { value: describe() }));
      }
    }
  };

  for (const t of svc.registry.templates()) {
    index(t.path, () => svc.templateIndex(t));
    for (const m of t.modules) index(m.path, () => svc.moduleIndex(t, m));
    for (const e of [...t.modules.flatMap((m) => m.subsections), ...t.actions]) {
      for (const [suffix, format] of FORMATS) {
        app.get(`${e.path}/index${suffix}`, { onRequest: scoped('GET', e.path) }, async (_req, reply) =>
          send(reply, format, { value: svc.endpointIndex(e) }),
        );
      }
      for (const method of e.methods) {
        for (const [suffix, format] of FORMATS) {
          app.route({
            method,
            url: `${e.path}${suffix}`,
            onRequest: scoped(method, e.path),
            handler: async (req: FastifyRequest, reply) => {
              const body = method === 'GET' ? {} : parsePdxBody(req.body);
              const call = memberCall(req);
              const request = templateRequest(e, method, req.query as WireFields, body, ctx.catalogue);
              return send(reply, format, await svc.run(e, call, request));
            },
          });
        }
      }
    }
  }
}

function send(reply: FastifyReply, format: Format, result: TemplateResult): FastifyReply {
  // Personal data (or, for indexes, nothing worth caching): never cached (BT-08).
  reply.header('cache-control', 'no-store');
  if ('rows' in result) {
    if (format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXmlRows(result.rows));
    return reply.type('application/json; charset=utf-8').send(orderedJson(result.rows));
  }
  if (format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXml(result.value));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(result.value));
}
