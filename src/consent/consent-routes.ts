/** Contract §4: the three dedicated-connection calls. Each answers a bare JSON string URL. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { principalOf, requireBearer } from '../http/auth.ts';
import { parsePdxBody } from '../http/body.ts';
import { readConnectionCredentials, type ConnectionRequestCredentials } from '../connections/connection-credentials.ts';
import type { WireFields } from '../wire.ts';
import type { LinkIssuer } from './link-issuer.ts';
import { parseConnection, parseRegistration, parseUpdate } from './link-request.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';

type LinkCall = (links: LinkIssuer, credentials: ConnectionRequestCredentials, body: WireFields) => Promise<string>;

// Each call reads its body into a typed LinkBody; the issuer checks the credentials, then the body.
const CALLS: Record<string, LinkCall> = {
  '/api/pds': (l, c, b) => l.requestRegistration(c, parseRegistration(b)),
  '/api/connection': (l, c, b) => l.requestConnection(c, parseConnection(b)),
  '/api/connection/update': (l, c, b) => l.requestConnectionUpdate(c, parseUpdate(b)),
};

export function registerConsentRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRouteFamily(app, PDX_API, (scope) => consentRoutes(scope, ctx));
}

function consentRoutes(app: FastifyInstance, ctx: AppContext): void {
  const auth = requireBearer(ctx.oauth);
  for (const [url, call] of Object.entries(CALLS)) {
    app.post(url, { onRequest: auth }, async (req, reply) => {
      const body = parsePdxBody(req.body);
      const credentials = readConnectionCredentials(principalOf(req), req.headers, body);
      return sendUrl(reply, await call(ctx.consent.links, credentials, body));
    });
  }
}

function sendUrl(reply: FastifyReply, url: string): FastifyReply {
  // The URL is a bearer credential for the member's consent page: never cached.
  return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(url));
}
