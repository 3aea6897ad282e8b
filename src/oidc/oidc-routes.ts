/**
 * The OpenID Connect endpoints (docs/oidc.md), answered by node-oidc-provider through
 * oidc-forward.ts: discovery, the authorization endpoint (and its resumption after the member
 * signs in and consents), userinfo and RP-initiated logout. The token endpoint is shared with the
 * client credentials grant: oauth/oauth-routes.ts sends the `authorization_code` and
 * `refresh_token` grants here (`exchangeAtProvider`) once it has authenticated the client.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app-context.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';
import { unauthorizedClient } from '../oauth/oauth-errors.ts';
import type { OAuthForm } from '../oauth/oauth-form.ts';
import { htmlResponse, NO_SECURITY } from '../openapi/operation-builders.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import { forwardToProvider } from './oidc-forward.ts';
import type { SignInClient } from './oidc-provider.ts';

/** RFC 6749 error JSON, as the rest of /oauth2/; the provider writes its own answers. */
const OIDC: RouteFamily = { name: 'oidc', format: 'oauth', bodyLimit: BODY_LIMITS.oauth };

/** The grants the provider answers at the token endpoint. */
export const PROVIDER_GRANTS: ReadonlySet<string> = new Set(['authorization_code', 'refresh_token']);

const doc = (operationId: string, summary: string, description?: string): RouteSchema => ({
  operationId,
  tags: ['OpenID Connect'],
  summary,
  ...(description ? { description } : {}),
  security: NO_SECURITY,
  responses: {
    '200': htmlResponse('A page for the member (sign-in, consent, or signing out).'),
    '302': { description: 'A redirect.' },
  },
});

/** A JSON answer of the provider, with an example (the reference viewer and Postman show it). */
const json = (description: string, properties: Record<string, string>, example: Record<string, unknown>) => ({
  '200': {
    description,
    content: {
      'application/json': {
        schema: { type: 'object', properties: Object.fromEntries(Object.entries(properties).map(([k, type]) => [k, { type }])) },
        example,
      },
    },
  },
});

const DISCOVERY = json(
  'The provider’s metadata (OpenID Connect Discovery 1.0).',
  {
    issuer: 'string',
    authorization_endpoint: 'string',
    token_endpoint: 'string',
    userinfo_endpoint: 'string',
    jwks_uri: 'string',
    end_session_endpoint: 'string',
    scopes_supported: 'array',
    response_types_supported: 'array',
    code_challenge_methods_supported: 'array',
    id_token_signing_alg_values_supported: 'array',
  },
  {
    issuer: 'http://localhost:8080',
    authorization_endpoint: 'http://localhost:8080/oauth2/auth',
    token_endpoint: 'http://localhost:8080/oauth2/token',
    userinfo_endpoint: 'http://localhost:8080/userinfo',
    jwks_uri: 'http://localhost:8080/.well-known/jwks.json',
    end_session_endpoint: 'http://localhost:8080/oauth2/sessions/logout',
    scopes_supported: ['openid', 'mydexid', 'offline_access'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    id_token_signing_alg_values_supported: ['ES256'],
  },
);

const USERINFO = {
  ...json(
    'The member’s claims: a pairwise `sub` (per app), and with `mydexid` their MydexID.',
    { sub: 'string', mydexid: 'string', username: 'string', iss: 'string', aud: 'array', iat: 'integer', auth_time: 'integer' },
    {
      sub: '3f1c1b5e0f7a4c2d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e',
      mydexid: 'jo.bloggs',
      username: 'jo.bloggs',
      iss: 'http://localhost:8080',
      aud: ['0b6c2d1e-…'],
      iat: 1796500000,
      auth_time: 1796499990,
    },
  ),
  '401': {
    description: 'No access token, or one the provider does not know (`WWW-Authenticate: Bearer error="invalid_token"`).',
  },
};

const ENDPOINTS: [('GET' | 'POST')[], string, RouteSchema][] = [
  [
    ['GET'],
    '/.well-known/openid-configuration',
    { ...doc('getOpenIdConfiguration', 'OpenID Provider metadata (discovery).'), responses: DISCOVERY },
  ],
  [
    ['GET', 'POST'],
    '/oauth2/auth',
    doc(
      'authorize',
      'Starts signing a member in (authorization code flow).',
      '`response_type=code`, `client_id`, `redirect_uri` (exactly as registered), `scope` with `openid`, `state`; `code_challenge` (S256) for public clients; `action=register` shows registration instead of sign-in.',
    ),
  ],
  [
    ['GET'],
    '/oauth2/auth/:uid',
    {
      ...doc('resumeAuthorization', 'Resumes a sign-in after the member signed in and consented.'),
      params: Type.Object({ uid: Type.String({ description: 'The sign-in in progress' }) }),
    },
  ],
  [
    ['GET', 'POST'],
    '/userinfo',
    { ...doc('getUserInfo', 'The signed-in member’s claims, for an access token from the code flow.'), responses: USERINFO },
  ],
  [['GET', 'POST'], '/oauth2/sessions/logout', doc('endSession', 'RP-initiated logout.')],
  [['POST'], '/oauth2/sessions/logout/confirm', doc('confirmEndSession', 'The member confirms signing out.')],
  [['GET'], '/oauth2/sessions/logout/success', doc('endSessionSuccess', 'After signing out.')],
];

export function registerOidcRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oidc' | 'config'>): void {
  const issuer = new URL(ctx.config.issuer);
  registerRouteFamily(app, OIDC, (scope) => {
    for (const [methods, url, schema] of ENDPOINTS) {
      for (const method of methods) {
        // One operation per method: the POST form of a GET endpoint gets its own operationId.
        const operationId = methods.length > 1 && method === 'POST' ? `${schema.operationId}Post` : schema.operationId;
        scope.route({
          method,
          url,
          schema: { ...schema, operationId },
          handler: (req, reply) => forwardToProvider(ctx.oidc.provider(), issuer, req, reply),
        });
      }
    }
  });
}

/**
 * A code or refresh-token grant at the token endpoint, for the client `client` that the token
 * route has authenticated (or, for a public client, named): the provider sees the request as
 * from that client without a secret (oidc-provider.ts, clientMetadata).
 */
export function exchangeAtProvider(
  ctx: Pick<AppContext, 'oidc' | 'config'>,
  req: FastifyRequest,
  reply: FastifyReply,
  form: OAuthForm,
  client: SignInClient | undefined,
): Promise<void> {
  if (!client) throw unauthorizedClient('this client may not sign members in (it has no redirect URI or no openid scope)');
  const body = new URLSearchParams();
  for (const [name, value] of form) if (name !== 'client_secret') body.set(name, value);
  body.set('client_id', client.clientId);
  const { authorization: _authorization, ...headers } = req.headers;
  return forwardToProvider(ctx.oidc.provider(), new URL(ctx.config.issuer), req, reply, { body: body.toString(), headers });
}
