import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app-context.ts';
import { AppError, PdxError } from '../errors.ts';
import { parseNid } from './nid.ts';
import { WindowLimiter } from '../window-limiter.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';
import { jsonResponse, NO_SECURITY } from '../openapi/operation-builders.ts';
import { jsonContent, ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';

interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** Contract §4: `/access-token/{nid}` is unauthenticated, so it is rate limited per address. */
const ACCESS_TOKEN_RATE_LIMIT: RateLimit = { limit: 60, windowSeconds: 60 };

export interface ConnectionRouteOptions {
  accessTokenRateLimit?: RateLimit;
}

export function registerConnectionRoutes(app: FastifyInstance, ctx: AppContext, options: ConnectionRouteOptions = {}): void {
  registerRouteFamily(app, PDX_API, (scope) => connectionRoutes(scope, ctx, options));
}

const shortAccessToken = {
  operationId: 'getShortAccessToken',
  tags: ['Connection requests'],
  summary: 'Issues a short access token (SAT) for a dedicated connection.',
  description: 'Random, valid 300 s, single use, bound to the NID. Rate limited per client address.',
  security: NO_SECURITY,
  // Any text: a NID that is not a number is an unknown connection (404), not a bad request.
  params: Type.Object({ nid: Type.String({ description: 'The connection’s NID (digits)' }) }),
  responses: {
    '200': jsonResponse('The SAT, a bare JSON string (never cached).', { type: 'string' }),
    '404': { description: 'Unknown connection.', content: jsonContent(ref('schemas', 'PdxError')) },
    '429': ref('responses', 'RateLimited'),
  },
} satisfies RouteSchema;

function connectionRoutes(scope: FastifyInstance, ctx: AppContext, options: ConnectionRouteOptions): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const rule = options.accessTokenRateLimit ?? ACCESS_TOKEN_RATE_LIMIT;
  const limiter = new WindowLimiter(ctx.clock, rule.limit, rule.windowSeconds);

  app.get('/access-token/:nid', { schema: shortAccessToken }, async (req, reply) => {
    // req.ip is the socket peer: trustProxy is off, so X-Forwarded-For cannot pick the bucket.
    const retryAfter = limiter.retryAfter(req.ip);
    if (retryAfter > 0) {
      throw new AppError('rate_limited', 429, 'Too many requests', {
        reason: `Too many short access token requests from this address; retry in ${retryAfter} seconds.`,
        headers: { 'retry-after': String(retryAfter) },
      });
    }
    limiter.record(req.ip);
    const nid = parseNid(req.params.nid);
    if (nid === undefined) throw new PdxError(404, 'Unknown connection', undefined, 'unknown_connection');
    const sat = await ctx.connections.issueShortAccessToken(nid);
    // The body is a bare JSON string (contract §4), as Mydex's examples json_decode it.
    return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(sat));
  });
}
