/**
 * The durable outbox (contract §5.3, §5.4): consent callbacks, change notifications, connection
 * events, email and SMS. Each is queued in the transaction of the change it reports and
 * delivered at least once by the DeliveryWorker.
 *
 * The consent callback carries the member key, which is never stored (contract §8): until it is
 * delivered it is held in `outbox.payload_enc`, sealed under the operator master key with the
 * context `outbox|<event_id>`, and the column is set to NULL as soon as the row is delivered or
 * dies (24 h). Message bodies (one-time links) are sealed the same way (`message|<id>`).
 */
import { randomUUID } from 'node:crypto';
import { Transaction, type Insertable, type Kysely } from 'kysely';
import type { ConnectionService } from '../connections/connection-service.ts';
import { readableFields, type DssaPermissions } from '../connections/dssa.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { messageContext, MessageStore } from '../messaging/message-store.ts';
import { createSenders, NOT_CONFIGURED, type Senders } from '../messaging/senders.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { Database, OutboxTable, Trx } from '../storage/schema.ts';
import { DELIVERY_WINDOW_SECONDS } from './backoff.ts';
import { DeliveryWorker, payloadContext } from './delivery-worker.ts';
import { OutboxStore, type DeliveryStatus, type OutboxRow } from './outbox-store.ts';
import { callbackBody, changeBody, connectionEventBody, type OutboxPayload } from './payloads.ts';

export interface CallbackInput {
  nid: number;
  /** POST on first consent, PUT on re-consent (contract §5.3) */
  method: 'POST' | 'PUT';
  uid: number;
  mydexid: string;
  memberKey: string;
  conId: string;
  permissions: DssaPermissions;
  /** further form fields the subscriber asked to get back (IDaaS `linking_token`) */
  extra?: Record<string, string>;
  /** the signed consent receipt of this consent (docs/consent-receipts.md), sent last */
  consentReceipt?: string;
}

export interface ChangeInput {
  uid: number;
  dataset: string;
  action: 'create' | 'update' | 'delete';
  /** row id or instance number that changed */
  updatedId: string;
  /** the connection that made the change (not notified); null when the member did */
  writerNid: number | null;
  /** the fields written, cleared or deleted */
  fields: readonly string[];
}

export interface ConnectionEventInput {
  uid: number;
  nid: number;
  event: 'connection.revoked' | 'member.deleted';
}

export interface MessageInput {
  channel: 'email' | 'sms';
  /** email address or phone number */
  recipient: string;
  subject: string;
  /** may carry a one-time link: sealed at rest, shown only at /dev/outbox in sandbox */
  body: string;
}

/** An outbox row as operators see it: never the payload. */
export interface Delivery {
  id: number;
  event_id: string;
  kind: string;
  nid: number | null;
  uid: number | null;
  method: string;
  target: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  expires_at: number;
  delivered_at: number | null;
}

export interface SandboxMessage {
  id: number;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
  created_at: number;
}

type OutboxMeta = Pick<Insertable<OutboxTable>, 'kind' | 'nid' | 'uid' | 'method' | 'target'>;

export class OutboxService {
  private readonly senders: Senders;
  private readonly worker: DeliveryWorker;
  private readonly store: OutboxStore;
  private readonly messages: MessageStore;

  constructor(readonly deps: ServiceDeps & { connections: ConnectionService }) {
    this.store = new OutboxStore(deps.db);
    this.messages = new MessageStore(deps.db);
    this.senders = createSenders(deps.config);
    this.worker = new DeliveryWorker({
      db: deps.db,
      clock: deps.clock,
      logger: deps.logger,
      availability: deps.availability,
      env: deps.config.env,
      masterKeys: deps.masterKeys,
      senders: this.senders,
      connectionToken: (nid) => deps.connections.connectionToken(nid),
      metrics: deps.metrics,
    });
  }

  /** Deliveries waiting to be made (for the outbox depth metric). */
  pendingCount(): Promise<number> {
    return this.store.pendingCount();
  }

