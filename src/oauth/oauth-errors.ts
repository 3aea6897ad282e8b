/** The OAuth error bodies this module answers with, pinned in one place (RFC 6749 §5.2). */
import { OAuthError } from '../errors.ts';

export const invalidRequest = (description: string): OAuthError => new OAuthError('invalid_request', 400, description);

export const invalidScope = (description: string): OAuthError => new OAuthError('invalid_scope', 400, description);

/**
 * RFC 6749 §5.2: 401, and a `WWW-Authenticate` challenge for the scheme the client used in the
 * Authorization header. `challengeRealm` is set when Basic was used or nothing was sent at all.
 */
export function invalidClient(challengeRealm: string | undefined, description = 'client authentication failed'): OAuthError {
  return new OAuthError(
    'invalid_client',
    401,
    description,
    challengeRealm === undefined ? {} : { 'www-authenticate': `Basic realm="${challengeRealm}"` },
  );
}

export const unsupportedGrantType = (): OAuthError =>
  new OAuthError('unsupported_grant_type', 400, 'only client_credentials is supported');

/**
 * RFC 9449 §5 and §8: a token request's DPoP proof is missing or wrong (`invalid_dpop_proof`), or
 * lacks the server's nonce (`use_dpop_nonce`, with the nonce to use in `DPoP-Nonce`).
 */
export function dpopRefused(code: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string, nonce?: string): OAuthError {
  return new OAuthError(code, 400, description, nonce ? { 'dpop-nonce': nonce } : {});
}

export const unauthorizedClient = (description: string): OAuthError => new OAuthError('unauthorized_client', 400, description);

/** RFC 6749 §2.3.1: credentials never travel in a URL, so the OAuth endpoints take POST only (OA-18). */
export const methodNotAllowed = (): OAuthError =>
  new OAuthError('invalid_request', 405, 'method not allowed; use POST', { allow: 'POST' });

/**
 * Contract §2: "Too many requests → 429 with Retry-After". RFC 6749 defines no code for it, so the
 * body keeps the generic `invalid_request` rather than borrowing RFC 8628's device-flow `slow_down`.
 */
export function tooManyRequests(retryAfterSeconds: number): OAuthError {
  return new OAuthError('invalid_request', 429, 'too many requests', { 'retry-after': String(retryAfterSeconds) });
}
