/**
 * Sandbox-only developer surfaces (absent, so 404, in live): the message outbox page and a
 * built-in callback receiver for the seeded demo connection (`${publicUrl}/dev/callback`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { parsePdxBody } from '../http/body.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';
import { htmlResponse, jsonResponse, NO_SECURITY } from '../openapi/operation-builders.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import { DevCallbackInbox } from './dev-callback-inbox.ts';
import { renderOutboxPage } from './dev-outbox-page.ts';

/** The sandbox's pages and callback receiver: HTML errors, a callback-sized body limit. */
const SANDBOX_DEV: RouteFamily = { name: 'sandbox-dev', format: 'html', bodyLimit: BODY_LIMITS.devCallback };

const sandbox = (schema: RouteSchema): RouteSchema => ({ tags: ['Sandbox'], security: NO_SECURITY, ...schema });
const OUTBOX = sandbox({
  operationId: 'getSandboxOutbox',
  summary: 'The email and SMS the sandbox kept instead of sending.',
  responses: { '200': htmlResponse('The outbox page (carries one-time links: never cached).') },
});
const callback = (method: 'post' | 'put') =>
  sandbox({
    operationId: `${method}SandboxCallback`,
    summary: `Receives a ${method.toUpperCase()} callback for the seeded demo connection.`,
    requestBody: { content: { '*/*': { schema: { type: 'string' } } } },
    responses: { '200': jsonResponse('Kept.', { type: 'object', properties: { received: { type: 'boolean', const: true } } }) },
  });
const CALLBACKS = sandbox({
  operationId: 'getSandboxCallbacks',
  summary: 'The callbacks /dev/callback received.',
  responses: { '200': jsonResponse('Newest last.', { type: 'array', items: { type: 'object' } }) },
});

export function registerDevRoutes(app: FastifyInstance, ctx: AppContext, inbox = new DevCallbackInbox()): void {
  if (ctx.config.env !== 'sandbox') return;
  registerRouteFamily(app, SANDBOX_DEV, (scope) => devRoutes(scope, ctx, inbox));
}

function devRoutes(app: FastifyInstance, ctx: AppContext, inbox: DevCallbackInbox): void {
  app.get('/dev/outbox', { schema: OUTBOX }, async (_req, reply) => {
    const page = renderOutboxPage(await ctx.outbox.listSandboxMessages());
    // The page carries one-time links: not cached, not leaked through Referer.
    return reply
      .headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
      .type('text/html; charset=utf-8')
      .send(page);
  });

  const receive = async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    let body: unknown = raw;
    try {
      body = parsePdxBody(raw);
    } catch {
      // kept as text
    }
    inbox.add({ received_at: ctx.clock.now(), method: req.method, headers: { ...req.headers }, body, raw });
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ received: true }));
  };
  app.post('/dev/callback', { schema: callback('post') }, receive);
  app.put('/dev/callback', { schema: callback('put') }, receive);

  app.get('/dev/callbacks', { schema: CALLBACKS }, async (_req, reply) =>
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(inbox.list())),
  );
}
