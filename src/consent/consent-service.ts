// STUB — the interface the member web app uses; replaced by the consent implementation.
import type { ConnectionService } from '../connections/connection-service.ts';
import type { Dssa } from '../connections/dssa.ts';
import type { MemberService } from '../members/member-service.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ServiceDeps } from '../service-deps.ts';

export type LinkKind = 'register' | 'ftc' | 'update';

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
  email: string | null;
  expiresAt: number;
}

export interface ConsentDeps extends ServiceDeps {
  connections: ConnectionService;
  members: MemberService;
  outbox: OutboxService;
}

export class ConsentService {
  constructor(readonly deps: ConsentDeps) {}
  /** The link's details; throws LinkUnavailableError (expired, spent or unknown). */
  async viewLink(_token: string): Promise<LinkView> {
    throw new Error('not implemented');
  }
  /**
   * Approve with the Private Key. For `register` the member is created first from the details
   * the subscriber sent (`privateKey` is the new one); for `ftc`/`update` `uid` is the logged-in
   * member. Returns the return_to URL with ?status=connected.
   */
  async approve(_token: string, _input: { uid?: number; privateKey: string }): Promise<{ redirect: string; uid: number }> {
    throw new Error('not implemented');
  }
  /** Returns the return_to URL with ?status=rejected. */
  async reject(_token: string): Promise<{ redirect: string }> {
    throw new Error('not implemented');
  }
  /** return_to with ?status=expired, for a spent or expired link whose return_to is known. */
  async expiredRedirect(_token: string): Promise<string | undefined> {
    return undefined;
  }
}
