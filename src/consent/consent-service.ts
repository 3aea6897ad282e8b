/**
 * The member side of the consent journey (contract §5): the member opens a one-time link made by
 * LinkIssuer (§4), reviews the DSSA and approves with their Private Key, or rejects. Approval
 * spends the link inside the grant's transaction, so the grant, its callback and the spent link
 * commit together or not at all.
 */
import type { Dssa } from '../connections/dssa.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { memberInputProblems, sameMydexid } from '../members/member-rules.ts';
import { LinkUnavailableError, LoginRequiredError, WrongMemberError } from './consent-errors.ts';
import { LinkIssuer, subscriberName, type LinkIssuerDeps, type LinkKind } from './link-issuer.ts';
import { LinkStore, type LinkOutcome, type LinkRow } from './link-store.ts';
import { withStatus } from './return-to.ts';
import type { ReceiptRow } from '../receipts/consent-receipt-store.ts';

export { LinkUnavailableError, LoginRequiredError, WrongMemberError } from './consent-errors.ts';
export type { LinkKind } from './link-issuer.ts';

/** What the member's pages show for a one-time link. */
export interface LinkView {
  kind: LinkKind;
  nid: number;
  subscriberName: string;
  dssa: Dssa;
  /** for an update: the version the member accepted before */
  previousDssa: Dssa | undefined;
  /** the MydexID the subscriber named, if any (registration: the new member's) */
  mydexid: string | null;
  /** registration only: the address the subscriber sent (a named member's is never shown) */
  email: string | null;
  expiresAt: number;
}

export interface ConsentDeps extends LinkIssuerDeps {
  /** extra fields another module adds to the consent callback (IDaaS: idaasCallbackExtras) */
  callbackExtras?: CallbackExtras;
}

const MAX_TOKEN_LENGTH = 128;

/** Extra callback fields for a link, by its token hash (IDaaS sets this: `linking_token`). */
type CallbackExtras = (tokenHash: string) => Promise<Record<string, string> | undefined>;

export class ConsentService {
  /** the three subscriber calls (contract §4.1–4.3) */
  readonly links: LinkIssuer;
  private readonly store: LinkStore;

  constructor(readonly deps: ConsentDeps) {
    this.links = new LinkIssuer(deps);
    this.store = new LinkStore(deps.db);
  }

  /** An FTC link for a referral to another subscriber's agreement (FtcLinkIssuer, src/features). */
  createLink(input: { kind: 'ftc'; nid: number; version: number; mydexid: string | null; returnTo: string }): Promise<string> {
    return this.links.issueFtcLink(input);
  }

  /** The link's details; throws LinkUnavailableError (expired, spent or unknown). */
  async viewLink(token: string): Promise<LinkView> {
    const link = await this.usableLink(token);
    const { connections } = this.deps;
    const [dssa, connection] = await Promise.all([
      connections.dssa(link.nid, link.dssa_version),
      connections.getConnection(link.nid),
    ]);
    if (!dssa || !connection) throw new LinkUnavailableError();
    return {
      kind: link.kind as LinkKind,
      nid: link.nid,
      subscriberName: await subscriberName(connections, connection),
      dssa,
      previousDssa: await this.previousDssa(link),
      mydexid: link.mydexid,
      email: link.kind === 'register' ? link.email : null,
      expiresAt: link.expires_at,
    };
  }

  /**
   * Approve with the Private Key. For `register` the member is created first from the MydexID and
   * email the subscriber sent, with the password and Private Key they choose on the link page
   * (`password`, `privateKey`); for `ftc`/`update` `uid` is the logged-in member. Returns the
   * return_to URL with ?status=connected.
   */
  async approve(
    token: string,
    input: { uid?: number; privateKey: string; password?: string },
  ): Promise<{ redirect: string; uid: number }> {
    const link = await this.usableLink(token);
    const uid =
      link.kind === 'register'
        ? await this.registerMember(link, input.privateKey, input.password ?? '')
        : await this.loggedInMember(link, input.uid);
    // The link is spent inside the grant's transaction: a double submit cannot consent twice, and
    // a wrong Private Key (thrown before the transaction) leaves the link usable. A connection that
    // is new to the member is told to them by email in the same transaction.
    const extra = await this.deps.callbackExtras?.(link.token_hash);
    const isNew = !(await this.deps.members.grants.activeGrants(uid)).some((g) => g.nid === link.nid);
    const notice = isNew ? await this.newConnectionEmail(uid, link.nid) : undefined;
    await this.deps.members.grants.consent({
      uid,
      nid: link.nid,
      privateKey: input.privateKey,
      version: link.dssa_version,
      within: async (trx) => {
        await this.spend(this.store.in(trx), link, 'connected');
        if (notice) await this.deps.outbox.enqueueMessage(trx, notice);
      },
      ...(extra ? { callbackExtra: extra } : {}),
    });
    return { redirect: withStatus(link.return_to, 'connected'), uid };
  }

  /** "<Organisation> is now connected": what it may do is on the Connections page, not in the email. */
  private newConnectionEmail(uid: number, nid: number) {
    const { publicUrl } = this.deps.config;
    return this.connectionEmail(uid, nid, (name, store) => ({
      subject: `${name} is now connected to your Personal Data Store`,
      lines: [
        `${name} is now connected to ${store}, as you agreed.`,
        '',
        `See what it can read and change, when it last did, or remove the connection at ${publicUrl}/me/connections.`,
        '',
        `If you did not agree to this, remove the connection there and change your password at ${publicUrl}/me/password.`,
      ],
    }));
  }

