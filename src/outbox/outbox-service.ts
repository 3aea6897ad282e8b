// STUB — the interface the rest of the app uses; replaced by the outbox implementation.
import type { Transaction } from 'kysely';
import type { ConnectionService } from '../connections/connection-service.ts';
import type { DssaPermissions } from '../connections/dssa.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { Database } from '../storage/schema.ts';

export type Trx = Transaction<Database>;

export interface CallbackInput {
  nid: number;
  /** POST on first consent, PUT on re-consent (contract §5.3) */
  method: 'POST' | 'PUT';
  uid: number;
  mydexid: string;
  memberKey: string;
  conId: string;
  permissions: DssaPermissions;
}

export interface ChangeInput {
  uid: number;
  dataset: string;
  action: 'create' | 'update' | 'delete';
  /** row id or instance number that changed */
  updatedId: string;
  /** the connection that made the change (not notified); null when the member did */
  writerNid: number | null;
}

export interface ConnectionEventInput {
  uid: number;
  nid: number;
  event: 'connection.revoked' | 'member.deleted';
}

export class OutboxService {
  constructor(readonly deps: ServiceDeps & { connections: ConnectionService }) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  /** Queues the consent callback inside the grant's transaction. */
  async enqueueCallback(_trx: Trx, _input: CallbackInput): Promise<void> {}
  /** Queues change notifications to every other connection that may read the dataset. */
  async enqueueChange(_trx: Trx, _input: ChangeInput): Promise<void> {}
  /** Tells a subscriber its connection to a member ended. */
  async enqueueConnectionEvent(_trx: Trx, _input: ConnectionEventInput): Promise<void> {}
}
