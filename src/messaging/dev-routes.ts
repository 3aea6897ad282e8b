/**
 * Sandbox-only developer surfaces (absent, so 404, in live): the message outbox page and a
 * built-in callback receiver for the seeded demo connection (`${publicUrl}/dev/callback`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { parsePdxBody } from '../http/body.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';
import { DevCallbackInbox } from './dev-callback-inbox.ts';
import { renderOutboxPage } from './dev-outbox-page.ts';

/** The sandbox's pages and callback receiver: HTML errors, a callback-sized body limit. */
const SANDBOX_DEV: RouteFamily = { name: 'sandbox-dev', format: 'html', bodyLimit: BODY_LIMITS.devCallback };

export function registerDevRoutes(app: FastifyInstance, ctx: AppContext, inbox = new DevCallbackInbox()): void {
  if (ctx.config.env !== 'sandbox') return;
  registerRouteFamily(app, SANDBOX_DEV, (scope) => devRoutes(scope, ctx, inbox));
}

function devRoutes(app: FastifyInstance, ctx: AppContext, inbox: DevCallbackInbox): void {
  app.get('/dev/outbox', async (_req, reply) => {
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
  app.post('/dev/callback', receive);
  app.put('/dev/callback', receive);

  app.get('/dev/callbacks', async (_req, reply) =>
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(inbox.list())),
  );
}
