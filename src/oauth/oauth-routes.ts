/**
 * OAuth endpoints (contract §2): token (RFC 6749 §4.4), introspection (RFC 7662), revocation
 * (RFC 7009). Thin: read the form and the credentials, call the service, present.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';
import { clientCredentialsOf } from './client-auth.ts';
import { registerMetadataRoutes } from './metadata-routes.ts';
import { invalidRequest, methodNotAllowed } from './oauth-errors.ts';
import { readOAuthForm, type OAuthForm } from './oauth-form.ts';

const TOKEN_PATH = '/oauth2/token';
const INTROSPECTION_PATH = '/oauth2/introspect';
const REVOCATION_PATH = '/oauth2/revoke';
/**
 * The /oauth2/ endpoints: RFC 6749 error JSON. A token request is a few hundred bytes; anything
 * past 16 KiB is refused with 413 (OA-19). The discovery documents (metadata-routes.ts) are not
 * in the family: they are plain JSON GETs.
 */
const OAUTH: RouteFamily = { name: 'oauth', format: 'oauth', bodyLimit: BODY_LIMITS.oauth };

// RFC 6749 §5.1: responses carrying tokens (and, here, everything else) are never cached.
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

const tokenResponse = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'scope'],
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
  },
  additionalProperties: false,
} as const;

const introspectionResponse = {
  type: 'object',
  required: ['active'],
  properties: {
    active: { type: 'boolean' },
    scope: { type: 'string' },
    client_id: { type: 'string' },
    sub: { type: 'string' },
    aud: { type: 'string' },
    iss: { type: 'string' },
    exp: { type: 'integer' },
    iat: { type: 'integer' },
    jti: { type: 'string' },
    token_type: { type: 'string' },
  },
  additionalProperties: false,
} as const;

export function registerOAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRouteFamily(app, OAUTH, (scope) => oauthRoutes(scope, ctx));
  registerMetadataRoutes(app, ctx);
}

function oauthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { oauth } = ctx;
  const realm = ctx.config.issuer;

  async function authenticatedForm(req: FastifyRequest) {
    const form = readOAuthForm(req.headers['content-type'], req.body);
    const client = await oauth.authenticateClient(clientCredentialsOf(req.headers.authorization, form, realm), req.ip);
    return { form, client };
  }

  app.post(TOKEN_PATH, { schema: { response: { 200: tokenResponse } } }, async (req, reply) => {
    const { form, client } = await authenticatedForm(req);
    const token = await oauth.grantClientCredentials(client, { grantType: form.get('grant_type'), scope: form.get('scope') });
    // Contract §2 writes the token type in lower case; RFC 6749 §5.1 makes it case-insensitive.
    return reply
      .headers(NO_STORE)
      .send({ access_token: token.accessToken, token_type: 'bearer', expires_in: token.expiresIn, scope: token.scope });
  });

  // RFC 7662 §2.1 and RFC 7009 §2.1: `token_type_hint` is optional and ignored (IN-06): we only issue one type.
  app.post(INTROSPECTION_PATH, { schema: { response: { 200: introspectionResponse } } }, async (req, reply) => {
    const { form, client } = await authenticatedForm(req);
    return reply.headers(NO_STORE).send(await oauth.introspect(requiredToken(form), client.clientId));
  });

  app.post(REVOCATION_PATH, async (req, reply) => {
    const { form, client } = await authenticatedForm(req);
    await oauth.revoke(requiredToken(form), client.clientId);
    return reply.code(200).headers(NO_STORE).send();
  });

  // Credentials never travel in a URL (RFC 6749 §2.3.1): other methods are refused outright (OA-18).
  for (const url of [TOKEN_PATH, INTROSPECTION_PATH, REVOCATION_PATH]) {
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      handler: async () => {
        throw methodNotAllowed();
      },
    });
  }
}

function requiredToken(form: OAuthForm): string {
  const token = form.get('token');
  if (token === undefined) throw invalidRequest('token is required');
  return token;
}
