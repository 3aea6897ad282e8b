/**
 * Signed consent receipts (docs/consent-receipts.md). Every consent event of a member and a
 * connection (consent, consent to a newer agreement, withdrawal by the member, the member's
 * deletion) gets a receipt, made and stored in the event's own transaction: the grant and its
 * receipt commit together or not at all. Each receipt is a compact JWS signed with the
 * deployment's current signing key, and names the receipt before it (id and hash), so that none
 * of a chain can be removed, altered or reordered unnoticed.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import type { ConnectionService } from '../connections/connection-service.ts';
import type { Dssa } from '../connections/dssa.ts';
import type { Database, Trx } from '../storage/schema.ts';
import type { Dialect } from '../storage/dialect.ts';
import { ConflictError } from '../errors.ts';
import type { Kysely } from 'kysely';
import { ConsentReceiptStore, type ReceiptRow } from './consent-receipt-store.ts';
import {
  RECEIPT_SCHEMA,
  RECEIPT_TYP,
  receiptHash,
  type ConsentRecord,
  type DataCategory,
  type ReceiptActor,
  type ReceiptEvent,
} from './receipt-format.ts';

export interface ReceiptInput {
  uid: number;
  nid: number;
  conId: string;
  event: ReceiptEvent;
  /** the agreement consented to, or the one withdrawn */
  dssa: Dssa;
  by: ReceiptActor;
  reason?: 'member.deleted';
}

/**
 * What a receipt says of the connection, read before the event's transaction: on SQLite a read
 * on the outer handle inside a transaction would wait for that transaction forever.
 */
export interface ReceiptParty {
  nid: number;
  orgId: number;
  organisation: string;
  connection: string;
}

/** The party of a withdrawal, which names the agreement version it ends. */
export interface WithdrawalParty extends ReceiptParty {
  /** every agreement version of the connection */
  agreements: Dssa[];
}

export interface ConsentReceiptsDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  issuer: string;
  connections: ConnectionService;
  signingKey: () => { kid: string; key: KeyObject };
}

export class ConsentReceipts {
  private readonly store: ConsentReceiptStore;

  constructor(private readonly deps: ConsentReceiptsDeps) {
    this.store = new ConsentReceiptStore(deps.db);
  }

  /** The connection's side of its receipts; call before the event's transaction. */
  async party(nid: number): Promise<ReceiptParty> {
    const { connections } = this.deps;
    const connection = await connections.getConnection(nid);
    const organisation = connection && (await connections.getOrganisation(connection.orgId));
    return {
      nid,
      orgId: connection?.orgId ?? 0,
      organisation: organisation?.name ?? '',
      connection: connection?.name ?? '',
    };
  }

  /** As `party`, with the agreement versions a withdrawal may name; call before the transaction. */
  async withdrawalParty(nid: number): Promise<WithdrawalParty> {
    const [party, agreements] = await Promise.all([this.party(nid), this.deps.connections.dssaVersions(nid)]);
    return { ...party, agreements };
  }

  /** Makes, signs and stores the next receipt of the chain, in `trx`; returns it. */
  async record(trx: Trx, party: ReceiptParty, input: ReceiptInput): Promise<ReceiptRow> {
    if (party.nid !== input.nid) throw new Error('receipt party of another connection');
    const previous = await this.store.in(trx).last(input.uid, input.nid);
    const now = this.deps.clock.now();
    const id = randomUUID();
    const sequence = (previous?.sequence ?? 0) + 1;
    const record: ConsentRecord = {
      schema: RECEIPT_SCHEMA,
      record_id: id,
      sequence,
      previous: previous ? { record_id: previous.id, sha256: receiptHash(previous.jws) } : null,
      event: {
        type: input.event,
        time: new Date(now * 1000).toISOString(),
        by: input.by,
        ...(input.reason ? { reason: input.reason } : {}),
      },
      controller: { name: party.organisation, organisation_id: party.orgId },
      processing: { connection_nid: input.nid, connection_name: party.connection },
      notice: { agreement_uuid: input.dssa.uuid, agreement_version: input.dssa.version, purpose: input.dssa.purpose },
      data: dataCategories(input.dssa),
      subject: { con_id: input.conId },
    };
    const { kid, key } = this.deps.signingKey();
    const jws = await new SignJWT({ consent_record: record })
      .setProtectedHeader({ alg: 'ES256', kid, typ: RECEIPT_TYP })
      .setIssuer(this.deps.issuer)
      .setIssuedAt(now)
      .setJti(id)
      .sign(key);
    const row: ReceiptRow = {
      id,
      uid: input.uid,
      nid: input.nid,
      con_id: input.conId,
      sequence,
      event: input.event,
      jws,
      created_at: now,
    };
    try {
      await this.store.in(trx).insert(row);
    } catch (err) {
      // Two events of one member and connection at once both read the same last receipt; the
      // chain's unique (uid, nid, sequence) lets one through, and the other event is undone.
      if (this.deps.dialect.isUniqueViolation(err)) {
        throw new ConflictError(
          'Consent changed at the same moment elsewhere',
          'Another change to this connection’s consent was being recorded: try again.',
        );
      }
      throw err;
    }
    return row;
  }

  get(id: string): Promise<ReceiptRow | undefined> {
    return this.store.byId(id);
  }

  ofConnection(nid: number, limit: number, after?: { createdAt: number; id: string }): Promise<ReceiptRow[]> {
    return this.store.ofConnection(nid, limit, after);
  }

  ofMember(uid: number, nid?: number): Promise<ReceiptRow[]> {
    return this.store.ofMember(uid, nid);
  }
}

/** The agreement's datasets and fields, each with what it allows (ISO 27560 data categories). */
function dataCategories(dssa: Dssa): DataCategory[] {
  return Object.entries(dssa.permissions)
    .map(([dataset, fields]) => ({
      dataset,
      fields: Object.entries(fields)
        .map(([field, a]) => ({
          field,
          access: [...(a.r.a === 1 ? (['read'] as const) : []), ...(a.w.a === 1 ? (['write'] as const) : [])],
        }))
        .filter((f) => f.access.length > 0),
    }))
    .filter((d) => d.fields.length > 0);
}
