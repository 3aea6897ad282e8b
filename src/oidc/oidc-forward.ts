/**
 * Hands a request Fastify has received to node-oidc-provider (a Koa application). The provider
 * answers on the raw response, so Fastify lets go of the reply first (`hijack`). Fastify has
 * already read the body (as a string: src/http/server.ts), so the provider is given a fresh
 * stream holding it, with the request's method, URL and headers, and reads it as it would have.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';

type Handler = ReturnType<Provider['callback']>;
const handlers = new WeakMap<Provider, Handler>();
/** The provider's request handler, made once per provider (Koa composes its middleware each time). */
function handlerOf(provider: Provider): Handler {
  let h = handlers.get(provider);
  if (!h) handlers.set(provider, (h = provider.callback()));
  return h;
}

/** The request as the provider should read it: `body` replaces what Fastify consumed. */
function replayed(req: FastifyRequest, body: string, headers: IncomingMessage['headers']): IncomingMessage {
  const raw = req.raw;
  const stream = Readable.from([Buffer.from(body, 'utf8')]);
  return Object.assign(stream, {
    method: raw.method,
    url: raw.url,
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body, 'utf8')) },
    rawHeaders: raw.rawHeaders,
    httpVersion: raw.httpVersion,
    httpVersionMajor: raw.httpVersionMajor,
    httpVersionMinor: raw.httpVersionMinor,
    socket: raw.socket,
    connection: raw.socket,
  }) as unknown as IncomingMessage;
}

/**
 * Lets the provider answer `req`. `body` (a form, URL-encoded) and `headers`, when given, replace
 * the request's: the token endpoint forwards a request it has authenticated itself.
 */
export function forwardToProvider(
  provider: Provider,
  issuer: URL,
  req: FastifyRequest,
  reply: FastifyReply,
  replace?: { body: string; headers: IncomingMessage['headers'] },
): Promise<void> {
  // The provider writes its endpoints' URLs (discovery, redirects) from the request's origin: make
  // that the issuer's, whatever Host the client sent, and give it the address Fastify trusts.
  const origin = {
    'x-forwarded-proto': issuer.protocol.slice(0, -1),
    'x-forwarded-host': issuer.host,
    'x-forwarded-for': req.ip,
  };
  Object.assign(req.raw.headers, origin);
  if (replace) replace = { ...replace, headers: { ...replace.headers, ...origin } };
  // Headers the server's hooks set (nosniff, a family's headers) go on the raw response Fastify lets go of.
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
  reply.hijack();
  const body = replace?.body ?? (typeof req.body === 'string' ? req.body : undefined);
  const raw = body === undefined ? req.raw : replayed(req, body, replace?.headers ?? req.raw.headers);
  return new Promise((resolve) => {
    reply.raw.once('close', resolve);
    reply.raw.once('finish', resolve);
    void handlerOf(provider)(raw, reply.raw);
  });
}
