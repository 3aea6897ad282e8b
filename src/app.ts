import type { FastifyInstance } from 'fastify';
import { registerAccessLogRoutes } from './access-log/access-log-routes.ts';
import type { AppContext } from './app-context.ts';
import { registerConnectionRoutes } from './connections/connection-routes.ts';
import { registerConsentRoutes } from './consent/consent-routes.ts';
import { registerReceiptRoutes } from './receipts/receipt-routes.ts';
import { registerFeatureBlockRoutes } from './features/feature-routes.ts';
import { registerHelperRoutes } from './helpers/helper-routes.ts';
import { createHttpServer } from './http/server.ts';
import { registerIdaasRoutes } from './idaas/idaas-routes.ts';
import { registerDevRoutes } from './messaging/dev-routes.ts';
import { registerMetrics } from './metrics-routes.ts';
import { registerOAuthRoutes } from './oauth/oauth-routes.ts';
import { jsonResponse, NO_SECURITY } from './openapi/operation-builders.ts';
import { registerOidcRoutes } from './oidc/oidc-routes.ts';
import { registerOpenApi } from './openapi/openapi-routes.ts';
import { ref } from './openapi/pdx-components.ts';
import type { RouteSchema } from './openapi/route-schema.ts';
import { registerDatasetRoutes } from './pds/dataset-routes.ts';
import { registerTemplateRoutes } from './templates/template-routes.ts';
import { errorPage } from './web/views/error-view.ts';
import { registerWebRoutes } from './web/web-routes.ts';

const health = (schema: RouteSchema): RouteSchema => ({ tags: ['Service'], security: NO_SECURITY, ...schema });
const HEALTH = health({
  operationId: 'getHealth',
  summary: 'Liveness: the process answers.',
  responses: { '200': jsonResponse('Alive.', ref('schemas', 'HealthStatus')) },
});
const READY = health({
  operationId: 'getReadiness',
  summary: 'Readiness: the database answers.',
  responses: {
    '200': jsonResponse('Ready.', ref('schemas', 'HealthStatus')),
    '503': jsonResponse('The database does not answer.', ref('schemas', 'HealthStatus')),
  },
});

/** Builds the HTTP application on a context: every surface on one Fastify instance. */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const sandbox = ctx.config.env === 'sandbox';
  const app = createHttpServer(ctx.logger, {
    trustProxy: ctx.config.trustProxy,
    requireHttps: ctx.config.requireHttps,
    htmlErrorPage: (status, message, detail) => errorPage(sandbox, status, message, detail),
    isRejectedValue: (err) => ctx.database.dialect.isRejectedValue(err),
    outage: (err) => ctx.availability.failed(err, 'request'),
  });
  registerOpenApi(app, ctx); // first: it records every route registered after it
  registerMetrics(app, ctx); // next: its hook counts the requests of every route
  app.get('/healthz', { schema: HEALTH }, async () => ({ status: 'ok' }));
  // Ready: the database answers and can store (a one-row write, at most once a second).
  app.get('/readyz', { schema: READY }, async (_req, reply) => {
    if (await ctx.availability.ready()) return { status: 'ready' };
    return reply
      .code(503)
      .header('retry-after', '5')
      .send({ status: 'unavailable', outage: ctx.availability.outage ?? 'unreachable' });
  });
  registerOAuthRoutes(app, ctx);
  registerOidcRoutes(app, ctx);
  registerConnectionRoutes(app, ctx);
  registerConsentRoutes(app, ctx);
  registerReceiptRoutes(app, ctx);
  registerAccessLogRoutes(app, ctx);
  registerDatasetRoutes(app, ctx);
  registerFeatureBlockRoutes(app, ctx);
  registerTemplateRoutes(app, ctx);
  registerHelperRoutes(app, ctx);
  registerIdaasRoutes(app, ctx);
  registerDevRoutes(app, ctx);
  registerWebRoutes(app, ctx);
  await app.ready();
  return app;
}
