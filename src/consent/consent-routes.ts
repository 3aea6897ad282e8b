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
import { BEARER_ERRORS, jsonResponse, PDX_SECURITY, pdxBody } from '../openapi/operation-builders.ts';
import { jsonContent, ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';

type LinkCall = (links: LinkIssuer, credentials: ConnectionRequestCredentials, body: WireFields) => Promise<string>;

interface LinkRoute {
  call: LinkCall;
  operationId: string;
  summary: string;
  /** the request body's schema in the document's components */
  body: string;
  description: string;
  /** further error responses */
  errors?: RouteSchema['responses'];
}

// Each call reads its body into a typed LinkBody; the issuer checks the credentials, then the body.
const CALLS: Record<string, LinkRoute> = {
  '/api/pds': {
    call: (l, c, b) => l.requestRegistration(c, parseRegistration(b)),
    operationId: 'postRegistration',
    summary: 'Asks a new member to register and connect.',
    body: 'RegistrationRequest',
    description:
      'Needs the bearer token, the Short-Access-Token and Authentication headers, and connection_nid and connection_token_hash in the body. ' +
      'Answers a one-time link (a JSON string) where the member confirms their details, chooses a password and a Private Key, and consents; the consent callback follows.',
    errors: { '409': { description: 'MydexID or email already in use.', content: jsonContent(ref('schemas', 'PdxError')) } },
  },
  '/api/connection': {
    call: (l, c, b) => l.requestConnection(c, parseConnection(b)),
    operationId: 'postFirstTimeConnection',
    summary: 'Asks a member to connect (first time connection).',
    body: 'ConnectionRequest',
    description:
      'The same four connection credentials as registration. Answers a one-time link (a JSON string), single use, which expires after OPENPDX_LINK_TTL (24 h by default); without mydexid, whoever signs in or registers through it is connected.',
  },
  '/api/connection/update': {
    call: (l, c, b) => l.requestConnectionUpdate(c, parseUpdate(b)),
    operationId: 'postConnectionUpdate',
    summary: 'Asks a connected member to consent to a new DSSA version.',
    body: 'ConnectionUpdateRequest',
    description:
      'The same four connection credentials, with the mydexid of a connected member and the new DSSA version. The member re-consents through the link; the callback that follows is a PUT with a new member key.',
  },
};

function schemaOf(route: LinkRoute): RouteSchema {
  return {
    operationId: route.operationId,
    tags: ['Connection requests'],
    summary: route.summary,
    description: `${route.description} The Short-Access-Token is spent whatever the outcome.`,
    security: PDX_SECURITY,
    parameters: [ref('parameters', 'ShortAccessToken'), ref('parameters', 'Authentication')],
    requestBody: pdxBody(ref('schemas', route.body)),
    responses: {
      '200': jsonResponse('A one-time URL on the member web app (a bare JSON string).', ref('schemas', 'OneTimeUrl')),
      '400': ref('responses', 'BadRequest'),
      ...BEARER_ERRORS,
      ...route.errors,
    },
  };
}

export function registerConsentRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRouteFamily(app, PDX_API, (scope) => consentRoutes(scope, ctx));
}

function consentRoutes(app: FastifyInstance, ctx: AppContext): void {
  const auth = requireBearer(ctx.oauth);
  for (const [url, route] of Object.entries(CALLS)) {
    app.post(url, { onRequest: auth, schema: schemaOf(route) }, async (req, reply) => {
      const body = parsePdxBody(req.body);
      const credentials = readConnectionCredentials(principalOf(req), req.headers, body);
      return sendUrl(reply, await route.call(ctx.consent.links, credentials, body));
    });
  }
}

function sendUrl(reply: FastifyReply, url: string): FastifyReply {
  // The URL is a bearer credential for the member's consent page: never cached.
  return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(url));
}
