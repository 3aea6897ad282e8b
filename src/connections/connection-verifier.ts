/**
 * The one check behind the three dedicated-connection calls (contract §4: registration, FTC,
 * connection update): bearer principal, Short-Access-Token, Authentication header and
 * connection_token_hash must all agree with a connection the principal's organisation owns.
 */
import type { Logger } from 'pino';
import { sha256Hex, sha512Hex, safeEqual } from '../crypto/hash.ts';
import { PdxError } from '../errors.ts';
import { securityEvent } from '../security-events.ts';
import type { ConnectionRow } from './connection-store.ts';
import type { ConnectionRequestCredentials } from './connection-credentials.ts';
import type { ShortAccessTokens } from './short-access-token.ts';

export interface ConnectionVerifierDeps {
  sats: ShortAccessTokens;
  connectionRow(nid: number): Promise<ConnectionRow | undefined>;
  /** the unsealed connection token of an existing connection */
  connectionToken(row: ConnectionRow): string;
  logger: Logger;
}

const DENIED = 'Access denied';

const REASONS = {
  connection_forbidden: 'This connection does not belong to your organisation.',
  sat_missing: 'Send the Short-Access-Token header with a token from GET /access-token/{nid}.',
  sat_unknown_or_used: 'The short access token is unknown or has already been used; request a new one.',
  sat_expired: 'The short access token has expired; request a new one.',
  sat_other_connection: 'The short access token was issued for another connection.',
  authentication_mismatch:
    'The Authentication header must be the lower-case hex SHA-512 of the short access token followed by the connection token.',
  token_hash_mismatch: 'connection_token_hash must be the lower-case hex SHA-512 of the connection token.',
} as const;

type Failure = keyof typeof REASONS;

/**
 * No `connection_nid` (or one that cannot be a NID): the caller has not sent the dedicated
 * connection's credentials at all, which is a 400 that lists every one still missing, not the
 * ownership 403 (which would wrongly suggest the connection is someone else's). Judged on the
 * request alone, so it reveals nothing about which connections exist.
 */
function missingCredentials(creds: ConnectionRequestCredentials, withSat: boolean): never {
  const missing = ['connection_nid (your connection’s NID, in the body)'];
  if (withSat && creds.sat === undefined) missing.push('the Short-Access-Token header (from GET /access-token/{nid})');
  if (withSat && creds.authentication === '')
    missing.push('the Authentication header (lower-case hex SHA-512 of the short access token followed by the connection token)');
  if (creds.connectionTokenHash === '') missing.push('connection_token_hash (lower-case hex SHA-512 of the connection token)');
  throw new PdxError(
    400,
    'Missing parameter',
    `This call needs your dedicated connection's credentials. Missing or not valid: ${missing.join('; ')}.`,
    'connection_credentials_missing',
  );
}

export class ConnectionVerifier {
  constructor(private readonly deps: ConnectionVerifierDeps) {}

  /** Returns the connection row when every check passes; throws a 401/403 PdxError otherwise. */
  async verify(creds: ConnectionRequestCredentials): Promise<ConnectionRow> {
    const sat = creds.sat || undefined;
    // Spent before anything else is looked at: any attempt, good or bad, uses it up (§4).
    const spent = sat === undefined ? undefined : await this.deps.sats.spend(sat);

    const { nid } = creds;
    if (nid === undefined) missingCredentials(creds, true);
    const row = await this.deps.connectionRow(nid);
    // Unknown and foreign NIDs answer alike, so a NID's existence is not revealed (MX-07).
    if (!row || row.org_id !== creds.principal.orgId) return this.fail('connection_forbidden', creds, nid);

    if (sat === undefined || spent === undefined) return this.fail('sat_missing', creds, nid);
    if (!spent.ok) return this.fail(spent.problem === 'expired' ? 'sat_expired' : 'sat_unknown_or_used', creds, nid);
    if (spent.nid !== row.nid) return this.fail('sat_other_connection', creds, nid);

    const token = this.deps.connectionToken(row);
    if (!safeEqual(sha512Hex(sat + token), creds.authentication.toLowerCase()))
      return this.fail('authentication_mismatch', creds, nid);

    this.checkTokenHash(row, creds, nid);
    return row;
  }

  /**
   * Ownership and `connection_token_hash` only: for calls whose contract has no short access token
   * (the IDaaS link routes).
   */
  async verifyTokenHash(
    creds: Pick<ConnectionRequestCredentials, 'principal' | 'nid' | 'connectionTokenHash'>,
  ): Promise<ConnectionRow> {
    const full = { ...creds, sat: undefined, authentication: '' };
    const { nid } = creds;
    if (nid === undefined) missingCredentials(full, false);
    const row = await this.deps.connectionRow(nid);
    if (!row || row.org_id !== creds.principal.orgId) return this.fail('connection_forbidden', full, nid);
    this.checkTokenHash(row, full, nid);
    return row;
  }

  private checkTokenHash(row: ConnectionRow, creds: ConnectionRequestCredentials, nid: number | undefined): void {
    // MX-04: the database holds sha256(hex(sha512(token))), never the wire value itself.
    if (!safeEqual(sha256Hex(creds.connectionTokenHash.toLowerCase()), row.token_hash_verifier))
      this.fail('token_hash_mismatch', creds, nid);
  }

  private fail(failure: Failure, creds: ConnectionRequestCredentials, nid: number | undefined): never {
    const status = failure === 'connection_forbidden' ? 403 : 401;
    securityEvent(this.deps.logger, 'auth.connection_credentials_failed', { failure, nid, clientId: creds.principal.clientId });
    throw new PdxError(status, DENIED, REASONS[failure], failure);
  }
}
