/**
 * The IDaaS operations (Mydex's IDaaS OpenAPI). The decisions behind them are listed at the top of
 * idaas-routes.ts; this file implements them.
 */
import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { ConnectionService, DedicatedConnection } from '../connections/connection-service.ts';
import { subscriberName } from '../consent/link-issuer.ts';
import { checkReturnTo, type ReturnToPolicy } from '../consent/return-to.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';
import { AccessDeniedError, AppError, ValidationError } from '../errors.ts';
import type { ClientPrincipal } from '../http/auth.ts';
import type { Body } from '../http/body.ts';
import type { Member, MemberService } from '../members/member-service.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { ExternalIdentities, type Provider } from './external-identities.ts';
import { parseIdentifier } from './identifier.ts';
import {
  parseFtcSetup,
  parseIdentify,
  parseInvite,
  parseInviteStatus,
  parseNotificationStatus,
  parseNotify,
  type InviteStatusInput,
  type LinkSetupInput,
} from './idaas-request.ts';
import { idaasStore, type InviteContext, type InviteRow } from './idaas-store.ts';

/**
 * What IDaaS needs from the consent module: a first-time-connection link made and stored exactly
 * as for `POST /api/connection` (contract §4.2), for a named member or, with `mydexid: null`, for
 * whoever signs in. ConsentService.createLink is typed `mydexid: string`, but LinkIssuer stores a
 * null MydexID exactly as `POST /api/connection` without one does; the lead is asked to widen the
 * type. Declared as a method, this interface accepts ConsentService meanwhile.
 */
export interface IdaasLinkIssuer {
  createLink(input: { kind: 'ftc'; nid: number; version: number; mydexid: string | null; returnTo: string }): Promise<string>;
}

export interface IdaasDeps extends ServiceDeps {
  connections: ConnectionService;
  members: MemberService;
  outbox: OutboxService;
  links: IdaasLinkIssuer;
}

/** FtcUrlResponse and IdentifyUrlResponse. */
export interface LinkResponse {
  url: string;
  /** PNG QR code of `url` as a data URL */
  qr: string;
}

/** CreateIdentifierResponse. */
export interface IdentifierResponse {
  success: 1;
  identifier: string;
}

/** GetInviteResponse. */
export interface InviteResponse {
  success: 1;
  invite_url_code: string;
  parent_uuid: string;
  app_url: string;
  client_id: string;
  con_nid: string;
  org_id: string;
  project_id: string;
  item_id: string;
  type: string;
}

export type InviteStatus = 'pending' | 'used' | 'expired';

/** InviteStatusResponse: `success` says whether such an invite exists. */
export type InviteStatusResponse = { success: 1; status: InviteStatus } | { success: 0; status: 'not_found' };

/** Decided: an invitation works once, for seven days. */
export const INVITE_TTL_SECONDS = 7 * 24 * 3600;
/** Ours, so prefixed (conventions: secrets); 256 random bits follow. */
export const INVITE_PREFIX = 'pdx_iv_';
const MAX_INVITE_CODE = 128;

const MEMBER_MISSING = 'Member does not exist.';
const CONNECTION_FORBIDDEN = 'This connection does not belong to your organisation.';

export class IdaasService {
  readonly identities: ExternalIdentities;

  constructor(private readonly deps: IdaasDeps) {
    this.identities = new ExternalIdentities(deps);
  }

  /** `POST /ftc/setup`. */
  async ftcSetup(principal: ClientPrincipal, body: Body): Promise<LinkResponse> {
    const input = parseFtcSetup(body);
    const connection = await this.verifyConnection(principal, input);
    const problems: string[] = [];
    const returnTo = this.returnTo(connection, input.returnTo, problems);
    if (input.version !== undefined && input.version > 1 && input.mydexid === null) {
      problems.push('mydexid is required when version is greater than 1.');
    }
    const version = await this.version(connection.nid, input.version, problems);
    if (problems.length) throw new ValidationError(problems.join(' '));
    return this.link(principal, connection, 'ftc', {
      version,
      mydexid: input.mydexid,
      returnTo,
      linkingToken: input.linkingToken,
    });
  }

