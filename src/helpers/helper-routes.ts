/** `/developer-helpers/...` (contract §7): the master schema for developers; needs `mydex:pdx` only. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app-context.ts';
import { requireBearer } from '../http/auth.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';
import { BEARER_ERRORS, jsonResponse, PDX_SECURITY } from '../openapi/operation-builders.ts';
import { ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import { allDatasets, datasetsByType, fieldTypes, lookupOptions } from './schema-helpers.ts';

export function registerHelperRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'catalogue'>): void {
  registerRouteFamily(app, PDX_API, (scope) => helperRoutes(scope, ctx));
}

const named = (description: string) => Type.Object({ name: Type.String({ description }) });
const datasets = jsonResponse('The datasets.', { type: 'array', items: ref('schemas', 'DatasetSummary') });
const notFound = { '404': ref('responses', 'NotFound') };
const helper = <S extends RouteSchema>(schema: S): S & RouteSchema => ({
  tags: ['Developer helpers'],
  security: PDX_SECURITY,
  ...schema,
});

function helperRoutes(scope: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'catalogue'>): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const onRequest = requireBearer(ctx.oauth);
  const { catalogue } = ctx;
  const getDatasets = helper({
    operationId: 'getDeveloperDatasets',
    summary: 'Every dataset of the master schema.',
    responses: { '200': datasets, ...BEARER_ERRORS },
  });
  app.get('/developer-helpers/datasets', { onRequest, schema: getDatasets }, async (_req, reply) =>
    json(reply, allDatasets(catalogue)),
  );

  const byType = helper({
    operationId: 'getDeveloperDatasetsByType',
    summary: 'The datasets of one type.',
    params: named('`metadata` or `transactional`'),
    responses: { '200': datasets, ...BEARER_ERRORS, ...notFound },
  });
  app.get('/developer-helpers/datasetsbytype/:name', { onRequest, schema: byType }, async (req, reply) =>
    json(reply, datasetsByType(catalogue, req.params.name)),
  );

  const types = helper({
    operationId: 'getDeveloperFieldTypes',
    summary: 'The fields of a dataset, keyed by name.',
    params: named('Dataset machine name (`field_ds_x` is accepted for `ds_x`)'),
    responses: {
      '200': jsonResponse('The fields.', { type: 'object', additionalProperties: ref('schemas', 'FieldSummary') }),
      ...BEARER_ERRORS,
      ...notFound,
    },
  });
  app.get('/developer-helpers/types/:name', { onRequest, schema: types }, async (req, reply) =>
    json(reply, fieldTypes(catalogue, req.params.name)),
  );

  const options = helper({
    operationId: 'getDeveloperLookupOptions',
    summary: 'The options of a lookup list.',
    params: named('`lu_x` or `x`'),
    responses: {
      '200': jsonResponse('The options.', { type: 'array', items: { type: 'string' } }),
      ...BEARER_ERRORS,
      ...notFound,
    },
  });
  app.get('/developer-helpers/options/:name', { onRequest, schema: options }, async (req, reply) =>
    json(reply, lookupOptions(catalogue, req.params.name)),
  );
}

function json(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(value));
}
