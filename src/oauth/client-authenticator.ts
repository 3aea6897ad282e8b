/**
 * Authenticates a client by secret (contract §2): SHA-256 of the presented secret compared in
 * constant time with the stored hash, or with the previous hash during a rotation's grace period;
 * or, for a client registered with keys, by a signed JWT (`private_key_jwt`, client-assertion.ts).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { digestMatchesHex, sha256, sha256Hex } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';
import type { ClientCredentials } from './client-auth.ts';
import type { ClientAssertionVerifier } from './client-assertion.ts';
import type { ClientCache } from './client-cache.ts';
import type { OAuthClientRecord } from './client-store.ts';
import { invalidClient, tooManyRequests } from './oauth-errors.ts';
import { WindowLimiter } from '../window-limiter.ts';
import { securityEvent } from '../security-events.ts';

/** Unknown client ids are compared against this, so they cost the same work (OA-03). */
const UNKNOWN_CLIENT_HASH = sha256Hex(randomSecret());

/**
 * One address may fail this many times the per-client limit: enough to stop an address spraying
 * client ids, not so little that brute force on one client locks out its neighbours behind the
 * same NAT or load balancer (OA-22).
 */
const ADDRESS_LIMIT_FACTOR = 5;

export interface ClientAuthenticatorOptions {
  clients: ClientCache;
  clock: Clock;
  logger: Logger;
  /** failed authentications per client id and address per minute (config.tokenRateLimit) */
  failureLimit: number;
  /** Basic challenge realm: the issuer */
  realm: string;
  assertions: ClientAssertionVerifier;
}

/**
 * Guessing is limited per client *and* address, and per address; the right secret always
 * authenticates. Client ids are public (every token carries one), so a limit keyed on the client
 * alone let anyone lock a client out. Secrets are 256-bit random values, so what the limit buys is
 * not a slower search but less noise and cost: a guesser over its limit gets 429 without a lookup
 * being logged again (docs/security.md, "Client authentication").
 */
export class ClientAuthenticator {
  private readonly perClientAddress: WindowLimiter;
  private readonly perAddress: WindowLimiter;

  constructor(private readonly o: ClientAuthenticatorOptions) {
    this.perClientAddress = new WindowLimiter(o.clock, o.failureLimit);
    this.perAddress = new WindowLimiter(o.clock, o.failureLimit * ADDRESS_LIMIT_FACTOR);
  }

  async authenticate(credentials: ClientCredentials, remoteAddress: string): Promise<OAuthClientRecord> {
    const { clientId } = credentials;
    const client = await this.o.clients.get(clientId);
    // RFC 6749 §5.2: the Basic challenge only when the client authenticated with Basic (OA-04 pinned: none for post).
    const realm = credentials.method === 'client_secret_basic' ? this.o.realm : undefined;
    const refusal = await this.refusal(client, credentials);
    if (refusal !== undefined) {
      const pair = `${clientId}\n${remoteAddress}`;
      const wait = Math.max(this.perClientAddress.retryAfter(pair), this.perAddress.retryAfter(remoteAddress));
      if (wait > 0) {
        securityEvent(this.o.logger, 'auth.client_throttled', { clientId, remoteAddress, retryAfter: wait });
        throw tooManyRequests(wait);
      }
      this.perClientAddress.record(pair);
      this.perAddress.record(remoteAddress);
      securityEvent(this.o.logger, 'auth.client_failed', { clientId, remoteAddress, method: credentials.method });
      throw invalidClient(realm, refusal);
    }
    if (client!.disabled) {
      securityEvent(this.o.logger, 'auth.client_disabled', { clientId, remoteAddress });
      throw invalidClient(realm);
    }
    return client!;
  }

  /**
   * Why the credentials do not authenticate `client` (undefined: they do). A wrong secret is told
   * apart from nothing else; an assertion's fault is named (client-assertion.ts), since a client
   * holding no secret gains nothing from knowing which claim was wrong.
   */
  private async refusal(client: OAuthClientRecord | undefined, credentials: ClientCredentials): Promise<string | undefined> {
    const generic = 'client authentication failed';
    if (credentials.method === 'private_key_jwt') {
      if (!client) return generic;
      const { ok, reason } = await this.o.assertions.check(client, credentials.assertion);
      return ok ? undefined : reason;
    }
    const matches = secretMatches(client, sha256(credentials.clientSecret), this.o.clock.now());
    // Such a client's stored secret hash is of a value nobody was ever shown, so it never matches.
    if (client?.authMethod === 'private_key_jwt')
      return 'this client authenticates with private_key_jwt (a signed client_assertion), not a client secret';
    return matches ? undefined : generic;
  }
}

function secretMatches(client: OAuthClientRecord | undefined, presented: Buffer, now: number): client is OAuthClientRecord {
  const previousLive =
    client?.previousSecretHash != null && client.previousSecretExpiresAt != null && client.previousSecretExpiresAt > now;
  // Both comparisons always run so that timing says nothing about which secret (if any) exists.
  const current = digestMatchesHex(presented, client?.secretHash ?? UNKNOWN_CLIENT_HASH);
  const previous = digestMatchesHex(presented, (previousLive && client?.previousSecretHash) || UNKNOWN_CLIENT_HASH);
  return client !== undefined && (current || (previousLive && previous));
}
