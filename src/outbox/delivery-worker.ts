/**
 * Delivers due outbox rows (contract §5.3: at least once, never lost on restart). A row is taken
 * with a 60 s lease in one guarded UPDATE, so several processes sharing a database never deliver
 * the same row at the same time; a process that dies mid-delivery leaves a lease that simply
 * expires, and the row is delivered again (possibly twice overall, same `webhook-id`).
 */
import type { Metrics } from '../metrics.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { MasterKeyRing } from '../crypto/master-key.ts';
import { MessageStore } from '../messaging/message-store.ts';
import { NOT_CONFIGURED, type Senders } from '../messaging/senders.ts';
import type { DatabaseAvailability } from '../storage/availability.ts';
import type { Database } from '../storage/schema.ts';
import { retryDelay } from './backoff.ts';
import { deliverHttp, type AttemptOutcome } from './http-delivery.ts';
import { OutboxStore, type OutboxRow } from './outbox-store.ts';
import type { OutboxPayload } from './payloads.ts';

const POLL_MS = 250;
const LEASE_SECONDS = 60;
/** Attempts in flight at once per process, so one slow receiver does not hold up the rest (WH-10). */
const MAX_IN_FLIGHT = 16;
/** How long stop() lets in-flight attempts finish before cutting them short. */
const STOP_GRACE_MS = 5_000;

export interface DeliveryWorkerDeps {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  /** a poll that fails for want of the database pauses delivery quietly until it is back */
  availability: Pick<DatabaseAvailability, 'failed'>;
  env: 'sandbox' | 'live';
  masterKeys: MasterKeyRing;
  senders: Senders;
  connectionToken(nid: number): Promise<string | undefined>;
  metrics: Pick<Metrics, 'deliveryAttempt'>;
}

export function payloadContext(eventId: string): string {
  return `outbox|${eventId}`;
}

export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private polling: Promise<unknown> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private shutdown = new AbortController();
  private readonly store: OutboxStore;
  private readonly messages: MessageStore;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.store = new OutboxStore(deps.db);
    this.messages = new MessageStore(deps.db);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops polling, lets in-flight attempts settle (bounded), then cuts the rest short. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.polling;
    if (this.inFlight.size) {
      const grace = new AbortController();
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        sleep(STOP_GRACE_MS, undefined, { signal: grace.signal }).catch(() => {}),
      ]);
      grace.abort();
      this.shutdown.abort();
      await Promise.allSettled([...this.inFlight]);
    }
    this.shutdown = new AbortController();
  }

  /** One poll, awaited to the end: claims every due row it can and attempts each. */
  async runOnce(): Promise<number> {
    const started = await this.claimAndStart();
    await Promise.allSettled(started);
    return started.length;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.polling = this.claimAndStart()
        .catch((err: unknown) => {
          // During a database outage the poll keeps trying at its pace, logged once by availability.
          if (!this.deps.availability.failed(err, 'outbox')) this.deps.logger.error({ err }, 'outbox poll failed');
        })
        .finally(() => {
          this.polling = undefined;
          if (this.running) this.schedule();
        });
    }, POLL_MS);
    this.timer.unref();
  }

  private async claimAndStart(): Promise<Promise<void>[]> {
    const free = MAX_IN_FLIGHT - this.inFlight.size;
    if (free <= 0) return [];
    const now = this.deps.clock.now();
    const started: Promise<void>[] = [];
    for (const id of await this.store.dueIds(now, free)) {
      const row = await this.store.claim(id, now, LEASE_SECONDS);
      if (!row) continue; // another worker took it
      const p: Promise<void> = this.attempt(row).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      started.push(p);
    }
    return started;
  }

  private async attempt(row: OutboxRow): Promise<void> {
    let payload: OutboxPayload | undefined;
    let outcome: AttemptOutcome;
    try {
      payload = row.payload_enc
        ? (JSON.parse(this.deps.masterKeys.open(row.payload_enc, payloadContext(row.event_id)).toString('utf8')) as OutboxPayload)
        : undefined;
      outcome = payload ? await this.send(row, payload) : { ok: false, status: null, error: 'payload erased', permanent: true };
    } catch (err) {
      this.deps.logger.error({ err, deliveryId: row.id }, 'outbox delivery failed unexpectedly');
      outcome = { ok: false, status: null, error: 'internal error' };
    }
    try {
      await this.record(row, payload, outcome);
    } catch (err) {
      // The lease expires and the row is tried again.
      if (!this.deps.availability.failed(err, 'outbox'))
        this.deps.logger.error({ err, deliveryId: row.id }, 'could not record an outbox attempt');
    }
  }

  private async send(row: OutboxRow, payload: OutboxPayload): Promise<AttemptOutcome> {
    if (row.kind === 'email' || row.kind === 'sms') {
      const sender = this.deps.senders[row.kind];
      if (!sender) return { ok: false, status: null, error: NOT_CONFIGURED[row.kind], permanent: true };
      try {
        await sender.send({ to: row.target, subject: payload.subject ?? '', body: payload.body }, this.shutdown.signal);
        return { ok: true, status: null };
      } catch (err) {
        if (this.shutdown.signal.aborted) return { ok: false, status: null, error: 'interrupted by shutdown', interrupted: true };
        return { ok: false, status: null, error: err instanceof Error ? err.message.slice(0, 200) : 'send failed' };
      }
    }
    const token = row.nid === null ? undefined : await this.deps.connectionToken(row.nid);
    if (token === undefined) return { ok: false, status: null, error: 'connection no longer exists', permanent: true };
    return deliverHttp({
      url: row.target,
      method: row.method,
      eventId: row.event_id,
      contentType: payload.contentType,
      body: payload.body,
      connectionToken: token,
      env: this.deps.env,
      now: this.deps.clock.now(),
      shutdown: this.shutdown.signal,
    });
  }

  private async record(row: OutboxRow, payload: OutboxPayload | undefined, outcome: AttemptOutcome): Promise<void> {
    const { db, clock, logger } = this.deps;
    if (!outcome.ok && outcome.interrupted) return this.store.release(row.id);
    const now = clock.now();
    const attempted = { attempts: row.attempts + 1, lastStatus: outcome.status, lastError: outcome.ok ? null : outcome.error };
    const messageId = payload?.messageId;
    this.deps.metrics.deliveryAttempt(outcome.ok ? 'delivered' : outcome.permanent || now >= row.expires_at ? 'dead' : 'retry');
    if (outcome.ok) {
      await db.transaction().execute(async (trx) => {
        await this.store.in(trx).delivered(row.id, now, attempted);
        if (messageId !== undefined) await this.messages.in(trx).setStatus(messageId, 'sent');
      });
    } else if (outcome.permanent || now >= row.expires_at) {
      await db.transaction().execute(async (trx) => {
        await this.store.in(trx).dead(row.id, attempted);
        if (messageId !== undefined) await this.messages.in(trx).setStatus(messageId, 'failed');
      });
      logger.warn(
        { deliveryId: row.id, kind: row.kind, nid: row.nid, attempts: attempted.attempts, error: outcome.error },
        'outbox delivery given up',
      );
    } else {
      // The last try falls exactly on the expiry, so a row is retried for the whole window.
      const next = Math.min(now + retryDelay(attempted.attempts, outcome.retryAfter), row.expires_at);
      await this.store.failed(row.id, next, attempted);
      logger.info(
        { deliveryId: row.id, kind: row.kind, nid: row.nid, attempts: attempted.attempts, error: outcome.error },
        'outbox delivery will be retried',
      );
    }
  }
}
