/**
 * `GET /members/myaccount/{svt}` and `GET /members/scotaccount/{sub}`: the MydexID an external
 * identity is mapped to (decisions: top of idaas-routes.ts).
 */
import { ValidationError } from '../errors.ts';
import { type ClientPrincipal } from '../oauth/principal.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { MEMBER_MISSING } from './idaas-access.ts';
import type { ExternalIdentities, Provider } from './external-identities.ts';

export class IdaasLookups {
  constructor(
    private readonly deps: Pick<ServiceDeps, 'logger'>,
    private readonly identities: ExternalIdentities,
  ) {}

  /** `GET /members/myaccount/{svt}` and `GET /members/scotaccount/{sub}`. */
  async lookup(principal: ClientPrincipal, provider: Provider, externalId: string): Promise<string> {
    const mydexid = await this.identities.lookup(provider, externalId);
    this.deps.logger.info({ event: 'idaas.lookup', provider, clientId: principal.clientId, found: mydexid !== undefined });
    if (mydexid === undefined) throw new ValidationError(MEMBER_MISSING);
    return mydexid;
  }
}