  /** An email to the member about one of their connections; undefined when either is gone. */
  private async connectionEmail(
    uid: number,
    nid: number,
    text: (organisation: string, store: string) => { subject: string; lines: string[] },
  ) {
    const { members, connections, config } = this.deps;
    const member = await members.accounts.getMember({ uid });
    const connection = await connections.getConnection(nid);
    if (!member || !connection) return undefined;
    const { subject, lines } = text(
      await subscriberName(connections, connection),
      `the Personal Data Store of ${config.branding.idName} ${member.mydexid}`,
    );
    return { channel: 'email' as const, recipient: member.email, subject, body: lines.join('\n') };
  }

  /**
   * The organisation ends its connection with a member (beyond Mydex: POST
   * /api/connection/withdraw): the grant ends, a consent receipt by the controller records it, and
   * the member is told by email, all in one transaction. Undefined when there was no active grant.
   */
  async withdrawByOrganisation(uid: number, nid: number): Promise<ReceiptRow | undefined> {
    const notice = await this.endedConnectionEmail(uid, nid);
    return this.deps.members.grants.withdrawForController(uid, nid, async (trx) => {
      if (notice) await this.deps.outbox.enqueueMessage(trx, notice);
    });
  }

  /** "<Organisation> has ended its connection": the member did not ask for it, so they are told. */
  private endedConnectionEmail(uid: number, nid: number) {
    return this.connectionEmail(uid, nid, (name, store) => ({
      subject: `${name} has ended its connection to your Personal Data Store`,
      lines: [
        `${name} has ended its connection to ${store}. It can no longer read or change your data.`,
        '',
        `Your data stays in your store. A signed receipt of the change is in your consent receipts at ${this.deps.config.publicUrl}/me/connections.`,
      ],
    }));
  }

  /** Returns the return_to URL with ?status=rejected. */
  async reject(token: string): Promise<{ redirect: string }> {
    const link = await this.usableLink(token);
    await this.spend(this.store, link, 'rejected');
    return { redirect: withStatus(link.return_to, 'rejected') };
  }

  /** return_to with ?status=expired, for a spent or expired link whose return_to is known. */
  async expiredRedirect(token: string): Promise<string | undefined> {
    const link = await this.lookup(token);
    if (!link || usable(link, this.deps.clock.now())) return undefined;
    return withStatus(link.return_to, 'expired');
  }

  private async lookup(token: string): Promise<LinkRow | undefined> {
    if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) return undefined;
    return this.store.byHash(sha256Hex(token));
  }

  private async usableLink(token: string): Promise<LinkRow> {
    const link = await this.lookup(token);
    if (!link || !usable(link, this.deps.clock.now())) throw new LinkUnavailableError();
    return link;
  }

  /** Spends the link with `store`: in the grant's transaction (approve) or on its own (reject). */
  private async spend(store: LinkStore, link: LinkRow, outcome: LinkOutcome): Promise<void> {
    if (!(await store.spend(link.token_hash, outcome, this.deps.clock.now()))) throw new LinkUnavailableError();
  }

  private async previousDssa(link: LinkRow): Promise<Dssa | undefined> {
    if (link.kind === 'register' || link.mydexid === null) return undefined;
    const member = await this.deps.members.accounts.getMember({ mydexid: link.mydexid });
    if (!member) return undefined;
    const grant = (await this.deps.members.grants.activeGrants(member.uid)).find((g) => g.nid === link.nid);
    return grant && this.deps.connections.dssa(link.nid, grant.dssaVersion);
  }

  private async loggedInMember(link: LinkRow, uid: number | undefined): Promise<number> {
    if (uid === undefined) throw new LoginRequiredError();
    if (link.mydexid !== null) {
      const member = await this.deps.members.accounts.getMember({ uid });
      if (!member || !sameMydexid(member.mydexid, link.mydexid)) throw new WrongMemberError();
    }
    return uid;
  }

  /**
   * Creates the member a registration link describes, with the password and Private Key they just
   * chose. The password the subscriber's call carried is not used (docs/contract.md, §4.1): the
   * member never typed it here, so a rule comparing the Private Key with it would be a puzzle to
   * them and an oracle for it to whoever holds the link.
   */
  private async registerMember(link: LinkRow, privateKey: string, password: string): Promise<number> {
    const { mydexid, email } = link;
    if (mydexid === null || email === null || link.password_hash === null) throw new LinkUnavailableError();
    const problems = memberInputProblems({ mydexid, email, password, privateKey });
    if (problems.length) throw new ValidationError(problems[0]!, problems.join(' '));
    try {
      return (await this.deps.members.accounts.createMember({ mydexid, email, password, privateKey })).uid;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // A double submit, or an earlier attempt that made the member but not the grant: the member
      // this link created is the one with its MydexID and email, made after the link.
      const again = await this.store.byHash(link.token_hash);
      if (!again || !usable(again, this.deps.clock.now())) throw new LinkUnavailableError();
      const existing = await this.deps.members.accounts.getMember({ mydexid });
      if (existing && existing.email === email && existing.createdAt >= link.created_at) return existing.uid;
      throw err;
    }
  }
}

function usable(link: LinkRow, now: number): boolean {
  return link.used_at === null && link.expires_at > now;
}
