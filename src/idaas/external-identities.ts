/**
 * External identities mapped to MydexIDs: a MyAccount SVT or a ScotAccount sub (GUID) belongs to
 * at most one member. The operator maps them (`openpdx admin identity map`), the member sees and
 * removes them on /me/identities, and `GET /members/myaccount/{svt}` and
 * `GET /members/scotaccount/{sub}` answer from them.
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { sameMydexid } from '../members/member-rules.ts';
import type { Members } from '../members/members.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { UUID } from './identifier.ts';
import { IdaasStore, type ExternalIdentityRow } from './idaas-store.ts';

export const PROVIDERS = ['myaccount', 'scotaccount'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const PROVIDER_NAMES: Record<Provider, string> = { myaccount: 'MyAccount', scotaccount: 'ScotAccount' };

/** What the CLI prints and the dashboard lists. */
export interface ExternalIdentity {
  id: number;
  provider: Provider;
  external_id: string;
  mydexid: string;
  created_at: number;
}

// A MyAccount SVT is an opaque token: printable ASCII without spaces, as it travels in a URL path.
const SVT = /^[\x21-\x7e]{1,256}$/;

function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

/** The stored form of an external id, or undefined when it is not one for this provider. */
function normaliseExternalId(provider: Provider, raw: string): string | undefined {
  if (provider === 'scotaccount') return UUID.test(raw) ? raw.toLowerCase() : undefined;
  return SVT.test(raw) ? raw : undefined;
}

export class ExternalIdentities {
  private readonly store: IdaasStore;

  constructor(private readonly deps: Pick<ServiceDeps, 'db' | 'clock' | 'dialect'> & { members: Members }) {
    this.store = new IdaasStore(deps.db);
  }

  /** Maps the identity to the member; mapping it again to the same member changes nothing. */
  async map(input: { provider: string; externalId: string; mydexid: string }): Promise<ExternalIdentity> {
    const { provider, externalId } = checked(input.provider, input.externalId);
    const member = await this.deps.members.accounts.getMember({ mydexid: input.mydexid });
    if (!member) throw new NotFoundError('Member not found', `No member has the MydexID ${input.mydexid.trim()}.`);
    const { clock, dialect } = this.deps;
    const existing = await this.store.identity(provider, externalId);
    if (existing) return sameMemberOrConflict(existing, member.mydexid);
    try {
      return toIdentity(
        await this.store.insertIdentity({
          provider,
          external_id: externalId,
          mydexid: member.mydexid,
          created_at: clock.now(),
        }),
      );
    } catch (err) {
      if (!dialect.isUniqueViolation(err)) throw err;
      // Mapped by a concurrent command in the meantime.
      const now = await this.store.identity(provider, externalId);
      if (!now) throw err;
      return sameMemberOrConflict(now, member.mydexid);
    }
  }

  async list(filter: { mydexid?: string } = {}): Promise<ExternalIdentity[]> {
    return (await this.store.identities(filter.mydexid?.trim())).map(toIdentity);
  }

  /** Operator: removes a mapping; NotFoundError when there is none. */
  async unmap(input: { provider: string; externalId: string }): Promise<{ provider: Provider; external_id: string }> {
    const { provider, externalId } = checked(input.provider, input.externalId);
    if (!(await this.store.deleteIdentity({ provider, externalId }))) {
      throw new NotFoundError('Identity not mapped', `No MydexID is mapped to this ${PROVIDER_NAMES[provider]} identity.`);
    }
    return { provider, external_id: externalId };
  }

  /** Member: removes one of their own mappings by its id; false when they have no such mapping. */
  removeForMember(mydexid: string, id: number): Promise<boolean> {
    return this.store.deleteIdentity({ id, mydexid });
  }

  /** The MydexID mapped to the identity; undefined for an unknown or malformed one. */
  async lookup(provider: Provider, raw: string): Promise<string | undefined> {
    const externalId = normaliseExternalId(provider, raw);
    if (externalId === undefined) return undefined;
    return (await this.store.identity(provider, externalId))?.mydexid;
  }
}

function checked(provider: string, raw: string): { provider: Provider; externalId: string } {
  if (!isProvider(provider))
    throw new ValidationError('Invalid provider', `The provider must be one of: ${PROVIDERS.join(', ')}.`);
  const externalId = normaliseExternalId(provider, raw.trim());
  if (externalId === undefined) {
    throw new ValidationError(
      'Invalid identity',
      provider === 'scotaccount'
        ? 'A ScotAccount sub is a GUID such as 123e4567-e89b-12d3-a456-426614174000.'
        : 'A MyAccount SVT is 1 to 256 printable characters without spaces.',
    );
  }
  return { provider, externalId };
}

function sameMemberOrConflict(row: ExternalIdentityRow, mydexid: string): ExternalIdentity {
  if (!sameMydexid(row.mydexid, mydexid)) {
    throw new ConflictError('Identity already mapped', 'This identity is mapped to another MydexID; unmap it first.');
  }
  return toIdentity(row);
}

function toIdentity(row: ExternalIdentityRow): ExternalIdentity {
  return {
    id: row.id,
    provider: row.provider as Provider,
    external_id: row.external_id,
    mydexid: row.mydexid,
    created_at: row.created_at,
  };
}
