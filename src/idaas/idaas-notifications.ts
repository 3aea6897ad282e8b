/**
 * `POST /members/notify` and `PATCH /members/notify/status`: a subscriber emails a member it is
 * connected to, then reports the notification used (decisions: top of idaas-routes.ts).
 */
import { randomUUID } from 'node:crypto';
import { subscriberName } from '../consent/link-issuer.ts';
import { ValidationError } from '../errors.ts';
import { type ClientPrincipal } from '../oauth/principal.ts';
import { memberOf, ownedConnection, sameCaller } from './idaas-access.ts';
import type { IdaasDeps } from './idaas-deps.ts';
import { emailFooter } from './idaas-email.ts';
import type { NotifyRequest } from './idaas-request.ts';
import { IdaasStore } from './idaas-store.ts';

/** CreateIdentifierResponse. */
export interface IdentifierResponse {
  success: 1;
  identifier: string;
}

export class IdaasNotifications {
  private readonly store: IdaasStore;

  constructor(private readonly deps: IdaasDeps) {
    this.store = new IdaasStore(deps.db);
  }

  /** `POST /members/notify`: emails the member named by `identifier_auth.parent_uuid`. */
  async notify(principal: ClientPrincipal, input: NotifyRequest): Promise<IdentifierResponse> {
    sameCaller(principal, input.clientId, input.orgId, 'identifier_auth.');
    if (input.nid !== undefined) await ownedConnection(this.deps, principal, input.nid);
    const { member, connection } = await memberOf(this.deps, principal, input.parentUuid, input.nid);
    const { db, clock, outbox, config } = this.deps;
    const org = await subscriberName(this.deps.connections, connection);
    const identifier = randomUUID();
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await this.store.in(trx).insertNotification({
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
        body: [input.messageEmail, '', '--', emailFooter(config.publicUrl, org)].join('\n'),
      });
    });
    return { success: 1, identifier };
  }

  /** `PATCH /members/notify/status`: the subscriber reports the notification used (sent → used), once. */
  async notificationUsed(principal: ClientPrincipal, identifier: string): Promise<IdentifierResponse> {
    const { clock } = this.deps;
    const row = await this.store.notification(principal.orgId, identifier);
    if (!row) throw new ValidationError('Notification does not exist.');
    if (!(await this.store.markNotificationUsed(identifier, clock.now()))) {
      throw new ValidationError('Notification was already used.');
    }
    return { success: 1, identifier };
  }
}
