/**
 * Fastify's route `schema` option as OpenAPI: a module declares a route once, where it registers
 * it, and that one declaration validates the request, types the handler (with the TypeBox type
 * provider, `app.withTypeProvider<TypeBoxTypeProvider>()`) and describes the operation:
 *
 * - `params`, `querystring`, `headers`: JSON Schema (TypeBox) that Fastify validates and the
 *   document shows as parameters (a property's `description` becomes the parameter's);
 * - `response`: schemas Fastify serialises with, shown as the responses' JSON content;
 * - `summary`, `description`, `tags`, `operationId`, `security`, and the OpenAPI-only `responses`,
 *   `requestBody` and `parameters` (with `$ref`s to the document's components, which Fastify does
 *   not read: bodies are raw strings here, read by each family's own parser, src/http/body.ts).
 */
import type { FastifySchema } from 'fastify';
import type { RegisteredRoute } from './route-collector.ts';
import type { JsonSchema, OperationObject, ParameterObject, Reference, ResponseObject } from './openapi-types.ts';

/** A route's `schema`: Fastify's, plus what only the OpenAPI document reads. */
export interface RouteSchema extends FastifySchema {
  summary?: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  security?: Record<string, string[]>[];
  /** responses as the document shows them, by status; `response` schemas fill in their content */
  responses?: Record<string, ResponseObject | Reference>;
  requestBody?: OperationObject['requestBody'];
  /** further parameters (shared ones, as `$ref`s), after those of `params`, `querystring` and `headers` */
  parameters?: (ParameterObject | Reference)[];
  /** a route left out of the document on purpose, and why (e.g. one that only ever answers 405) */
  undocumentedBecause?: string;
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
  return Object.entries(properties).map(([name, { description, ...s }]) => ({
    name,
    in: location,
    ...(typeof description === 'string' ? { description } : {}),
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
  const schema = route.schema as RouteSchema | undefined;
  if (!schema?.summary) return undefined;
  const responses: Record<string, ResponseObject | Reference> = { ...schema.responses };
  for (const [status, s] of Object.entries(responseSchemasOf(schema))) {
    const given = responses[status];
    if (given && ('$ref' in given || given.content)) continue;
    responses[status] = {
      description: typeof s.description === 'string' ? s.description : 'Response',
      ...given,
      content: { 'application/json': { schema: s } },
    };
  }
  const parameters = [
    ...parametersOf(schema.params, 'path'),
    ...parametersOf(schema.querystring, 'query'),
    ...parametersOf(schema.headers, 'header'),
    ...(schema.parameters ?? []),
  ];
  return {
    operationId: schema.operationId ?? operationIdOf(route.method, route.url),
    summary: schema.summary,
    ...(schema.description ? { description: schema.description } : {}),
    tags: schema.tags ?? ['Other'],
    ...(parameters.length ? { parameters } : {}),
    ...(schema.requestBody ? { requestBody: schema.requestBody } : {}),
    ...(schema.security ? { security: schema.security } : {}),
    responses: Object.keys(responses).length ? responses : { '200': { description: 'Success' } },
  };
}
