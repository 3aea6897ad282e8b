/**
 * The IDaaS API (contract §1; Mydex's IDaaS OpenAPI, test/reference/mydex-idaas.openapi.yaml):
 * paths, bodies, status codes and response types exactly as the reference gives them. Thin:
 * authorise, read the body, call an IDaaS service, send JSON (never cached).
 *
 * Decided where the reference leaves it open:
 *
 * - Scopes: each route needs exactly the scope its operation names, nothing more (contract §3,
 *   "IDaaS routes need the scopes its OpenAPI names"; unlike the feature-block reference, this one
 *   does not list mydex:pdx beside the others): /ftc/setup and /identify need `mydex:pdx`;
 *   /members/notify, /members/notify/status and /members/invite* need `mydex:identifiers`;
 *   /members/myaccount/{svt} `mydex:myaccount`; /members/scotaccount/{sub} `mydex:scotaccount`.
 *   No token or a bad one → 401, a valid token without the scope → 403, both with the §3 body
 *   (the reference's AuthErrorResponse).
 * - Errors: 401 and 403 carry `{"error":{"message","reason"}}` (AuthErrorResponse); every other
 *   error carries the reference's ErrorResponse `{"success":0,"message":"..."}` (the 'idaas' wire
 *   format of src/http/error-presenters.ts). Bad input is 400 with every problem in `message`.
 * - Which connection (/ftc/setup, /identify): the body's `connection_nid`, which must belong to
 *   the token's organisation (else 403, unknown and foreign alike), and `connection_token_hash`,
 *   hex(sha512(connection token)) as in §4 (else 401). No Short-Access-Token: the reference has
 *   none. `return_to` follows the connection's policy (consent/return-to.ts).
 * - /ftc/setup makes the same one-time link as `POST /api/connection` (§4.2): `<public
 *   url>/ftc/begin/{nid}/{token}/{version}`, single use, `linkTtl` (24 h) long. `version`
 *   omitted → the connection's latest DSSA (not literally 1: a new member should see the current
 *   agreement); given → that DSSA version, which must exist; `mydexid` is required when
 *   `version` > 1, as the reference says, and names the only member who may use the link.
 * - /identify makes the same kind of link naming no member, to the latest DSSA. The member signs
 *   in (or registers), reviews the agreement and approves with their Private Key; the browser
 *   then goes to `return_to?status=connected|rejected|expired` (§5). The subscriber learns the
 *   MydexID from the consent callback (§5.3: uid, mydexid, key, connection_id), which is POSTed
 *   on a first connection and PUT when the member was already connected; there is no status
 *   lookup. `linking_token` is stored with the link (idaas_links) for the callback to carry it
 *   back (asked of the consent module: see IdaasLinks.linkingToken).
 * - Both answer 201 `{url, qr}`, `qr` a PNG QR code of `url` as a `data:image/png;base64,` URL.
 * - Identifiers: a member's identifier (IdentifierAuthObject.parent_uuid, an invite's
 *   `identifier`) is their connection id written as a UUID (src/idaas/identifier.ts), computable
 *   from the callback's `connection_id`. A call naming one is answered only when the member holds
 *   an active grant on that connection and the connection is the caller's; otherwise 400
 *   "Member does not exist." (the same for every reason). A `con_nid` that is not the caller's → 403;
 *   `client_id`/`org_id`, where sent, must be the token's own client id and organisation id → 400.
 * - /members/notify emails `message_email` to the member (through the outbox; sandbox: /dev/outbox)
 *   and answers `{success:1, identifier}`, a new random UUID for the notification (status `sent`).
 *   `message_sms` is accepted but not sent: OpenPDX holds no phone number for members (their
 *   contact details are in their encrypted PDS). PATCH /members/notify/status marks it `used`,
 *   once: an unknown (or another organisation's) identifier → 400 "Notification does not exist.",
 *   a second PATCH → 400 "Notification was already used.".
 * - Invites: the code is `pdx_iv_` + 256 random bits (base64url), stored only as its SHA-256 and
 *   looked up by that hash; it works once, for 7 days. POST /members/invite emails the member
 *   `message_email` with a link to `app_url?invite=<code>` (app_url under the connection's
 *   return_to policy) and answers the GetInviteResponse with the code, once. A new invite for
 *   the same context (identifier, con_nid, client, app_url, project, item, type) supersedes a
 *   pending one (it becomes expired). GET /members/invite/{invite} answers the invite's data and
 *   spends it (pending → used): unknown or another organisation's → 404, used or expired → 410,
 *   both ErrorResponse. POST /members/invite/status changes nothing: the latest invite of that
 *   context → `{success:1, status: pending|used|expired}`, none → `{success:0, status:"not_found"}`.
 * - myaccount/scotaccount: the body is the MydexID as a bare JSON string (the reference's
 *   MyAccountLookupResponse/ScotAccountLookupResponse are `type: string`), answered from
 *   external_identities (`openpdx admin identity map`); unmapped or malformed → 400 "Member does
 *   not exist." (the reference's own example); a `sub` that is not a UUID → 400. The scope is the
 *   authority: the operator grants it only to the account provider's relying parties.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { ValidationError } from '../errors.ts';
import { principalOf, requireBearer } from '../http/auth.ts';
import { PDX_SCOPE } from '../oauth/principal.ts';
import { parsePdxBody } from '../http/body.ts';
import {
  parseFtcSetup,
  parseIdentify,
  parseInvite,
  parseInviteStatus,
  parseNotificationStatus,
  parseNotify,
} from './idaas-request.ts';
import { UUID } from './identifier.ts';
import { registerRouteFamily, type RouteFamily } from '../http/route-family.ts';
import { BODY_LIMITS } from '../http/body-limits.ts';

const IDENTIFIERS_SCOPE = 'mydex:identifiers';
const MYACCOUNT_SCOPE = 'mydex:myaccount';
const SCOTACCOUNT_SCOPE = 'mydex:scotaccount';

/** [method, path as the reference writes it, scope]: one row per operation of the reference. */
export const IDAAS_OPERATIONS = [
  ['POST', '/ftc/setup', PDX_SCOPE],
  ['POST', '/identify', PDX_SCOPE],
  ['POST', '/members/notify', IDENTIFIERS_SCOPE],
  ['PATCH', '/members/notify/status', IDENTIFIERS_SCOPE],
  ['POST', '/members/invite', IDENTIFIERS_SCOPE],
  ['GET', '/members/invite/{invite}', IDENTIFIERS_SCOPE],
  ['POST', '/members/invite/status', IDENTIFIERS_SCOPE],
  ['GET', '/members/myaccount/{svt}', MYACCOUNT_SCOPE],
  ['GET', '/members/scotaccount/{sub}', SCOTACCOUNT_SCOPE],
] as const;

