/**
 * OAuth endpoints (contract §2): token (RFC 6749 §4.4), introspection (RFC 7662), revocation
 * (RFC 7009). Thin: read the form and the credentials, call the service, present.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';
import { exchangeAtProvider, PROVIDER_GRANTS } from '../oidc/oidc-routes.ts';
import { ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import { clientCredentialsOf } from './client-auth.ts';
import { registerMetadataRoutes } from './metadata-routes.ts';
import { dpopRefused, invalidClient, invalidRequest, methodNotAllowed } from './oauth-errors.ts';
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
    cnf: { type: 'object', properties: { jkt: { type: 'string' } }, required: ['jkt'], additionalProperties: false },
  },
  additionalProperties: false,
} as const;

// client_secret_basic, or (the empty requirement) client_secret_post or private_key_jwt in the form body
const CLIENT_AUTH: Record<string, string[]>[] = [{ clientSecretBasic: [] }, {}];
const NO_STORE_HEADER = { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } };
const CLIENT_AUTH_TEXT =
  'HTTP Basic (`client_secret_basic`, id and secret URL-decoded after base64), `client_id`/`client_secret` in the body (`client_secret_post`), or, for a client registered with keys, a signed `client_assertion` (`private_key_jwt`, RFC 7523): exactly one.';
const oauthErrors = {
  '400': ref('responses', 'OAuthError'),
  '401': ref('responses', 'OAuthError'),
  '413': ref('responses', 'OAuthError'),
  '429': ref('responses', 'OAuthError'),
};

/** An OAuth endpoint's schema: a form body, client authentication, no-store answers. */
function endpoint(operationId: string, summary: string, description: string, form: string, ok: string): RouteSchema {
  return {
    operationId,
    tags: ['OAuth2'],
    summary,
    description,
    security: CLIENT_AUTH,
    requestBody: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: ref('schemas', form) } },
    },
    responses: { '200': { description: ok, headers: NO_STORE_HEADER }, ...oauthErrors },
  };
}

const tokenSchema: RouteSchema = {
  ...endpoint(
    'postOAuthToken',
    'Issues an access token (client credentials grant).',
    `RFC 6749 §4.4. ${CLIENT_AUTH_TEXT} Every requested scope must be in the client’s allowed set; the token is an RFC 9068 JWT valid for an hour. With a \`DPoP\` proof header (RFC 9449; required for clients registered with \`--dpop\`) the token is bound to the proof’s key (\`cnf.jkt\`) and its \`token_type\` is \`DPoP\`; a wrong proof gets 400 \`invalid_dpop_proof\`, and when nonces are on, \`use_dpop_nonce\` with the nonce in \`DPoP-Nonce\`.`,
    'TokenRequest',
    'The access token (never cached).',
  ),
  response: { 200: tokenResponse },
};
const introspectionSchema: RouteSchema = {
  ...endpoint(
    'postOAuthIntrospect',
    'Introspects one of the client’s own tokens (RFC 7662).',
    CLIENT_AUTH_TEXT,
    'TokenOperationRequest',
    'Whether the token is active, and its claims when it is.',
  ),
  response: { 200: introspectionResponse },
};
const revocationSchema = endpoint(
  'postOAuthRevoke',
  'Revokes one of the client’s own tokens (RFC 7009).',
  `${CLIENT_AUTH_TEXT} Every API process refuses a revoked token within a second.`,
  'TokenOperationRequest',
  'Revoked, or was not a token of this client: an empty body.',
);

const NOT_ALLOWED: RouteSchema = { undocumentedBecause: 'answers 405: credentials never travel in a URL (RFC 6749 §2.3.1)' };

export function registerOAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRouteFamily(app, OAUTH, (scope) => oauthRoutes(scope, ctx));
  registerMetadataRoutes(app, ctx);
}

function oauthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { oauth } = ctx;
  const realm = ctx.config.issuer;

  /**
   * The client of a code or refresh-token grant: a confidential one authenticated as for any
   * grant (same throttle), a public one (no secret) named by `client_id` alone.
   */
  async function signInClientOf(req: FastifyRequest, form: OAuthForm) {
    const named = form.get('client_id');
    const bare = req.headers.authorization === undefined && !form.has('client_secret') && named !== undefined;
    if (bare) {
      const client = await ctx.oidc.signInClient(named);
      if (!client?.publicClient) throw invalidClient(realm, 'client authentication required');
      return client;
    }
    const client = await authenticated(req, form);
    const signIn = await ctx.oidc.signInClient(client.clientId);
    return signIn && !signIn.publicClient ? signIn : undefined;
  }

  /** The client the request authenticates as (HTTP Basic or the form), throttled per client and address. */
  const authenticated = (req: FastifyRequest, form: OAuthForm) =>
    oauth.authenticateClient(clientCredentialsOf(req.headers.authorization, form, realm), req.ip);

  /**
   * RFC 9449 §5: a token request with a DPoP proof gets a token bound to the proof's key; a client
   * registered as DPoP-bound must send one. Clients that send none keep Mydex's bearer tokens.
   */
  async function dpopKeyOf(req: FastifyRequest, client: { dpopBound: boolean }): Promise<string | undefined> {
    const proof = req.headers.dpop;
    if (proof === undefined && !client.dpopBound) return undefined;
    const checked = await oauth.checkDpopProof(proof, { method: 'POST', path: TOKEN_PATH });
    if ('error' in checked) {
      const description =
        proof === undefined
          ? 'This client only gets DPoP-bound tokens: send a DPoP proof (RFC 9449) in the DPoP header.'
          : checked.description;
      throw dpopRefused(checked.error, description, checked.error === 'use_dpop_nonce' ? oauth.dpopNonce() : undefined);
    }
    return checked.jkt;
  }

  async function authenticatedForm(req: FastifyRequest) {
    const form = readOAuthForm(req.headers['content-type'], req.body);
    return { form, client: await authenticated(req, form) };
  }

  app.post(TOKEN_PATH, { schema: tokenSchema }, async (req, reply) => {
    const form = readOAuthForm(req.headers['content-type'], req.body);
    // Signing members in (docs/oidc.md): the provider answers these grants, for a client we authenticate.
    if (PROVIDER_GRANTS.has(form.get('grant_type') ?? '')) {
      const signIn = await signInClientOf(req, form);
      // The provider would refuse it too, but with only "grant request is invalid" to say why.
      if (signIn?.dpopBound && req.headers.dpop === undefined) {
        throw dpopRefused(
          'invalid_dpop_proof',
          'This client only gets DPoP-bound tokens: send a DPoP proof (RFC 9449) in the DPoP header.',
        );
      }
      return exchangeAtProvider(ctx, req, reply, form, signIn);
    }
    const client = await authenticated(req, form);
    const jkt = await dpopKeyOf(req, client);
    const token = await oauth.grantClientCredentials(client, {
      grantType: form.get('grant_type'),
      scope: form.get('scope'),
      jkt,
    });
    const nonce = oauth.dpopNonce();
    // Contract §2 writes the token type in lower case; RFC 6749 §5.1 makes it case-insensitive.
    // A DPoP-bound token is of type DPoP (RFC 9449 §5.1), spelt as the RFC does.
    return reply.headers(jkt && nonce ? { ...NO_STORE, 'dpop-nonce': nonce } : NO_STORE).send({
      access_token: token.accessToken,
      token_type: jkt ? 'DPoP' : 'bearer',
      expires_in: token.expiresIn,
      scope: token.scope,
    });
  });

  // RFC 7662 §2.1 and RFC 7009 §2.1: `token_type_hint` is optional and ignored (IN-06): we only issue one type.
  app.post(INTROSPECTION_PATH, { schema: introspectionSchema }, async (req, reply) => {
    const { form, client } = await authenticatedForm(req);
    return reply.headers(NO_STORE).send(await oauth.introspect(requiredToken(form), client.clientId));
  });

  app.post(REVOCATION_PATH, { schema: revocationSchema }, async (req, reply) => {
    const { form, client } = await authenticatedForm(req);
    await oauth.revoke(requiredToken(form), client.clientId);
    return reply.code(200).headers(NO_STORE).send();
  });

  // Credentials never travel in a URL (RFC 6749 §2.3.1): other methods are refused outright (OA-18).
  for (const url of [TOKEN_PATH, INTROSPECTION_PATH, REVOCATION_PATH]) {
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      schema: NOT_ALLOWED,
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