  /** `POST /identify`: an FTC link naming no member, to the connection's latest DSSA. */
  async identify(principal: ClientPrincipal, body: Body): Promise<LinkResponse> {
    const input = parseIdentify(body);
    const connection = await this.verifyConnection(principal, input);
    const problems: string[] = [];
    const returnTo = this.returnTo(connection, input.returnTo, problems);
    const version = await this.version(connection.nid, undefined, problems);
    if (problems.length) throw new ValidationError(problems.join(' '));
    return this.link(principal, connection, 'identify', { version, mydexid: null, returnTo, linkingToken: input.linkingToken });
  }

  /** Callback fields for an IDaaS link: the subscriber's linking_token, so it can match the member. */
  async callbackExtras(tokenHash: string): Promise<Record<string, string> | undefined> {
    const token = await this.linkingToken(tokenHash);
    return token ? { linking_token: token } : undefined;
  }

  /** The linking_token a subscriber gave with an IDaaS link, by the link's token hash (one_time_links key). */
  async linkingToken(tokenHash: string): Promise<string | null | undefined> {
    return (await idaasStore.linkByHash(this.deps.db, tokenHash))?.linking_token;
  }

  /** `POST /members/notify`: emails the member named by `identifier_auth.parent_uuid`. */
  async notify(principal: ClientPrincipal, body: Body): Promise<IdentifierResponse> {
    const input = parseNotify(body);
    sameCaller(principal, input.clientId, input.orgId, 'identifier_auth.');
    if (input.nid !== undefined) await this.ownedConnection(principal, input.nid);
    const { member, connection } = await this.memberOf(principal, input.parentUuid, input.nid);
    const { db, clock, outbox } = this.deps;
    const org = await subscriberName(this.deps.connections, connection);
    const identifier = randomUUID();
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await idaasStore.insertNotification(trx, {
        identifier,
        parent_uuid: input.parentUuid,
        org_id: principal.orgId,
        client_id: principal.clientId,
        nid: connection.nid,
        uid: member.uid,
        channels: 'email',
        app_url: input.appUrl,
        project_id: input.projectId,
        item_id: input.itemId,
        type: input.type,
        status: 'sent',
        created_at: now,
        updated_at: now,
      });
      await outbox.enqueueMessage(trx, {
        channel: 'email',
        recipient: member.email,
        subject: `Message from ${org}`,
        body: [input.messageEmail, '', '--', this.footer(org)].join('\n'),
      });
    });
    return { success: 1, identifier };
  }

  /** `PATCH /members/notify/status`: the subscriber reports the notification used (sent → used), once. */
  async notificationUsed(principal: ClientPrincipal, body: Body): Promise<IdentifierResponse> {
    const identifier = parseNotificationStatus(body);
    const { db, clock } = this.deps;
    const row = await idaasStore.notification(db, principal.orgId, identifier);
    if (!row) throw new ValidationError('Notification does not exist.');
    if (!(await idaasStore.markNotificationUsed(db, identifier, clock.now()))) {
      throw new ValidationError('Notification was already used.');
    }
    return { success: 1, identifier };
  }

  /** `POST /members/invite`: stores a one-time code (as SHA-256) and emails the member a link to app_url. */
  async invite(principal: ClientPrincipal, body: Body): Promise<InviteResponse> {
    const input = parseInvite(body);
    const { connection, context } = await this.inviteContext(principal, input);
    const { member } = await this.memberOf(principal, input.parentUuid, connection.nid);
    const { db, clock, outbox } = this.deps;
    const code = randomSecret(INVITE_PREFIX);
    const link = new URL(context.appUrl);
    link.searchParams.set('invite', code);
    const org = await subscriberName(this.deps.connections, connection);
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await idaasStore.supersedePending(trx, context);
      await idaasStore.insertInvite(trx, {
        code_hash: sha256Hex(code),
        org_id: context.orgId,
        client_id: context.clientId,
        nid: context.nid,
        uid: member.uid,
        parent_uuid: context.parentUuid,
        app_url: context.appUrl,
        project_id: context.projectId,
        item_id: context.itemId,
        type: context.type,
        status: 'pending',
        created_at: now,
        expires_at: now + INVITE_TTL_SECONDS,
        used_at: null,
      });
      await outbox.enqueueMessage(trx, {
        channel: 'email',
        recipient: member.email,
        subject: `${org} invites you`,
        body: [
          input.messageEmail,
          '',
          `Open this link to accept: ${link.href}`,
          '',
          'The invitation works once and expires in 7 days. If you did not expect it, ignore this message.',
          '',
          '--',
          this.footer(org),
        ].join('\n'),
      });
    });
    return inviteResponse(code, context);
  }

  /** `GET /members/invite/{invite}`: the invitation's data; reading it spends it (pending → used). */
  async redeemInvite(principal: ClientPrincipal, code: string): Promise<InviteResponse> {
    const { db, clock } = this.deps;
    const hash = code.length > 0 && code.length <= MAX_INVITE_CODE ? sha256Hex(code) : undefined;
    const row = hash === undefined ? undefined : await idaasStore.invite(db, hash);
    // Another organisation's invite answers exactly as an unknown one.
    if (!row || row.org_id !== principal.orgId) throw new AppError('invite_not_found', 404, 'Invite does not exist.');
    const now = clock.now();
    if (statusOf(row, now) !== 'pending' || !(await idaasStore.spendInvite(db, row.code_hash, now))) {
      const status = statusOf((await idaasStore.invite(db, row.code_hash)) ?? row, now);
      throw new AppError('invite_gone', 410, status === 'used' ? 'Invite has already been used.' : 'Invite has expired.');
    }
    return inviteResponse(code, {
      orgId: row.org_id,
      parentUuid: row.parent_uuid,
      nid: row.nid,
      clientId: row.client_id,
      appUrl: row.app_url,
      projectId: row.project_id,
      itemId: row.item_id,
      type: row.type,
    });
  }

  /** `POST /members/invite/status`: the latest invite for exactly this context, unchanged. */
  async inviteStatus(principal: ClientPrincipal, body: Body): Promise<InviteStatusResponse> {
    const input = parseInviteStatus(body);
    const { context } = await this.inviteContext(principal, input);
    const row = await idaasStore.latestInvite(this.deps.db, context);
    return row ? { success: 1, status: statusOf(row, this.deps.clock.now()) } : { success: 0, status: 'not_found' };
  }

  /** `GET /members/myaccount/{svt}` and `GET /members/scotaccount/{sub}`. */
  async lookup(principal: ClientPrincipal, provider: Provider, externalId: string): Promise<string> {
    const mydexid = await this.identities.lookup(provider, externalId);
    this.deps.logger.info({ event: 'idaas.lookup', provider, clientId: principal.clientId, found: mydexid !== undefined });
    if (mydexid === undefined) throw new ValidationError(MEMBER_MISSING);
    return mydexid;
  }

  private footer(org: string): string {
    return (
      `${org} sent you this message through OpenPDX because your Personal Data Store is connected to them. ` +
      `To stop their messages, remove the connection: ${this.deps.config.publicUrl}/me/connections`
    );
  }

  /** Contract §3/§4: the caller's organisation owns the NID, and connection_token_hash matches its token. */
  private verifyConnection(principal: ClientPrincipal, input: LinkSetupInput): Promise<DedicatedConnection> {
    return this.deps.connections.verifyConnectionTokenHash({ principal, nid: input.nid, connectionTokenHash: input.tokenHash });
  }

  /** Contract §3: a NID of another organisation (or none) is refused with 403. */
  private async ownedConnection(principal: ClientPrincipal, nid: number): Promise<DedicatedConnection> {
    const connection = await this.deps.connections.getConnection(nid);
    if (!connection || connection.orgId !== principal.orgId) {
      throw new AccessDeniedError(403, 'Bearer error="insufficient_scope"', CONNECTION_FORBIDDEN);
    }
    return connection;
  }

  /**
   * The member an identifier names, when they hold an active grant on a connection of the caller.
   * Every other case is the same 400 (MX-07: no existence oracle).
   */
  private async memberOf(
    principal: ClientPrincipal,
    identifier: string,
    nid: number | undefined,
  ): Promise<{ member: Member; connection: DedicatedConnection }> {
    const ref = parseIdentifier(identifier);
    if (!ref || (nid !== undefined && ref.nid !== nid)) throw new ValidationError(MEMBER_MISSING);
    const { connections, members } = this.deps;
    const connection = await connections.getConnection(ref.nid);
    if (!connection || connection.orgId !== principal.orgId) throw new ValidationError(MEMBER_MISSING);
    const [member, grants] = await Promise.all([members.getMember({ uid: ref.uid }), members.activeGrants(ref.uid)]);
    if (!member || !grants.some((g) => g.nid === ref.nid)) throw new ValidationError(MEMBER_MISSING);
    return { member, connection };
  }

  /** The fields an invite is stored and found by, checked against the caller. */
  private async inviteContext(
    principal: ClientPrincipal,
    input: InviteStatusInput,
  ): Promise<{ connection: DedicatedConnection; context: InviteContext }> {
    sameCaller(principal, input.clientId, input.orgId, '');
    const connection = await this.ownedConnection(principal, input.nid);
    const problems: string[] = [];
    const appUrl = this.returnTo(connection, input.appUrl, problems, 'app_url');
    if (problems.length) throw new ValidationError(problems.join(' '));
    const context: InviteContext = {
      orgId: principal.orgId,
      parentUuid: input.parentUuid,
      nid: connection.nid,
      clientId: principal.clientId,
      appUrl,
      projectId: input.projectId,
      itemId: input.itemId,
      type: input.type,
    };
    return { connection, context };
  }

  /** return_to (or app_url) under the connection's policy (consent/return-to.ts); '' with a problem when refused. */
  private returnTo(connection: DedicatedConnection, raw: string, problems: string[], field = 'return_to'): string {
    const policy: ReturnToPolicy = { env: this.deps.config.env, callbackUrl: connection.callbackUrl };
    const checked = checkReturnTo(raw, policy);
    if ('problem' in checked) {
      problems.push(checked.problem.replace(/^return_to/, field));
      return '';
    }
    return checked.url;
  }

  private async version(nid: number, requested: number | undefined, problems: string[]): Promise<number> {
    const { connections } = this.deps;
    const dssa = requested === undefined ? await connections.latestDssa(nid) : await connections.dssa(nid, requested);
    if (!dssa) {
      problems.push(
        requested === undefined
          ? 'This connection has no data sharing agreement.'
          : `Version ${requested} does not exist for this connection.`,
      );
      return 0;
    }
    return dssa.version;
  }

  private async link(
    principal: ClientPrincipal,
    connection: DedicatedConnection,
    kind: 'ftc' | 'identify',
    link: { version: number; mydexid: string | null; returnTo: string; linkingToken: string | null },
  ): Promise<LinkResponse> {
    const { db, clock, config } = this.deps;
    const url = await this.deps.links.createLink({
      kind: 'ftc',
      nid: connection.nid,
      version: link.version,
      mydexid: link.mydexid,
      returnTo: link.returnTo,
    });
    const now = clock.now();
    await idaasStore.insertLink(db, {
      token_hash: sha256Hex(linkToken(url)),
      kind,
      org_id: principal.orgId,
      client_id: principal.clientId,
      nid: connection.nid,
      linking_token: link.linkingToken,
      created_at: now,
      expires_at: now + config.linkTtl,
    });
    return { url, qr: await QRCode.toDataURL(url) };
  }
}

