/**
 * Resource-server authorisation (contract §3): a bearer token with `mydex:pdx`, plus the route
 * scope (`<method>:<path>`) on template and feature-block routes. A DPoP-bound token (RFC 9449)
 * comes as `Authorization: DPoP <token>` with a proof of its key in the `DPoP` header, and is
 * refused as a bearer token.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AccessDeniedError } from '../errors.ts';
import { securityEvent } from '../security-events.ts';
import { DPOP_ALGORITHMS } from '../oauth/dpop.ts';
import { PDX_SCOPE, type AccessTokenVerifier, type ClientPrincipal, type TokenRefusal } from '../oauth/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: ClientPrincipal;
  }
}

// RFC 6750 §2.1 b64token, case-insensitive scheme (BT-05); RFC 9449 §7.1 the same for DPoP.
const TOKEN_HEADER = /^(bearer|dpop) +([A-Za-z0-9\-._~+/]+=*)$/i;

type Refusal = 'missing' | 'malformed_header' | 'dpop_bound' | 'not_dpop_bound' | TokenRefusal;

/** RFC 6750 §3 `error_description` for each refusal: what went wrong and what to do. */
const DESCRIPTIONS: Record<Refusal, string> = {
  missing: 'No access token was sent. Send Authorization: Bearer <token>, with a token from POST /oauth2/token.',
  malformed_header: 'The Authorization header is not Bearer <token>.',
  dpop_bound:
    'The access token is DPoP-bound: send Authorization: DPoP <token>, with a proof signed by its key in the DPoP header (RFC 9449).',
  not_dpop_bound: 'The access token is not DPoP-bound: send it as Authorization: Bearer <token>.',
  malformed: 'The access token is not a JWT.',
  invalid: 'The access token was not issued by this server (signature, type, issuer or audience do not match).',
  expired: 'The access token has expired. Request a new one from POST /oauth2/token.',
  revoked: 'The access token has been revoked. Request a new one from POST /oauth2/token.',
  client_disabled: 'The client this access token was issued to is disabled.',
};

/**
 * An RFC 6750 quoted-string value: only the characters §3 allows (%x20-21 / %x23-5B / %x5D-7E), so
 * a request-controlled path in a route scope can never break or inject a header.
 */
function quoted(value: string, max = 500): string {
  const clean = value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}?` : clean;
}

function invalidTokenChallenge(refusal: Refusal): string {
  const scheme = refusal === 'dpop_bound' ? `DPoP algs="${DPOP_ALGORITHMS.join(' ')}",` : 'Bearer';
  return `${scheme} error="invalid_token", error_description="${DESCRIPTIONS[refusal]}"`;
}

function insufficientScopeChallenge(missing: readonly string[]): string {
  const scopes = quoted(missing.join(' '));
  const description = quoted(
    `The access token lacks the scope ${missing.join(' ')}. Request a token with it from POST /oauth2/token; ` +
      'the client must be allowed the scope (openpdx admin client create --scope).',
  );
  return `Bearer error="insufficient_scope", error_description="${description}", scope="${scopes}"`;
}

export interface BearerOptions {
  /** scopes every caller needs; default ["mydex:pdx"] */
  scopes?: readonly string[];
  /** computes the route scope (e.g. "get:/api/pds/mam") the request also needs */
  routeScope?: (req: FastifyRequest) => string | undefined;
}

export function requireBearer(verifier: AccessTokenVerifier, options: BearerOptions = {}): onRequestAsyncHookHandler {
  const base = options.scopes ?? [PDX_SCOPE];
  return async function bearer(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? TOKEN_HEADER.exec(header.trim()) : null;
    if (!match?.[2]) throw refused(req, header === undefined ? 'missing' : 'malformed_header');
    const token = match[2];
    const principal = await verifier.checkAccessToken(token);
    if ('refused' in principal) throw refused(req, principal.refused);
    const dpop = match[1]!.toLowerCase() === 'dpop';
    if (principal.jkt === undefined) {
      if (dpop) throw refused(req, 'not_dpop_bound');
    } else {
      if (!dpop) throw refused(req, 'dpop_bound');
      await requireProof(verifier, req, token, principal.jkt);
    }
    const needed = [...base];
    const route = options.routeScope?.(req);
    if (route) needed.push(route);
    const missing = needed.filter((s) => !principal.scopes.has(s));
    if (missing.length) throw lacksScope(req, principal.clientId, missing);
    req.principal = principal;
  };
}

/** RFC 9449 §7: the request's DPoP proof, signed by the key the token is bound to. */
async function requireProof(verifier: AccessTokenVerifier, req: FastifyRequest, token: string, jkt: string): Promise<void> {
  const path = req.url.split('?', 1)[0]!;
  const checked = await verifier.checkDpopProof(req.headers.dpop, { method: req.method, path, accessToken: token });
  const failure =
    'error' in checked
      ? checked
      : checked.jkt !== jkt
        ? {
            error: 'invalid_dpop_proof' as const,
            description: 'The DPoP proof is signed by another key than the one the token is bound to.',
          }
        : undefined;
  if (!failure) return;
  securityEvent(req.log, 'auth.bearer_refused', { reason: failure.error, remoteAddress: req.ip, path: req.routeOptions.url });
  const challenge = `DPoP algs="${DPOP_ALGORITHMS.join(' ')}", error="${failure.error}", error_description="${quoted(failure.description)}"`;
  const nonce = failure.error === 'use_dpop_nonce' ? verifier.dpopNonce() : undefined;
  throw new AccessDeniedError(401, challenge, undefined, nonce ? { 'dpop-nonce': nonce } : {});
}

/** A 401 refusal, logged as a security event (src/security-events.ts) with what was wrong. */
function refused(req: FastifyRequest, reason: Refusal): AccessDeniedError {
  securityEvent(req.log, 'auth.bearer_refused', { reason, remoteAddress: req.ip, path: req.routeOptions.url });
  return new AccessDeniedError(401, invalidTokenChallenge(reason));
}

/** The 403 for a valid token without a needed scope, naming the scopes in the challenge and the log. */
function lacksScope(req: FastifyRequest, clientId: string, missing: readonly string[]): AccessDeniedError {
  securityEvent(req.log, 'auth.bearer_refused', {
    reason: 'insufficient_scope',
    clientId,
    missingScope: missing.join(' '),
    remoteAddress: req.ip,
    path: req.routeOptions.url,
  });
  return new AccessDeniedError(403, insufficientScopeChallenge(missing));
}

export function principalOf(req: FastifyRequest): ClientPrincipal {
  if (!req.principal) throw new AccessDeniedError(401, invalidTokenChallenge('missing'));
  return req.principal;
}
