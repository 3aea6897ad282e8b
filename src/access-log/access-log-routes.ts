/** The public keys that verify access log checkpoints (docs/access-log.md), every one ever used. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { jsonResponse, NO_SECURITY } from '../openapi/operation-builders.ts';
import { ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import { ACCESS_LOG_KEYS_PATH } from './access-log-format.ts';

const keysSchema: RouteSchema = {
  operationId: 'getAccessLogKeys',
  tags: ['Access log'],
  summary: 'Every public key access log checkpoints were signed with (RFC 7517), retired ones too.',
  description:
    'A member’s download of their access log (from /me/activity) carries signed checkpoints of its hash chain; ' +
    '`openpdx log verify` checks them against this key set.',
  security: NO_SECURITY,
  responses: { '200': jsonResponse('The key set.', ref('schemas', 'JsonWebKeySet')) },
};

export function registerAccessLogRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(ACCESS_LOG_KEYS_PATH, { schema: keysSchema }, async () => ctx.oauth.everySigningKey());
}
