/**
 * The subscriber side of the consent journey (contract §4.1–4.3). Each call takes the request's
 * connection credentials and its body, both read by the route (connection-credentials.ts,
 * link-request.ts); after the credentials check out (the SAT is spent either way), a one-time link is made, bound to the connection and one DSSA version
 * (MX-09), stored only as a SHA-256 hash, and valid once for `config.linkTtl` seconds. With
 * `notify` the platform also sends it to the member, queued in the link's transaction.
 */
import type { ConnectionRequestCredentials } from '../connections/connection-credentials.ts';
import type { ConnectionService, DedicatedConnection } from '../connections/connection-service.ts';
import type { Dssa } from '../connections/dssa.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { hashPassword } from '../crypto/kdf.ts';
import { randomSecret } from '../crypto/random.ts';
import { AppError, ConflictError, ValidationError, NotFoundError } from '../errors.ts';
import type { Members } from '../members/members.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { MemberNotConnectedError } from './consent-errors.ts';
import {
  withReturnTo,
  type ConnectionFields,
  type LinkBody,
  type Notify,
  type RegistrationFields,
  type UpdateFields,
} from './link-request.ts';
import { linkNotice } from './link-notice.ts';
import { LinkStore } from './link-store.ts';
import type { ReturnToPolicy } from './return-to.ts';

export type LinkKind = 'register' | 'ftc' | 'update';

export interface LinkIssuerDeps extends ServiceDeps {
  connections: ConnectionService;
  members: Members;
  outbox: OutboxService;
}

interface NewLink {
  kind: LinkKind;
  version: number;
  mydexid: string | null;
  email: string | null;
  passwordHash: string | null;
  returnTo: string;
}

interface Recipient {
  channel: 'email' | 'sms';
  address: string;
}

/** Ours, so prefixed (conventions: secrets); 256 random bits follow. */
const LINK_PREFIX = 'pdx_ln_';

export class LinkIssuer {
  private readonly store: LinkStore;

  constructor(private readonly deps: LinkIssuerDeps) {
    this.store = new LinkStore(deps.db);
  }

  /** §4.1 `POST /api/pds`: a registration link; the password is kept only as Argon2id. */
  async requestRegistration(credentials: ConnectionRequestCredentials, body: LinkBody<RegistrationFields>): Promise<string> {
    const connection = await this.deps.connections.verifyConnectionRequest(credentials);
    const input = withReturnTo(body, this.policy(connection));
    await this.refuseTaken(input.mydexid, input.email);
    const dssa = await this.agreement(connection.nid);
    const recipient = this.recipient(input.notify, input.email);
    const passwordHash = await hashPassword(input.password, this.deps.config.argon2);
    const { mydexid, email, returnTo } = input;
    return this.issue(connection, { kind: 'register', version: dssa.version, mydexid, email, passwordHash, returnTo }, recipient);
  }

  /** §4.2 `POST /api/connection`: a first time connection link to the latest DSSA. */
  async requestConnection(credentials: ConnectionRequestCredentials, body: LinkBody<ConnectionFields>): Promise<string> {
    const connection = await this.deps.connections.verifyConnectionRequest(credentials);
    const input = withReturnTo(body, this.policy(connection));
    const dssa = await this.agreement(connection.nid);
    const named =
      input.mydexid === undefined ? undefined : await this.deps.members.accounts.getMember({ mydexid: input.mydexid });
    const recipient = this.recipient(input.notify, named?.email);
    // The member's own spelling when they exist: the link names them however the subscriber typed it.
    const mydexid = named?.mydexid ?? input.mydexid ?? null;
    const link = { kind: 'ftc', version: dssa.version, mydexid, returnTo: input.returnTo } as const;
    return this.issue(connection, { ...link, email: null, passwordHash: null }, recipient);
  }

