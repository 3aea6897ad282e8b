/**
 * Errors carry a stable snake_case code, an HTTP status and whether their message may reach the
 * client. One presenter per wire format (src/http/error-presenters.ts) turns them into responses.
 */
export interface AppErrorOptions {
  reason?: string;
  expose?: boolean;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly reason: string | undefined;
  readonly expose: boolean;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.reason = options.reason;
    this.expose = options.expose ?? status < 500;
    this.headers = options.headers ?? {};
  }
}

/** Most items an error message names from a list the request controls (unknown fields, scopes…). */
const MAX_LISTED = 10;
/** Longest text of one named item (a field name, a scope); a longer one is cut with an ellipsis. */
const MAX_ITEM_LENGTH = 64;
/** Longest reason a client is ever sent: the presenters cut anything longer (a last line of defence). */
export const MAX_REASON_LENGTH = 2000;

/**
 * Names the first MAX_LISTED items of a request-controlled list, each cut to a sensible length, and
 * counts the rest: `a, b, c … and 4,998 more`. An error echoes what was sent, but never megabytes.
 */
export function listed(items: readonly string[], separator = ', ', itemLength = MAX_ITEM_LENGTH): string {
  const shown = items.slice(0, MAX_LISTED).map((s) => (s.length > itemLength ? `${s.slice(0, itemLength - 1)}…` : s));
  const rest = items.length - shown.length;
  return rest > 0 ? `${shown.join(separator)} … and ${rest.toLocaleString('en-GB')} more` : shown.join(separator);
}

/** The OAuth error codes the server answers with (RFC 6749 §5.2; introspection and revocation use the same). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/**
 * RFC 6749 §5.2 / RFC 7009 / RFC 7662 errors: `code` is the OAuth error code. Made only by the
 * constructors in src/oauth/oauth-errors.ts, so each code keeps one status and one wording.
 */
export class OAuthError extends AppError {
  constructor(code: OAuthErrorCode, status: number, description: string, headers: Record<string, string> = {}) {
    super(code, status, description, { headers });
  }
}

const ACCESS_DENIED_REASON = 'Unable to authorize the request. Please make sure you send an OAuth2.0 bearer token or an API key.';

/** Contract §3: the resource server's 401 (bad token) and 403 (scope or ownership). */
export class AccessDeniedError extends AppError {
  constructor(status: 400 | 401 | 403, challenge: string, reason = ACCESS_DENIED_REASON, headers: Record<string, string> = {}) {
    super(status === 403 ? 'insufficient_scope' : 'invalid_token', status, 'Access denied', {
      reason,
      headers: { ...headers, 'www-authenticate': challenge },
    });
  }
}

/** Contract §6.3 errors in the PDX format. */
export class PdxError extends AppError {
  constructor(status: number, message: string, reason?: string, code = 'pdx_error') {
    super(code, status, message, reason === undefined ? {} : { reason });
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', reason?: string) {
    super('not_found', 404, message, reason === undefined ? {} : { reason });
  }
}

export class ValidationError extends AppError {
  constructor(message: string, reason?: string) {
    super('invalid_request', 400, message, reason === undefined ? {} : { reason });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, reason?: string) {
    super('conflict', 409, message, reason === undefined ? {} : { reason });
  }
}

/**
 * A NUL character anywhere in a request: refused at the edge (src/http/server.ts and the body
 * parsers), since PostgreSQL text cannot hold one and no field has a use for it.
 */
export class NulCharacterError extends AppError {
  constructor() {
    super('invalid_request', 400, 'Invalid request', {
      reason: 'The request contains a NUL character (%00 or \\u0000), which no parameter or field accepts.',
    });
  }
}

/**
 * The database cannot serve the call (docs/operations.md, "Database outages"): 503 with
 * Retry-After in the route's format. Nothing was changed: every write is one transaction.
 */
export class ServiceUnavailableError extends AppError {
  constructor(kind: 'unreachable' | 'full', cause?: unknown) {
    super('service_unavailable', 503, 'Service unavailable', {
      reason:
        kind === 'full'
          ? 'The server cannot store data at the moment. Nothing was changed; try again later.'
          : 'The database is not answering at the moment. Nothing was changed; try again in a few seconds.',
      headers: { 'retry-after': kind === 'full' ? '30' : '5' },
      expose: true,
      cause,
    });
  }
}

/** A ciphertext failed authentication: tampering or a wrong key. Never exposes details. */
export class IntegrityFailure extends AppError {
  constructor(cause?: unknown) {
    super('integrity_failure', 500, 'Internal error', { expose: false, cause });
  }
}
