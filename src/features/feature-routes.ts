/**
 * Feature-block routes at the root (contract §7; Mydex feature-block OpenAPI). Thin: read the
 * member call and body, call the block, send JSON. Each route needs `mydex:pdx` and its own
 * route scope (contract §3).
 */
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { principalOf, requireBearer } from '../http/auth.ts';
import { routeScopeOf } from '../oauth/principal.ts';
import { parsePdxBody } from '../http/body.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';
import type { WireFields } from '../wire.ts';
import type { DataCaller } from '../pds/dataset-service.ts';
import { ValidationError } from '../errors.ts';
import { parseIndex } from '../pds/dataset-params.ts';
import { parseAddAppointment, parseAddEvent, parseAppointments, parseDeleteEvent, parseUpdateEvent } from './calendar-service.ts';
import type { FeatureBlocks } from './feature-blocks.ts';
import { parseAddReferral } from './referral-add-service.ts';
import { parseReadSingle, parseSelfRefer, parseUpdateStatus } from './referral-service.ts';
import { parseConversation, parseReceive, parseSend } from './secure-message-service.ts';
import { parseTimelineItem } from './timeline-service.ts';

type Handler = (blocks: FeatureBlocks, call: DataCaller, req: FastifyRequest) => Promise<unknown>;

const body = (req: FastifyRequest) => parsePdxBody(req.body);
const query = (req: FastifyRequest) => req.query as WireFields;

/**
 * Who a feature-block or template call is for (contract §7): the member key in the
 * `Connection-Token` header (or `key`, as on the dataset API), with `uid` and `con_id` from the
 * query. The dataset service checks them together; any mismatch is its one identical 403.
 */
export function memberCall(req: FastifyRequest): DataCaller {
  const q = req.query as WireFields;
  if (q.uid === undefined || q.uid === '') throw new ValidationError('uid is required.');
  const header = req.headers['connection-token'];
  const key = typeof header === 'string' && header !== '' ? header : q.key;
  return {
    principal: principalOf(req),
    uid: parseIndex(q.uid, 'uid'),
    conId: typeof q.con_id === 'string' ? q.con_id : '',
    key: typeof key === 'string' ? key : '',
  };
}

/** [method, path, handler]: one row per operation of the OpenAPI, plus /referrals/add. */
export const FEATURE_ROUTES: readonly (readonly [HTTPMethods, string, Handler])[] = [
  ['POST', '/calendar/add-event', (f, c, r) => f.calendar.addEvent(c, parseAddEvent(body(r)))],
  ['POST', '/calendar/add-appointment', (f, c, r) => f.calendar.addAppointment(c, parseAddAppointment(body(r)))],
  ['GET', '/calendar/get-events', (f, c) => f.calendar.events(c)],
  ['GET', '/calendar/get-appointments', (f, c, r) => f.calendar.appointments(c, parseAppointments(query(r)))],
  ['PUT', '/calendar/update-event', (f, c, r) => f.calendar.updateEvent(c, parseUpdateEvent(body(r)))],
  ['DELETE', '/calendar/delete-event', (f, c, r) => f.calendar.deleteEvent(c, parseDeleteEvent(body(r), query(r)))],
  ['POST', '/referrals/self-refer', (f, c, r) => f.referrals.selfRefer(c, parseSelfRefer(body(r)))],
  ['POST', '/referrals/add', (f, c, r) => f.referralAdd.add(c, parseAddReferral(body(r)))],
  ['GET', '/referrals/read-all', (f, c) => f.referrals.readAll(c)],
  ['GET', '/referrals/read-single', (f, c, r) => f.referrals.readSingle(c, parseReadSingle(query(r)))],
  ['PUT', '/referrals/update-status', (f, c, r) => f.referrals.updateStatus(c, parseUpdateStatus(body(r)))],
  ['POST', '/secure-messages/send', (f, c, r) => f.messages.send(c, parseSend(body(r)))],
  ['POST', '/secure-messages/receive', (f, c, r) => f.messages.receive(c, parseReceive(body(r)))],
  ['GET', '/secure-messages/conversation', (f, c, r) => f.messages.conversation(c, parseConversation(query(r)))],
  ['GET', '/timeline', (f, c) => f.timeline.list(c)],
  ['GET', '/timeline/single-item', (f, c, r) => f.timeline.single(c, parseTimelineItem(query(r)))],
];

/** Mydex's feature blocks: the reference's `{"success":0,…}` errors ('feature-block' format). */
const FEATURE_BLOCKS: RouteFamily = { name: 'feature-blocks', format: 'feature-block', bodyLimit: BODY_LIMITS.api };

export function registerFeatureBlockRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'features'>): void {
  registerRouteFamily(app, FEATURE_BLOCKS, (blocks) => {
    for (const [method, url, handle] of FEATURE_ROUTES) {
      blocks.route({
        method,
        url,
        onRequest: requireBearer(ctx.oauth, { routeScope: () => routeScopeOf(method, url) }),
        handler: async (req, reply) => {
          const result = await handle(ctx.features, memberCall(req), req);
          // Personal data: never cached (BT-08).
          return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(result));
        },
      });
    }
  });
}
