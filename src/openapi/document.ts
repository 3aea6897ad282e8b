/**
 * Builds the OpenAPI 3.1 document from what the server really registered (the route catalogue)
 * and what the documentation parts say about each `METHOD path`. An operation appears only when
 * its route exists; a route without documentation, or documentation without its route, is drift,
 * reported rather than hidden (test/openapi/drift.test.ts fails on it).
 *
 * A route module may also document a route itself through Fastify's own `schema` option: its
 * `response` schemas are used for the documented status codes, and a route with a `summary` but no
 * documentation entry gets an operation made from its schema alone. Member web pages without an
 * entry are described by rule (a FamilyDescription): they are for people, not API clients.
 */
import type { RegisteredRoute } from './route-collector.ts';
import type {
  Components,
  DocumentationPart,
  DocumentedOperation,
  HttpMethod,
  JsonSchema,
  OperationObject,
  ResponseObject,
  FamilyDescription,
  TagObject,
} from './openapi-types.ts';
import { operationFromSchema, responseSchemasOf, type RouteSchema } from './route-schema.ts';

export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
  /** base URL of the server */
  serverUrl: string;
  /** OAuth2 issuer: the token URL is `${issuer}/oauth2/token` */
  issuer: string;
}

export interface Drift {
  /** `METHOD path` of registered routes that no operation describes */
  undocumented: string[];
  /** `METHOD path` of described operations (or their aliases) that have no route */
  unrouted: string[];
}

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Partial<Record<HttpMethod, OperationObject>>> };

/** Fastify's `/a/:b` as OpenAPI's `/a/{b}` (a regular expression after a parameter is dropped). */
export function toOpenApiPath(url: string): string {
  return url.replace(/:(\w+)(\([^)]*\))?/g, '{$1}');
}

const keyOf = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

interface Combined {
  tags: TagObject[];
  operations: DocumentedOperation[];
  components: Required<Pick<Components, 'schemas' | 'responses' | 'parameters'>>;
  scopes: Record<string, string>;
  families: FamilyDescription[];
}

/** The parts as one; a component name given two different meanings is a programming error. */
function combineParts(parts: readonly DocumentationPart[]): Combined {
  const out: Combined = {
    tags: [],
    operations: [],
    components: { schemas: {}, responses: {}, parameters: {} },
    scopes: {},
    families: [],
  };
  const keys = new Set<string>();
  for (const part of parts) {
    for (const tag of part.tags) if (!out.tags.some((t) => t.name === tag.name)) out.tags.push(tag);
    for (const op of part.operations ?? []) {
      const key = keyOf(op.method, op.path);
      if (keys.has(key)) throw new Error(`OpenAPI: ${key} is documented twice`);
      keys.add(key);
      out.operations.push(op);
    }
    for (const kind of ['schemas', 'responses', 'parameters'] as const) {
      for (const [name, value] of Object.entries(part.components?.[kind] ?? {})) {
        const existing = out.components[kind][name];
        if (existing && JSON.stringify(existing) !== JSON.stringify(value))
          throw new Error(`OpenAPI: two different components ${kind}/${name}`);
        (out.components[kind] as Record<string, unknown>)[name] = value;
      }
    }
    Object.assign(out.scopes, part.scopes);
    out.families.push(...(part.families ?? []));
  }
  return out;
}

/** Route `response` schemas fill in the content of documented responses that have none. */
function withRouteSchemas(op: OperationObject, route: RegisteredRoute): OperationObject {
  const fromRoute = responseSchemasOf(route.schema);
  if (!Object.keys(fromRoute).length) return op;
  const responses = { ...op.responses };
  for (const [status, schema] of Object.entries(fromRoute)) {
    const documented = responses[status];
    if (!documented) responses[status] = { description: 'Response', content: { 'application/json': { schema } } };
    else if (!('$ref' in documented) && !documented.content)
      responses[status] = { ...documented, content: { 'application/json': { schema } } } as ResponseObject;
  }
  return { ...op, responses };
}

