/** Contract §4: the three dedicated-connection calls. Each answers a bare JSON string URL. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { principalOf, requireBearer } from '../http/auth.ts';
import { parsePdxBody } from '../http/body.ts';
import type { LinkIssuer, SubscriberRequest } from './link-issuer.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';

type LinkCall = (links: LinkIssuer, req: SubscriberRequest) => Promise<string>;

const CALLS: Record<string, LinkCall> = {
  '/api/pds': (c, r) => c.requestRegistration(r),
  '/api/connection': (c, r) => c.requestConnection(r),
  '/api/connection/update': (c, r) => c.requestConnectionUpdate(r),
};

export function registerConsentRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRouteFamily(app, PDX_API, (scope) => consentRoutes(scope, ctx));
}

function consentRoutes(app: FastifyInstance, ctx: AppContext): void {
  const auth = requireBearer(ctx.oauth);
  for (const [url, call] of Object.entries(CALLS)) {
    app.post(url, { onRequest: auth }, async (req, reply) =>
      sendUrl(reply, await call(ctx.consent.links, subscriberRequest(req))),
    );
  }
}

function subscriberRequest(req: FastifyRequest): SubscriberRequest {
  return {
    principal: principalOf(req),
    sat: req.headers['short-access-token'],
    authentication: req.headers.authentication,
    body: parsePdxBody(req.body),
  };
}

function sendUrl(reply: FastifyReply, url: string): FastifyReply {
  // The URL is a bearer credential for the member's consent page: never cached.
  return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(url));
}
