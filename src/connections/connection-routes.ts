import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { AppError, PdxError } from '../errors.ts';
import { parseNid } from './nid.ts';
import { WindowLimiter } from '../window-limiter.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';

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

function connectionRoutes(app: FastifyInstance, ctx: AppContext, options: ConnectionRouteOptions): void {
  const rule = options.accessTokenRateLimit ?? ACCESS_TOKEN_RATE_LIMIT;
  const limiter = new WindowLimiter(ctx.clock, rule.limit, rule.windowSeconds);

  app.get<{ Params: { nid: string } }>('/access-token/:nid', async (req, reply) => {
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
