/**
 * `POST /members/invite`, `GET /members/invite/{invite}` and `POST /members/invite/status`: one-time
 * invitation codes a subscriber has emailed to a member (decisions: top of idaas-routes.ts).
 */
import type { DedicatedConnection } from '../connections/connection-service.ts';
import { subscriberName } from '../consent/link-issuer.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';
import { AppError, ValidationError } from '../errors.ts';
import { type ClientPrincipal } from '../oauth/principal.ts';
import { allowedReturnTo, memberOf, ownedConnection, sameCaller } from './idaas-access.ts';
import type { IdaasDeps } from './idaas-deps.ts';
import { emailFooter } from './idaas-email.ts';
import type { InviteInput, InviteStatusInput } from './idaas-request.ts';
import { IdaasStore, type InviteContext, type InviteRow } from './idaas-store.ts';

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

type InviteStatus = 'pending' | 'used' | 'expired';

/** InviteStatusResponse: `success` says whether such an invite exists. */
export type InviteStatusResponse = { success: 1; status: InviteStatus } | { success: 0; status: 'not_found' };

/** Decided: an invitation works once, for seven days. */
export const INVITE_TTL_SECONDS = 7 * 24 * 3600;
/** Ours, so prefixed (conventions: secrets); 256 random bits follow. */
const INVITE_PREFIX = 'pdx_iv_';
const MAX_INVITE_CODE = 128;

export class IdaasInvites {
  private readonly store: IdaasStore;

  constructor(private readonly deps: IdaasDeps) {
    this.store = new IdaasStore(deps.db);
  }

  /** `POST /members/invite`: stores a one-time code (as SHA-256) and emails the member a link to app_url. */
  async invite(principal: ClientPrincipal, input: InviteInput): Promise<InviteResponse> {
    const { connection, context } = await this.inviteContext(principal, input);
    const { member } = await memberOf(this.deps, principal, input.parentUuid, connection.nid);
    const { db, clock, outbox, config } = this.deps;
    const code = randomSecret(INVITE_PREFIX);
    const link = new URL(context.appUrl);
    link.searchParams.set('invite', code);
    const org = await subscriberName(this.deps.connections, connection);
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const store = this.store.in(trx);
      await store.supersedePending(context);
      await store.insertInvite({
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
          emailFooter(config.publicUrl, org),
        ].join('\n'),
      });
    });
    return inviteResponse(code, context);
  }

  /** `GET /members/invite/{invite}`: the invitation's data; reading it spends it (pending → used). */
  async redeemInvite(principal: ClientPrincipal, code: string): Promise<InviteResponse> {
    const { clock } = this.deps;
    const hash = code.length > 0 && code.length <= MAX_INVITE_CODE ? sha256Hex(code) : undefined;
    const row = hash === undefined ? undefined : await this.store.invite(hash);
    // Another organisation's invite answers exactly as an unknown one.
    if (!row || row.org_id !== principal.orgId) throw new AppError('invite_not_found', 404, 'Invite does not exist.');
    const now = clock.now();
    if (statusOf(row, now) !== 'pending' || !(await this.store.spendInvite(row.code_hash, now))) {
      const status = statusOf((await this.store.invite(row.code_hash)) ?? row, now);
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
  async inviteStatus(principal: ClientPrincipal, input: InviteStatusInput): Promise<InviteStatusResponse> {
    const { context } = await this.inviteContext(principal, input);
    const row = await this.store.latestInvite(context);
    return row ? { success: 1, status: statusOf(row, this.deps.clock.now()) } : { success: 0, status: 'not_found' };
  }

  /** The fields an invite is stored and found by, checked against the caller. */
  private async inviteContext(
    principal: ClientPrincipal,
    input: InviteStatusInput,
  ): Promise<{ connection: DedicatedConnection; context: InviteContext }> {
    sameCaller(principal, input.clientId, input.orgId, '');
    const connection = await ownedConnection(this.deps, principal, input.nid);
    const problems: string[] = [];
    const appUrl = allowedReturnTo(this.deps, connection, input.appUrl, problems, 'app_url');
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
