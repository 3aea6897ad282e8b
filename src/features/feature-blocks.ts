/** The feature blocks (contract §7), each a thin layer of field tables over the dataset service. */
import type { ConnectionService } from '../connections/connection-service.ts';
import type { Members } from '../members/members.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { DatasetService } from '../pds/dataset-service.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { CalendarService } from './calendar-service.ts';
import { ReferralAddService, type FtcLinkIssuer } from './referral-add-service.ts';
import { ReferralService } from './referral-service.ts';
import { SecureMessageService } from './secure-message-service.ts';
import { TimelineService } from './timeline-service.ts';

export interface FeatureBlockDeps extends ServiceDeps {
  datasets: DatasetService;
  members: Members;
  connections: ConnectionService;
  outbox: OutboxService;
  links: FtcLinkIssuer;
}

export class FeatureBlocks {
  readonly calendar: CalendarService;
  readonly referrals: ReferralService;
  readonly referralAdd: ReferralAddService;
  readonly messages: SecureMessageService;
  readonly timeline: TimelineService;

  constructor(deps: FeatureBlockDeps) {
    this.calendar = new CalendarService(deps.datasets);
    this.referrals = new ReferralService(deps.datasets);
    this.referralAdd = new ReferralAddService(deps);
    this.messages = new SecureMessageService(deps.datasets, deps.clock);
    this.timeline = new TimelineService(deps);
  }
}
