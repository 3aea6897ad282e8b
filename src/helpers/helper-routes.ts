/** `/developer-helpers/...` (contract §7): the master schema for developers; needs `mydex:pdx` only. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { requireBearer } from '../http/auth.ts';
import { allDatasets, datasetsByType, fieldTypes, lookupOptions } from './schema-helpers.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';

interface Named {
  name: string;
}

export function registerHelperRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'catalogue'>): void {
  registerRouteFamily(app, PDX_API, (scope) => helperRoutes(scope, ctx));
}

function helperRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'catalogue'>): void {
  const onRequest = requireBearer(ctx.oauth);
  const { catalogue } = ctx;
  app.get('/developer-helpers/datasets', { onRequest }, async (_req, reply) => json(reply, allDatasets(catalogue)));
  app.get<{ Params: Named }>('/developer-helpers/datasetsbytype/:name', { onRequest }, async (req, reply) =>
    json(reply, datasetsByType(catalogue, req.params.name)),
  );
  app.get<{ Params: Named }>('/developer-helpers/types/:name', { onRequest }, async (req, reply) =>
    json(reply, fieldTypes(catalogue, req.params.name)),
  );
  app.get<{ Params: Named }>('/developer-helpers/options/:name', { onRequest }, async (req, reply) =>
    json(reply, lookupOptions(catalogue, req.params.name)),
  );
}

function json(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
}
