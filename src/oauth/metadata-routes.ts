/** RFC 8414 authorisation server metadata and the RFC 7517 key set the access tokens verify with. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { jsonResponse, NO_SECURITY } from '../openapi/operation-builders.ts';
import { ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import { ASSERTION_ALGORITHMS } from './client-assertion.ts';
import { DPOP_ALGORITHMS } from './dpop.ts';
import { PDX_SCOPE } from './principal.ts';

const JWKS_PATH = '/.well-known/jwks.json';
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

function authorizationServerMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    revocation_endpoint: `${issuer}/oauth2/revoke`,
    // RFC 8414 §2: omitting this would mean ["authorization_code","implicit"], which is false here.
    grant_types_supported: ['client_credentials'],
    // RFC 8414 §2 makes this member REQUIRED; with no authorisation endpoint the true answer is
    // that no response_type is supported, so the array is empty rather than a false ["code"].
    response_types_supported: [],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    introspection_endpoint_auth_methods_supported: AUTH_METHODS,
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    // RFC 9449 §5.1: any client may ask for DPoP-bound tokens; clients registered with --dpop must.
    dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
    // RFC 8414 §2 lets a server leave scopes out; route scopes are per client, the umbrella one is public.
    scopes_supported: [PDX_SCOPE],
  };
}

/** A public discovery document: JSON, no authentication. */
const wellKnown = (operationId: string, summary: string, answer: string, schema: string): RouteSchema => ({
  operationId,
  tags: ['OAuth2'],
  summary,
  security: NO_SECURITY,
  responses: { '200': jsonResponse(answer, ref('schemas', schema)) },
});

export function registerMetadataRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { issuer } = ctx.config;
  const metadata = authorizationServerMetadata(issuer);
  // RFC 8414 §3.1: for an issuer with a path, the well-known segment goes before that path (MD-03).
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, '');
  app.get(
    `/.well-known/oauth-authorization-server${issuerPath}`,
    {
      schema: wellKnown(
        'getAuthorizationServerMetadata',
        'Authorisation server metadata (RFC 8414).',
        'The metadata.',
        'AuthorizationServerMetadata',
      ),
    },
    async () => metadata,
  );
  app.get(
    JWKS_PATH,
    {
      schema: wellKnown('getJwks', 'The public keys access tokens are signed with (RFC 7517).', 'The key set.', 'JsonWebKeySet'),
    },
    async () => ctx.oauth.jwks(),
  );
}
