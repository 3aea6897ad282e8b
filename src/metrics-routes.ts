/**
 * GET /metrics, Prometheus's text format (src/metrics.ts), and the hook that counts every request.
 * Access: with OPENPDX_METRICS_TOKEN set, a scrape must send it as a bearer token (compared in
 * constant time); without it, /metrics is open in a sandbox and answers 404 in live, so a live
 * deployment never publishes its traffic by accident.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './app-context.ts';
import { safeEqual } from './crypto/hash.ts';
import { NotFoundError } from './errors.ts';
import { NO_SECURITY } from './openapi/operation-builders.ts';
import type { RouteSchema } from './openapi/route-schema.ts';

const METRICS: RouteSchema = {
  tags: ['Service'],
  security: NO_SECURITY,
  operationId: 'getMetrics',
  summary: 'Prometheus metrics: requests, latency, tokens issued, outbox, database pool, process.',
  description:
    'With OPENPDX_METRICS_TOKEN set, send it as `Authorization: Bearer <token>`. Without it, open in a sandbox and 404 in live.',
  responses: {
    '200': { description: 'The Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
    '401': { description: 'OPENPDX_METRICS_TOKEN is set and the request did not send it.' },
    '404': { description: 'Live, without OPENPDX_METRICS_TOKEN: metrics are off.' },
  },
};

export function registerMetrics(app: FastifyInstance, ctx: AppContext): void {
  const { metrics, config } = ctx;
  // A callback hook: no promise per request. Unmatched URLs share one label, so no request can
  // make a new time series.
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { schema: METRICS }, async (req: FastifyRequest, reply: FastifyReply) => {
    const token = config.metricsToken;
    if (token === undefined && config.env === 'live') {
      throw new NotFoundError('Not found', 'Metrics are off: set OPENPDX_METRICS_TOKEN to serve them.');
    }
    if (token !== undefined) {
      const sent = /^bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(sent, token)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .type('text/plain; charset=utf-8')
          .send('Send the metrics token: Authorization: Bearer <OPENPDX_METRICS_TOKEN>\n');
      }
    }
    return reply
      .header('cache-control', 'no-store')
      .type(metrics.contentType)
      .send(await metrics.text());
  });
}
