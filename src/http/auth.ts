/**
 * Resource-server authorisation (contract §3): a bearer token with `mydex:pdx`, plus the route
 * scope (`<method>:<path>`) on template and feature-block routes.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AccessDeniedError } from '../errors.ts';
import { securityEvent } from '../security-events.ts';
import { PDX_SCOPE, type AccessTokenVerifier, type ClientPrincipal } from '../oauth/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: ClientPrincipal;
  }
}

const INVALID_TOKEN = 'Bearer error="invalid_token"';
const INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope"';
// RFC 6750 §2.1 b64token, case-insensitive scheme (BT-05).
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

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
    const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
    if (!match?.[1]) throw refused(req, 401, header === undefined ? 'missing' : 'malformed');
    const principal = await verifier.verifyAccessToken(match[1]);
    if (!principal) throw refused(req, 401, 'invalid');
    const needed = [...base];
    const route = options.routeScope?.(req);
    if (route) needed.push(route);
    const missing = needed.filter((s) => !principal.scopes.has(s));
    if (missing.length) throw refused(req, 403, 'insufficient_scope', principal.clientId, missing.join(' '));
    req.principal = principal;
  };
}

/** The refusal, logged as a security event (src/security-events.ts) with what was wrong. */
function refused(
  req: FastifyRequest,
  status: 401 | 403,
  reason: 'missing' | 'malformed' | 'invalid' | 'insufficient_scope',
  clientId?: string,
  missingScope?: string,
): AccessDeniedError {
  securityEvent(req.log, 'auth.bearer_refused', {
    reason,
    clientId,
    missingScope,
    remoteAddress: req.ip,
    path: req.routeOptions.url,
  });
  return new AccessDeniedError(status, status === 401 ? INVALID_TOKEN : INSUFFICIENT_SCOPE);
}

export function principalOf(req: FastifyRequest): ClientPrincipal {
  if (!req.principal) throw new AccessDeniedError(401, INVALID_TOKEN);
  return req.principal;
}
