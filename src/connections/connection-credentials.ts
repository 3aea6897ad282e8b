/**
 * The dedicated-connection credentials of a request (contract §4), read from its headers and body
 * into text before any check: the checks themselves, and the order they fail in, are the
 * verifier's (connection-verifier.ts). Reading never fails: a missing or malformed value becomes
 * `undefined` or `''`, which the verifier refuses with the right 401 or 403.
 */
import type { ClientPrincipal } from '../oauth/principal.ts';
import type { WireFields } from '../wire.ts';
import { parseNid } from './nid.ts';

export interface ConnectionRequestCredentials {
  /** the bearer token's client: its organisation must own the NID */
  principal: ClientPrincipal;
  /** `connection_nid` from the body, when it is a NID */
  nid: number | undefined;
  /** the `Short-Access-Token` header, when present and not blank */
  sat: string | undefined;
  /** the `Authentication` header: hex(sha512(SAT + connection token)); `''` when absent */
  authentication: string;
  /** `connection_token_hash` from the body: hex(sha512(connection token)); `''` when absent */
  connectionTokenHash: string;
}

/** Request headers as the HTTP layer gives them (lower-case names): `Short-Access-Token` and `Authentication` are read. */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

export function readConnectionCredentials(
  principal: ClientPrincipal,
  headers: Headers,
  body: WireFields,
): ConnectionRequestCredentials {
  return {
    principal,
    nid: parseNid(body.connection_nid),
    sat: nonEmptyText(headers['short-access-token']),
    authentication: nonEmptyText(headers.authentication) ?? '',
    connectionTokenHash: nonEmptyText(body.connection_token_hash) ?? '',
  };
}

/** Trimmed text; one value sent as a one-element list counts; blank, objects and lists are absent. */
function nonEmptyText(value: unknown): string | undefined {
  const v = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  if (typeof v !== 'string') return undefined;
  const trimmed = v.trim();
  return trimmed === '' ? undefined : trimmed;
}