/** Mydex's IDaaS API: the reference's ErrorResponse and AuthErrorResponse ('idaas' format). */
const IDAAS_API: RouteFamily = { name: 'idaas', format: 'idaas', bodyLimit: BODY_LIMITS.api };

export function registerIdaasRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'idaas'>): void {
  registerRouteFamily(app, IDAAS_API, (scope) => idaasRoutes(scope, ctx));
}

function idaasRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'idaas'>): void {
  const { links, notifications, invites, lookups } = ctx.idaas;
  const needs = (scope: string) => ({ onRequest: requireBearer(ctx.oauth, { scopes: [scope] }) });

  app.post('/ftc/setup', needs(PDX_SCOPE), async (req, reply) =>
    send(reply, 201, await links.ftcSetup(principalOf(req), parseFtcSetup(parsePdxBody(req.body)))),
  );
  app.post('/identify', needs(PDX_SCOPE), async (req, reply) =>
    send(reply, 201, await links.identify(principalOf(req), parseIdentify(parsePdxBody(req.body)))),
  );
  app.post('/members/notify', needs(IDENTIFIERS_SCOPE), async (req, reply) =>
    send(reply, 200, await notifications.notify(principalOf(req), parseNotify(parsePdxBody(req.body)))),
  );
  app.patch('/members/notify/status', needs(IDENTIFIERS_SCOPE), async (req, reply) =>
    send(reply, 200, await notifications.notificationUsed(principalOf(req), parseNotificationStatus(parsePdxBody(req.body)))),
  );
  app.post('/members/invite', needs(IDENTIFIERS_SCOPE), async (req, reply) =>
    send(reply, 200, await invites.invite(principalOf(req), parseInvite(parsePdxBody(req.body)))),
  );
  app.get<{ Params: { invite: string } }>('/members/invite/:invite', needs(IDENTIFIERS_SCOPE), async (req, reply) =>
    send(reply, 200, await invites.redeemInvite(principalOf(req), req.params.invite)),
  );
  app.post('/members/invite/status', needs(IDENTIFIERS_SCOPE), async (req, reply) =>
    send(reply, 200, await invites.inviteStatus(principalOf(req), parseInviteStatus(parsePdxBody(req.body)))),
  );
  app.get<{ Params: { svt: string } }>('/members/myaccount/:svt', needs(MYACCOUNT_SCOPE), async (req, reply) =>
    send(reply, 200, await lookups.lookup(principalOf(req), 'myaccount', req.params.svt)),
  );
  app.get<{ Params: { sub: string } }>('/members/scotaccount/:sub', needs(SCOTACCOUNT_SCOPE), async (req, reply) => {
    if (!UUID.test(req.params.sub)) throw new ValidationError('sub must be a UUID.');
    return send(reply, 200, await lookups.lookup(principalOf(req), 'scotaccount', req.params.sub));
  });
}

/** JSON, never cached: the answers carry one-time links, invite codes and MydexIDs. */
function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(body));
}