export function buildOpenApiDocument(
  routes: readonly RegisteredRoute[],
  parts: readonly DocumentationPart[],
  info: DocumentInfo,
): { document: OpenApiDocument; drift: Drift; scopes: Record<string, string> } {
  const docs = combineParts(parts);
  const registered = new Map(routes.map((r) => [keyOf(r.method, toOpenApiPath(r.url)), r]));
  // Routes left out on purpose (`undocumentedBecause` in their schema) count as covered.
  const covered = new Set(
    routes
      .filter((r) => (r.schema as RouteSchema | undefined)?.undocumentedBecause)
      .map((r) => keyOf(r.method, toOpenApiPath(r.url))),
  );
  const drift: Drift = { undocumented: [], unrouted: [] };
  const paths: OpenApiDocument['paths'] = {};
  const emit = (path: string, method: HttpMethod, op: OperationObject) => ((paths[path] ??= {})[method] = op);

  // A group (IDaaS) is described once any of its routes exists, and then every one must.
  const presentGroups = new Set(
    docs.operations.filter((o) => o.group && registered.has(keyOf(o.method, o.path))).map((o) => o.group),
  );
  for (const doc of docs.operations) {
    const keys = [doc.path, ...(doc.aliases ?? [])].map((p) => keyOf(doc.method, p));
    keys.forEach((k) => covered.add(k));
    const route = registered.get(keys[0]!);
    const expected = !doc.group || presentGroups.has(doc.group);
    if (expected) drift.unrouted.push(...keys.filter((k) => !registered.has(k)));
    if (route) emit(doc.path, doc.method, withRouteSchemas(doc.operation, route));
  }
  for (const [key, route] of registered) {
    if (covered.has(key)) continue;
    const path = toOpenApiPath(route.url);
    const method = route.method.toLowerCase() as HttpMethod;
    const op = operationFromSchema(route) ?? docs.families.find((f) => f.family === route.family)?.describe(method, path);
    if (op) emit(path, method, op);
    else drift.undocumented.push(key);
  }

  const usedTags = new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((o) => o.tags)));
  const usedScopes = new Set(
    Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((o) => (o.security ?? []).flatMap((s) => s.oauth2 ?? []))),
  );
  // Umbrella scopes (mydex:pdx, mydex:identifiers…) first, then route scopes by path.
  const scopeOrder = (s: string) => `${s.includes(':/') ? 1 : 0}${s.replace(/^\w+:/, '')}${s}`;
  const scopes = Object.fromEntries(
    [...usedScopes]
      .sort((a, b) => scopeOrder(a).localeCompare(scopeOrder(b)))
      .map((s) => [s, docs.scopes[s] ?? routeScopeDescription(s)]),
  );
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: info.description,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: info.serverUrl }],
    tags: docs.tags.filter((t) => usedTags.has(t.name)),
    paths,
    components: {
      ...reachableComponents(paths, docs.components),
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description:
            'Access tokens from the client credentials grant. Every PDX route needs mydex:pdx; template and feature-block routes also need their route scope (`<method>:<path>`). A DPoP-bound token (RFC 9449: asked for with a `DPoP` proof at the token endpoint, always for clients registered with `--dpop`) is sent as `Authorization: DPoP <token>` with a fresh `DPoP` proof header (`htm`, `htu`, `ath`, `jti`; `nonce` when the server asks with `use_dpop_nonce`), and refused as a bearer token.',
          flows: { clientCredentials: { tokenUrl: `${info.issuer}/oauth2/token`, scopes } },
        },
        clientSecretBasic: { type: 'http', scheme: 'basic', description: 'OAuth client authentication (client_secret_basic).' },
      },
    },
  };
  return { document, drift, scopes };
}

/** `get:/api/pds/mam` → "Route scope of GET /api/pds/mam" (contract §3: a route scope is `<method>:<path>`). */
function routeScopeDescription(scope: string): string {
  return `Route scope of ${scope.replace(':', ' ').replace(/^\w+/, (m) => m.toUpperCase())}`;
}

/** Only the components the paths reach, directly or through other components. */
function reachableComponents(paths: unknown, all: Combined['components']): Components {
  const found: Record<string, Set<string>> = { schemas: new Set(), responses: new Set(), parameters: new Set() };
  const pending: unknown[] = [paths];
  while (pending.length) {
    const v = pending.pop();
    if (Array.isArray(v)) pending.push(...v);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, inner] of Object.entries(v)) {
        const m =
          k === '$ref' && typeof inner === 'string' ? /^#\/components\/(schemas|responses|parameters)\/(.+)$/.exec(inner) : null;
        if (m && !found[m[1]!]!.has(m[2]!)) {
          found[m[1]!]!.add(m[2]!);
          pending.push((all as Record<string, Record<string, unknown>>)[m[1]!]![m[2]!]);
        } else pending.push(inner);
      }
    }
  }
  const pick = <T>(kind: keyof Combined['components'], record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).filter(([name]) => found[kind]!.has(name)));
  return {
    schemas: pick('schemas', all.schemas) as Record<string, JsonSchema>,
    responses: pick('responses', all.responses),
    parameters: pick('parameters', all.parameters),
  };
}
