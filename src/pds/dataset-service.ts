// STUB — being written by the lead.
import type { MemberService } from '../members/member-service.ts';
import type { ServiceDeps } from '../service-deps.ts';

export class DatasetService {
  constructor(readonly deps: ServiceDeps & { members: MemberService }) {}
}
