import type { DpopCheck, DpopRequest } from './dpop.ts';

/**
 * Who calls the resource server, in the domain's words (contract §3): the client an access token
 * was issued to, its organisation and scopes. Services take a ClientPrincipal; the HTTP layer
 * (src/http/auth.ts) makes one from a bearer token.
 */

export interface ClientPrincipal {
  clientId: string;
  orgId: number;
  scopes: ReadonlySet<string>;
  jti: string;
  exp: number;
  /** a DPoP-bound token (RFC 9449): the thumbprint of the key every request must prove it holds */
  jkt?: string;
}

/**
 * Why a bearer token was refused: `malformed` (not a JWT at all), `invalid` (not signed by us, wrong
 * type, issuer or audience, or missing claims), `expired`, `revoked`, or `client_disabled`.
 */
export type TokenRefusal = 'malformed' | 'invalid' | 'expired' | 'revoked' | 'client_disabled';

export interface AccessTokenVerifier {
  /** The principal for a valid, unexpired, unrevoked token of ours, or why the token was refused. */
  checkAccessToken(token: string): Promise<ClientPrincipal | { refused: TokenRefusal }>;
  /** A DPoP proof (the `DPoP` header) for this request and token: the key it proves, or why not. */
  checkDpopProof(header: string | string[] | undefined, req: DpopRequest): Promise<DpopCheck>;
  /** The nonce to send in `DPoP-Nonce` when proofs must carry one. */
  dpopNonce(): string | undefined;
}

/** The scope every PDX API call needs. */
export const PDX_SCOPE = 'mydex:pdx';

/** Route scope of a concrete request: lower-case method, colon, path without query or format. */
export function routeScopeOf(method: string, path: string): string {
  const clean = (path.split('?')[0] ?? '').replace(/\.(json|xml)$/, '');
  return `${method.toLowerCase()}:${clean}`;
}
