import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError, NulCharacterError, ServiceUnavailableError } from '../errors.ts';
import { BODY_LIMITS } from './body-limits.ts';
import { present, type HtmlErrorRenderer } from './error-presenters.ts';
import { lazyChildLogger } from './lazy-logger.ts';
import { parseQuery } from './query.ts';
import { UrlRedactor } from './redact.ts';
import { DEFAULT_FAMILY, RouteFamilies, type RouteFamily } from './route-family.ts';

/**
 * The bare Fastify instance: raw-string bodies (each route family decides how to read them),
 * error presentation per wire format, redacted request logging. Routes are added by the caller.
 */
export interface HttpServerOptions {
  trustProxy?: boolean | number | string[];
  /** live: refuse requests that did not arrive over HTTPS (OA-23), health checks excepted */
  requireHttps?: boolean;
  /** the error page of HTML paths (default: a bare page without the member app's stylesheet) */
  htmlErrorPage?: HtmlErrorRenderer;
  /** true for a database error that refused a request's value (src/storage/dialect.ts isRejectedValue) */
  isRejectedValue?: (err: unknown) => boolean;
  /** the database outage an error shows, if any (src/storage/availability.ts): answered 503 */
  outage?: (err: unknown) => 'unreachable' | 'full' | undefined;
}

/**
 * Slow or stalled clients (docs/operations.md, "Timeouts"): the request line and headers must
 * arrive within HEADERS_TIMEOUT_MS and the whole request, body included, within REQUEST_TIMEOUT_MS;
 * a connection silent for CONNECTION_IDLE_MS is closed. Fastify's own default is no limit at all.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const CONNECTION_IDLE_MS = 120_000;

export function createHttpServer(logger: Logger, options: HttpServerOptions = {}): FastifyInstance {
  const app = Fastify({
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: CONNECTION_IDLE_MS,
    loggerInstance: logger as FastifyBaseLogger,
    // Fastify's own request lines would log full URLs (with ?key=…); onResponse logs a redacted one.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMITS.other,
    genReqId: () => randomUUID(),
    childLoggerFactory: lazyChildLogger,
    // Mydex paths such as /api/pds/pds/4020.json are matched exactly; `..` segments are not normalised away.
    routerOptions: {
      ignoreTrailingSlash: false,
      maxParamLength: 500,
      // PHP-style bracket parameters (filters[field][operator]) as Mydex's API reads them.
      querystringParser: parseQuery,
    },
    // BCP-04: forwarded headers count only from the configured proxies (OPENPDX_TRUST_PROXY).
    trustProxy: trustProxyOption(options.trustProxy),
  });

  const urls = new UrlRedactor();
  app.addHook('onRoute', (route) => urls.addRoute(route.url));
  /** The URL as logs may show it (src/http/redact.ts): through the matched route's pattern. */
  const loggable = (req: FastifyRequest): string => {
    const pattern = req.routeOptions.url;
    return urls.redact(req.url, pattern === undefined ? undefined : { pattern, params: req.params as Record<string, string> });
  };

  app.server.headersTimeout = HEADERS_TIMEOUT_MS;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) =>
    typeof body === 'string' && body.includes('\0') ? done(new NulCharacterError(), undefined) : done(null, body),
  );
  // Every response: no MIME sniffing. Then the path and query, still percent-encoded: one scan for
  // NUL before any route reads them (decoded bodies are checked by their parsers: parsePdxBody, the
  // OAuth and member forms). A callback hook: it costs Fastify no promise on the hot path.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done(req.url.includes('%00') ? new NulCharacterError() : undefined);
  });

  if (options.requireHttps) {
    // OA-23: no silent redirect for an API; the request is refused in its route's error format.
    app.addHook('onRequest', async (req) => {
      if (req.protocol === 'https' || req.url === '/healthz' || req.url === '/readyz') return;
      throw new AppError('https_required', 400, 'HTTPS required', {
        reason: 'This server accepts requests only over HTTPS (through its TLS-terminating proxy).',
      });
    });
  }

  // Request lines are info: with a quieter level the hook is not installed at all (it would run on
  // every request for nothing).
  if (logger.isLevelEnabled('info'))
    app.addHook('onResponse', async (req, reply) => {
      req.log.info(
        { method: req.method, url: loggable(req), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request',
      );
    });

  /** An error as the client will see it (an AppError), logged when it is the server's. */
  function appErrorOf(error: FastifyError | AppError | Error, req: FastifyRequest): AppError {
    const appError = asAppError(error, req);
    // An outage is logged once, where it begins (DatabaseAvailability), not once per request.
    if (appError.status >= 500 && !(appError instanceof ServiceUnavailableError))
      req.log.error({ err: error, url: loggable(req) }, 'request failed');
    return appError;
  }

  function asAppError(error: FastifyError | AppError | Error, req: FastifyRequest): AppError {
    if (error instanceof AppError) return error;
    let outage: 'unreachable' | 'full' | undefined;
    if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500) {
      // Fastify's own client errors: body too large, bad content length, bad URL.
      const status = error.statusCode;
      return new AppError(
        status === 413 ? 'payload_too_large' : 'invalid_request',
        status,
        status === 413 ? 'Request body too large' : 'Bad request',
        {
          reason:
            status === 413
              ? `The limit for this route is ${req.routeOptions.bodyLimit ?? BODY_LIMITS.other} bytes.`
              : error.message,
        },
      );
    }
    if ((outage = options.outage?.(error))) return new ServiceUnavailableError(outage, error);
    if (options.isRejectedValue?.(error)) {
      // The edge let through a value the database refused: still the client's error, never a 500,
      // but logged loudly so the missing check gets added (docs/security.md, "Numbers").
      req.log.error({ event: 'edge_validation_gap', err: error, url: loggable(req) }, 'database refused a request value');
      return new AppError('invalid_request', 400, 'Invalid request', {
        reason: 'A value in the request is outside what this server accepts.',
      });
    }
    return new AppError('internal_error', 500, 'Internal error', { expose: false });
  }

  const send = (reply: FastifyReply, family: RouteFamily, err: AppError, requestId: string) => {
    const p = present(family.format, err, requestId, options.htmlErrorPage);
    if (family.headers) reply.headers(family.headers);
    return reply
      .code(p.status)
      .headers(p.headers)
      .header('content-type', p.contentType)
      .send(typeof p.body === 'string' ? p.body : JSON.stringify(p.body));
  };

  const families = new RouteFamilies(
    (family) => async (error, req, reply) => send(reply, family, appErrorOf(error, req), req.id),
  );
  app.decorate('routeFamilies', families);

  // A request that matches no route: its nearest family's format (src/http/route-family.ts).
  app.setNotFoundHandler(async (req, reply) => {
    const err = new AppError('not_found', 404, 'Not found', { reason: `No route for ${req.method} ${req.url.split('?')[0]}` });
    return send(reply, families.forUnmatched(req.url), err, req.id);
  });
  // The root's routes (health checks, the OpenAPI document), and errors before any route matched.
  app.setErrorHandler(async (error: FastifyError | AppError | Error, req, reply) =>
    send(reply, req.is404 ? families.forUnmatched(req.url) : DEFAULT_FAMILY, appErrorOf(error, req), req.id),
  );

  return app;
}

/** A hop count becomes the equivalent function: Fastify's types take no number. */
function trustProxyOption(
  v: boolean | number | string[] | undefined,
): boolean | string[] | ((addr: string, hop: number) => boolean) {
  if (typeof v === 'number') return (_addr, hop) => hop < v;
  return v ?? false;
}
