/**
 * Fastify's route `schema` option as OpenAPI: a module can describe a route where it registers it
 * (`schema: { summary, tags, params, querystring, headers, response }`). Bodies are raw strings
 * here (src/http/server.ts), so `body` schemas would not validate anything and are not read.
 */
import type { FastifySchema } from 'fastify';
import type { RegisteredRoute } from './route-collector.ts';
import type { JsonSchema, OperationObject, ParameterObject, ResponseObject } from './openapi-types.ts';

interface DocumentingSchema extends FastifySchema {
  summary?: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  security?: Record<string, string[]>[];
}

/** `response` schemas by status code (`2xx`-style keys are kept as OpenAPI allows them). */
export function responseSchemasOf(schema: FastifySchema | undefined): Record<string, JsonSchema> {
  const response = schema?.response;
  if (typeof response !== 'object' || response === null) return {};
  return Object.fromEntries(
    Object.entries(response as Record<string, unknown>)
      .filter(([, s]) => typeof s === 'object' && s !== null)
      .map(([status, s]) => [status === 'default' ? 'default' : String(status).toUpperCase(), s as JsonSchema]),
  );
}

function parametersOf(schema: unknown, location: ParameterObject['in']): ParameterObject[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const { properties = {}, required = [] } = schema as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || required.includes(name),
    schema: s,
  }));
}

const operationIdOf = (method: string, url: string) =>
  `${method.toLowerCase()}${url
    .split(/[^A-Za-z0-9]+/)
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : ''))
    .join('')}`;

/** An operation from the route's own schema, when it carries at least a summary; otherwise undefined. */
export function operationFromSchema(route: RegisteredRoute): OperationObject | undefined {
  const schema = route.schema as DocumentingSchema | undefined;
  if (!schema?.summary) return undefined;
  const responses: Record<string, ResponseObject> = {};
  for (const [status, s] of Object.entries(responseSchemasOf(schema))) {
    responses[status] = {
      description: typeof s.description === 'string' ? s.description : 'Response',
      content: { 'application/json': { schema: s } },
    };
  }
  const parameters = [
    ...parametersOf(schema.params, 'path'),
    ...parametersOf(schema.querystring, 'query'),
    ...parametersOf(schema.headers, 'header'),
  ];
  return {
    operationId: schema.operationId ?? operationIdOf(route.method, route.url),
    summary: schema.summary,
    ...(schema.description ? { description: schema.description } : {}),
    tags: schema.tags ?? ['Other'],
    ...(parameters.length ? { parameters } : {}),
    ...(schema.security ? { security: schema.security } : {}),
    responses: Object.keys(responses).length ? responses : { '200': { description: 'Success' } },
  };
}