  async start(): Promise<void> {
    if (this.deps.config.env === 'live') {
      for (const channel of ['email', 'sms'] as const) {
        if (!this.senders[channel]) this.deps.logger.warn(`${NOT_CONFIGURED[channel]}; such messages will be marked failed`);
      }
    }
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  /** Delivers what is due now and waits for the attempts (tests, and a worker-less process). */
  async runOnce(): Promise<number> {
    return this.worker.runOnce();
  }

  /** Queues the consent callback inside the grant's transaction. */
  async enqueueCallback(trx: Trx, input: CallbackInput): Promise<void> {
    const store = this.store.in(trx);
    const connection = await store.connection(input.nid);
    if (!connection) throw new Error(`connection ${input.nid} does not exist`);
    await this.insert(
      store,
      { kind: 'callback', nid: input.nid, uid: input.uid, method: input.method, target: connection.callback_url },
      callbackBody(input),
    );
  }

  /**
   * Queues change notifications to every other connection that may read one of the changed fields:
   * a change to a field outside a connection's DSSA tells that connection nothing, not even that it
   * happened.
   */
  async enqueueChange(trx: Trx, input: ChangeInput): Promise<void> {
    const store = this.store.in(trx);
    for (const c of await store.notifiable(input.uid, this.deps.dialect.name)) {
      if (c.nid === input.writerNid) continue;
      const readable = readableFields(JSON.parse(c.permissions) as DssaPermissions, input.dataset);
      if (!input.fields.some((f) => readable.includes(f))) continue;
      await this.insert(
        store,
        { kind: 'notification', nid: c.nid, uid: input.uid, method: 'POST', target: c.callback_url },
        changeBody(input, c.nid),
      );
    }
  }

  /** Tells a subscriber its connection to a member ended (whatever its notifications setting). */
  async enqueueConnectionEvent(trx: Trx, input: ConnectionEventInput): Promise<void> {
    const store = this.store.in(trx);
    const connection = await store.connection(input.nid);
    if (!connection) return;
    await this.insert(
      store,
      { kind: 'event', nid: input.nid, uid: input.uid, method: 'POST', target: connection.callback_url },
      connectionEventBody(input),
    );
  }

  /**
   * Email or SMS to a member. Sandbox: kept in `messages` (status `sandbox`) for /dev/outbox and
   * never sent. Live: queued for the configured sender; with none configured the message is
   * recorded as failed, with a dead delivery row saying why.
   */
  async enqueueMessage(db: Trx | Kysely<Database>, input: MessageInput): Promise<{ messageId: number }> {
    const run = async (trx: Trx) => {
      const { clock, config, masterKeys } = this.deps;
      const sender = this.senders[input.channel];
      const status = config.env === 'sandbox' ? 'sandbox' : sender ? 'queued' : 'failed';
      const [store, messages] = [this.store.in(trx), this.messages.in(trx)];
      const messageId = await messages.insert(
        { channel: input.channel, recipient: input.recipient, subject: input.subject, status, created_at: clock.now() },
        (id) => masterKeys.seal(input.body, messageContext(id)),
      );
      if (status === 'sandbox') return { messageId };
      const meta = {
        kind: input.channel,
        nid: null,
        uid: null,
        method: input.channel === 'email' ? 'SMTP' : 'SMS',
        target: input.recipient,
      };
      if (status === 'failed') {
        await this.insert(store, meta, undefined, { status: 'dead', last_error: NOT_CONFIGURED[input.channel] });
      } else {
        await this.insert(store, meta, {
          contentType: 'text/plain; charset=utf-8',
          body: input.body,
          subject: input.subject,
          messageId,
        });
      }
      return { messageId };
    };
    return db instanceof Transaction ? run(db) : db.transaction().execute(run);
  }

  async listDeliveries(filter: { status?: DeliveryStatus; limit?: number } = {}): Promise<Delivery[]> {
    const rows = await this.store.list({ ...filter, limit: filter.limit ?? 50 });
    return rows.map(toDelivery);
  }

  /** Due now again (operator replay, WH-07); same `webhook-id`. Erased payloads cannot be resent. */
  async retryDelivery(id: number): Promise<Delivery> {
    const { clock } = this.deps;
    const row = await this.store.byId(id);
    if (!row) throw new NotFoundError('Unknown delivery', `There is no delivery ${id}.`);
    const now = clock.now();
    if (!(await this.store.retry(id, now, Math.max(row.expires_at, now + DELIVERY_WINDOW_SECONDS)))) {
      throw new AppError('delivery_not_retryable', 409, 'Delivery cannot be retried', {
        reason: `Delivery ${id} is ${row.status} and its payload was erased; it can no longer be sent.`,
      });
    }
    return toDelivery((await this.store.byId(id))!);
  }

  /** Sandbox messages, newest first, bodies opened (for /dev/outbox and `openpdx admin outbox`). */
  async listSandboxMessages(limit = 200): Promise<SandboxMessage[]> {
    const rows = await this.messages.byStatus('sandbox', limit);
    return rows.map((m) => ({
      id: m.id,
      channel: m.channel,
      recipient: m.recipient,
      subject: m.subject,
      body: this.deps.masterKeys.open(m.body_enc, messageContext(m.id)).toString('utf8'),
      created_at: m.created_at,
    }));
  }

  /** Queues one row with `store`, a store over the caller's transaction. */
  private async insert(
    store: OutboxStore,
    meta: OutboxMeta,
    payload: OutboxPayload | undefined,
    overrides: Partial<Insertable<OutboxTable>> = {},
  ): Promise<number> {
    const now = this.deps.clock.now();
    const eventId = randomUUID();
    return store.insert({
      event_id: eventId,
      ...meta,
      payload_enc: payload ? this.deps.masterKeys.seal(JSON.stringify(payload), payloadContext(eventId)) : null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_until: 0,
      created_at: now,
      expires_at: now + DELIVERY_WINDOW_SECONDS,
      ...overrides,
    });
  }
}

function toDelivery(r: OutboxRow): Delivery {
  return {
    id: r.id,
    event_id: r.event_id,
    kind: r.kind,
    nid: r.nid,
    uid: r.uid,
    method: r.method,
    target: r.target,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.next_attempt_at,
    last_status: r.last_status,
    last_error: r.last_error,
    created_at: r.created_at,
    expires_at: r.expires_at,
    delivered_at: r.delivered_at,
  };
}