  /** §4.3 `POST /api/connection/update`: re-consent of a connected member to `version`. */
  async requestConnectionUpdate(credentials: ConnectionRequestCredentials, body: LinkBody<UpdateFields>): Promise<string> {
    const connection = await this.deps.connections.verifyConnectionRequest(credentials);
    const input = withReturnTo(body, this.policy(connection));
    if (!(await this.deps.connections.dssa(connection.nid, input.version))) {
      throw new ValidationError(`Version ${input.version} does not exist for this connection.`);
    }
    const member = await this.deps.members.accounts.getMember({ mydexid: input.mydexid });
    const grants = member ? await this.deps.members.grants.activeGrants(member.uid) : [];
    if (!member || !grants.some((g) => g.nid === connection.nid)) throw new MemberNotConnectedError();
    const recipient = this.recipient(input.notify, member.email);
    const link = { kind: 'update', version: input.version, mydexid: member.mydexid, returnTo: input.returnTo } as const;
    return this.issue(connection, { ...link, email: null, passwordHash: null }, recipient);
  }

  private policy(connection: DedicatedConnection): ReturnToPolicy {
    return { env: this.deps.config.env, callbackUrl: connection.callbackUrl };
  }

  private async agreement(nid: number): Promise<Dssa> {
    const dssa = await this.deps.connections.latestDssa(nid);
    if (!dssa) throw new AppError('no_agreement', 409, 'This connection has no data sharing agreement.');
    return dssa;
  }

  /** §4.1: 409 when a member, or an unexpired registration link, already has the MydexID or email. */
  private async refuseTaken(mydexid: string, email: string): Promise<void> {
    const { clock, members } = this.deps;
    const [member, emailOwner, pending] = await Promise.all([
      members.accounts.getMember({ mydexid }),
      members.accounts.getMember({ email }),
      this.store.pendingRegistrationClaims(mydexid, email, clock.now()),
    ]);
    const problems: string[] = [];
    if (member || pending.mydexid) problems.push('Mydexid already in use.');
    if (emailOwner || pending.email) problems.push('Email already in use.');
    if (problems.length) throw new ConflictError(problems[0]!, problems.length > 1 ? problems.join(' ') : undefined);
  }

  private recipient(notify: Notify | undefined, email: string | undefined): Recipient | undefined {
    if (!notify) return undefined;
    if (notify.channel === 'sms') return { channel: 'sms', address: notify.phone };
    if (!email) throw new ValidationError('Notify by email needs the mydexid of a registered member.');
    return { channel: 'email', address: email };
  }

  /**
   * A first-time-connection link made on another subscriber's behalf (`POST /referrals/add`):
   * no dedicated-connection credentials, no notification; `returnTo` was checked by the caller.
   */
  async issueFtcLink(input: { nid: number; version: number; mydexid: string | null; returnTo: string }): Promise<string> {
    const connection = await this.deps.connections.getConnection(input.nid);
    if (!connection) throw new NotFoundError('Unknown connection');
    const link = { kind: 'ftc' as const, version: input.version, mydexid: input.mydexid, returnTo: input.returnTo };
    return this.issue(connection, { ...link, email: null, passwordHash: null }, undefined);
  }

  private async issue(connection: DedicatedConnection, link: NewLink, recipient: Recipient | undefined): Promise<string> {
    const { db, clock, config, outbox } = this.deps;
    const token = randomSecret(LINK_PREFIX);
    const url = `${config.publicUrl}/ftc/begin/${connection.nid}/${token}/${link.version}`;
    const notice =
      recipient && linkNotice(link.kind, await subscriberName(this.deps.connections, connection), url, config.linkTtl);
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await this.store.in(trx).insert({
        token_hash: sha256Hex(token),
        kind: link.kind,
        nid: connection.nid,
        dssa_version: link.version,
        mydexid: link.mydexid,
        email: link.email,
        password_hash: link.passwordHash,
        return_to: link.returnTo,
        created_at: now,
        expires_at: now + config.linkTtl,
        used_at: null,
        outcome: null,
      });
      if (recipient && notice) {
        await outbox.enqueueMessage(trx, { channel: recipient.channel, recipient: recipient.address, ...notice });
      }
    });
    return url;
  }
}

/** The organisation's name, as the member's pages and messages show it. */
export async function subscriberName(connections: ConnectionService, connection: DedicatedConnection): Promise<string> {
  return (await connections.getOrganisation(connection.orgId))?.name ?? connection.name;
}