/** client_id and org_id, where sent, must be the access token's own (they are the call's auth context). */
function sameCaller(principal: ClientPrincipal, clientId: string | undefined, orgId: string | undefined, prefix: string): void {
  const problems: string[] = [];
  if (clientId !== undefined && clientId !== principal.clientId) {
    problems.push(`${prefix}client_id must be the client id of the access token.`);
  }
  if (orgId !== undefined && orgId !== String(principal.orgId)) {
    problems.push(`${prefix}org_id must be the organisation id of the access token's client (${principal.orgId}).`);
  }
  if (problems.length) throw new ValidationError(problems.join(' '));
}

/** The one-time token of `<public url>/ftc/begin/{nid}/{token}/{version}` (contract §4.2). */
function linkToken(url: string): string {
  const token = new URL(url).pathname.split('/')[4];
  if (!token) throw new Error('unexpected link URL');
  return decodeURIComponent(token);
}

function statusOf(row: InviteRow, now: number): InviteStatus {
  if (row.status === 'used') return 'used';
  if (row.status === 'expired' || row.expires_at <= now) return 'expired';
  return 'pending';
}

function inviteResponse(code: string, c: InviteContext): InviteResponse {
  return {
    success: 1,
    invite_url_code: code,
    parent_uuid: c.parentUuid,
    app_url: c.appUrl,
    client_id: c.clientId,
    con_nid: String(c.nid),
    org_id: String(c.orgId),
    project_id: c.projectId,
    item_id: c.itemId,
    type: c.type,
  };
}
