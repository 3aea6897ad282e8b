/**
 * What the IDaaS operations check of their caller and its input: the caller's own client and
 * organisation, its connections, the members it may name, and return_to (or app_url) policy.
 */
import type { DedicatedConnection } from '../connections/connection-service.ts';
import { checkReturnTo, type ReturnToPolicy } from '../consent/return-to.ts';
import { AccessDeniedError, ValidationError } from '../errors.ts';
import { type ClientPrincipal } from '../oauth/principal.ts';
import type { Member } from '../members/member-accounts.ts';
import type { IdaasDeps } from './idaas-deps.ts';
import { parseIdentifier } from './identifier.ts';

export const MEMBER_MISSING = 'Member does not exist.';
const CONNECTION_FORBIDDEN = 'This connection does not belong to your organisation.';

/** client_id and org_id, where sent, must be the access token's own (they are the call's auth context). */
export function sameCaller(
  principal: ClientPrincipal,
  clientId: string | undefined,
  orgId: string | undefined,
  prefix: string,
): void {
  const problems: string[] = [];
  if (clientId !== undefined && clientId !== principal.clientId) {
    problems.push(`${prefix}client_id must be the client id of the access token.`);
  }
  if (orgId !== undefined && orgId !== String(principal.orgId)) {
    problems.push(`${prefix}org_id must be the organisation id of the access token's client (${principal.orgId}).`);
  }
  if (problems.length) throw new ValidationError(problems.join(' '));
}

/** Contract §3: a NID of another organisation (or none) is refused with 403. */
export async function ownedConnection(
  deps: Pick<IdaasDeps, 'connections'>,
  principal: ClientPrincipal,
  nid: number,
): Promise<DedicatedConnection> {
  const connection = await deps.connections.getConnection(nid);
  if (!connection || connection.orgId !== principal.orgId) {
    throw new AccessDeniedError(403, 'Bearer error="insufficient_scope"', CONNECTION_FORBIDDEN);
  }
  return connection;
}

/**
 * The member an identifier names, when they hold an active grant on a connection of the caller.
 * Every other case is the same 400 (MX-07: no existence oracle).
 */
export async function memberOf(
  deps: Pick<IdaasDeps, 'connections' | 'members'>,
  principal: ClientPrincipal,
  identifier: string,
  nid: number | undefined,
): Promise<{ member: Member; connection: DedicatedConnection }> {
  const ref = parseIdentifier(identifier);
  if (!ref || (nid !== undefined && ref.nid !== nid)) throw new ValidationError(MEMBER_MISSING);
  const { connections, members } = deps;
  const connection = await connections.getConnection(ref.nid);
  if (!connection || connection.orgId !== principal.orgId) throw new ValidationError(MEMBER_MISSING);
  const [member, grants] = await Promise.all([
    members.accounts.getMember({ uid: ref.uid }),
    members.grants.activeGrants(ref.uid),
  ]);
  if (!member || !grants.some((g) => g.nid === ref.nid)) throw new ValidationError(MEMBER_MISSING);
  return { member, connection };
}

/** return_to (or app_url) under the connection's policy (consent/return-to.ts); '' with a problem when refused. */
export function allowedReturnTo(
  deps: Pick<IdaasDeps, 'config'>,
  connection: DedicatedConnection,
  raw: string,
  problems: string[],
  field = 'return_to',
): string {
  const policy: ReturnToPolicy = { env: deps.config.env, callbackUrl: connection.callbackUrl };
  const checked = checkReturnTo(raw, policy);
  if ('problem' in checked) {
    problems.push(checked.problem.replace(/^return_to/, field));
    return '';
  }
  return checked.url;
}
