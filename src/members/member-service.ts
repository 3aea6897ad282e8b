// STUB — being written by the lead.
import type { ConnectionService } from '../connections/connection-service.ts';
import type { ServiceDeps } from '../service-deps.ts';

export class MemberService {
  constructor(readonly deps: ServiceDeps & { connections: ConnectionService }) {}
}
