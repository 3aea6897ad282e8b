/**
 * `POST /referrals/add` (contract §7, from Mydex's newer SDK): one service refers the member to
 * another, named by the UUID of its DSSA. The referral row is written to the member's
 * ds_referrals either way; the other service hears of it through the ordinary change
 * notification once it may read that dataset. When the member is not yet connected to it, the
 * answer is `pending` with a one-time FTC link: as `url` and a QR code when the member is with
 * the caller, otherwise sent to the member by email.
 */
import QRCode from 'qrcode';
import type { ConnectionService } from '../connections/connection-service.ts';
import type { Dssa } from '../connections/dssa.ts';
import { linkNotice } from '../consent/link-notice.ts';
import { checkReturnTo } from '../consent/return-to.ts';
import { listed, ValidationError } from '../errors.ts';
import type { ConnectionAccess } from '../members/connection-access.ts';
import type { Members } from '../members/members.ts';
import { didYouMean } from '../pds/schema/closest-names.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { DataCaller, DatasetService } from '../pds/dataset-service.ts';
import { checkWrite } from '../pds/write-values.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { ADD_REFERRAL, REFERRAL_DATASET, SERVICE_REFERRAL } from './referral-fields.ts';
import { insertRow } from './member-call.ts';
import { referralRow } from './referral-service.ts';
import { toRow } from './request-fields.ts';

/** A one-time first-time-connection link for one member to one connection's DSSA version. */
export interface FtcLinkRequest {
  kind: 'ftc';
  nid: number;
  version: number;
  mydexid: string;
  /** already checked against the calling connection's return_to policy */
  returnTo: string;
}

/**
 * What this block needs from the consent module: the link URL (`<public url>/ftc/begin/...`),
 * made and stored exactly as for `POST /api/connection`, without the dedicated-connection
 * credentials (the caller is another subscriber, already authorised for this member).
 */
export interface FtcLinkIssuer {
  createLink(input: FtcLinkRequest): Promise<string>;
}

export interface AddReferralResult {
  success: 1;
  status: 'complete' | 'pending';
  message?: string;
  url?: string;
  qr?: string;
  referral_id: number;
}

export interface ReferralAddDeps extends Pick<ServiceDeps, 'db' | 'config' | 'catalogue'> {
  datasets: DatasetService;
  members: Members;
  connections: ConnectionService;
  outbox: OutboxService;
  links: FtcLinkIssuer;
}

const BODY_FIELDS = ['remote_dssa_uuid', 'member_present', 'return_to', 'referral_data'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ReferralAddService {
  constructor(private readonly deps: ReferralAddDeps) {}

  async add(call: DataCaller, input: AddReferralInput): Promise<AddReferralResult> {
    const access = await this.verify(call);
    const { connections, members, datasets, catalogue, config } = this.deps;
    const caller = await connections.getConnection(access.nid);
    const returnTo = checkReturnTo(input.returnTo, { env: config.env, callbackUrl: caller?.callbackUrl ?? '' });
    if ('problem' in returnTo) throw new ValidationError(returnTo.problem);
    const remote = await connections.dssaByUuid(input.remoteDssaUuid.toLowerCase());
    if (!remote) throw new ValidationError('remote_dssa_uuid does not name a data sharing agreement.');
    const row = referralRow(input.referral, SERVICE_REFERRAL);
    // Every refusal (400, 403) before anything is made: no link for a referral that cannot be written.
    checkWrite(catalogue.dataset(REFERRAL_DATASET)!, access.dssa.permissions, row, catalogue);
    const connected = (await members.grants.activeGrants(access.uid)).some((g) => g.nid === remote.nid);
    const member = connected ? undefined : await members.accounts.getMember({ uid: access.uid });
    // The link before the row: a failure then leaves at most an unused link, never a lost referral.
    const url =
      member &&
      (await this.deps.links.createLink({
        kind: 'ftc',
        nid: remote.nid,
        version: remote.version,
        mydexid: member.mydexid,
        returnTo: returnTo.url,
      }));
    const { last_insert_id: referralId } = await insertRow(datasets, call, REFERRAL_DATASET, row);
    if (!member || !url) return { success: 1, status: 'complete', referral_id: referralId };
    if (input.memberPresent) {
      return { success: 1, status: 'pending', url, qr: await QRCode.toDataURL(url), referral_id: referralId };
    }
    const service = await this.serviceName(remote);
    const notice = linkNotice('ftc', service, url, config.linkTtl);
    await this.deps.outbox.enqueueMessage(this.deps.db, { channel: 'email', recipient: member.email, ...notice });
    return {
      success: 1,
      status: 'pending',
      message: `The member was sent an email asking them to connect to ${service}.`,
      referral_id: referralId,
    };
  }

  /** The caller's credentials for this member, checked before anything else is looked up. */
  private async verify(call: DataCaller): Promise<ConnectionAccess> {
    const access = await this.deps.members.access.check(call.principal, call.conId, call.key, [], call.uid);
    access.keys.wipe();
    return access;
  }

  private async serviceName(dssa: Dssa): Promise<string> {
    const connection = await this.deps.connections.getConnection(dssa.nid);
    const org = connection && (await this.deps.connections.getOrganisation(connection.orgId));
    return org?.name ?? connection?.name ?? 'a service';
  }
}

interface AddReferralInput {
  remoteDssaUuid: string;
  memberPresent: boolean;
  returnTo: string;
  referral: Record<string, unknown>;
}

/** A POST /referrals/add body, read. */
export function parseAddReferral(body: Record<string, unknown>): AddReferralInput {
  const unknown = Object.keys(body).filter((k) => !BODY_FIELDS.includes(k));
  if (unknown.length) {
    const hint = unknown.length === 1 ? didYouMean(unknown[0]!, BODY_FIELDS) : '';
    throw new ValidationError(`Unknown field${unknown.length > 1 ? 's' : ''}: ${listed(unknown)}.${hint}`);
  }
  const uuid = body.remote_dssa_uuid;
  if (typeof uuid !== 'string' || uuid.trim() === '') throw new ValidationError('remote_dssa_uuid is required.');
  if (!UUID.test(uuid.trim())) throw new ValidationError('remote_dssa_uuid must be a UUID.');
  const data = body.referral_data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ValidationError('referral_data is required.');
  const returnTo = typeof body.return_to === 'string' ? body.return_to.trim() : '';
  return {
    remoteDssaUuid: uuid.trim(),
    memberPresent: parseBoolean(body.member_present),
    returnTo,
    referral: toRow(data as Record<string, unknown>, ADD_REFERRAL),
  };
}

/** JSON booleans, or their form-encoded spellings. */
function parseBoolean(v: unknown): boolean {
  if (v === true || v === 'true' || v === 1 || v === '1') return true;
  if (v === false || v === 'false' || v === 0 || v === '0') return false;
  throw new ValidationError(
    v === undefined || v === '' ? 'member_present is required.' : 'member_present must be true or false.',
  );
}
