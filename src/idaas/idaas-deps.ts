/**
 * What the IDaaS services (Mydex's IDaaS OpenAPI) are handed by the composition root. The decisions
 * behind the operations are listed at the top of idaas-routes.ts.
 */
import type { ConnectionService } from '../connections/connection-service.ts';
import type { Members } from '../members/members.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * What IDaaS needs from the consent module: a first-time-connection link made and stored exactly
 * as for `POST /api/connection` (contract §4.2), for a named member or, with `mydexid: null`, for
 * whoever signs in. ConsentService.createLink is typed `mydexid: string`, but LinkIssuer stores a
 * null MydexID exactly as `POST /api/connection` without one does; the lead is asked to widen the
 * type. Declared as a method, this interface accepts ConsentService meanwhile.
 */
interface IdaasLinkIssuer {
  createLink(input: { kind: 'ftc'; nid: number; version: number; mydexid: string | null; returnTo: string }): Promise<string>;
}

export interface IdaasDeps extends ServiceDeps {
  connections: ConnectionService;
  members: Members;
  outbox: OutboxService;
  links: IdaasLinkIssuer;
}
