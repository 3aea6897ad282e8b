/** RFC 8414 authorisation server metadata and the RFC 7517 key set the access tokens verify with. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { PDX_SCOPE } from './principal.ts';

const JWKS_PATH = '/.well-known/jwks.json';
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

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
    introspection_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    // RFC 8414 §2 lets a server leave scopes out; route scopes are per client, the umbrella one is public.
    scopes_supported: [PDX_SCOPE],
  };
}

export function registerMetadataRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { issuer } = ctx.config;
  const metadata = authorizationServerMetadata(issuer);
  // RFC 8414 §3.1: for an issuer with a path, the well-known segment goes before that path (MD-03).
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, '');
  app.get(`/.well-known/oauth-authorization-server${issuerPath}`, async () => metadata);
  app.get(JWKS_PATH, async () => ctx.oauth.jwks());
}
