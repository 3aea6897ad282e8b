/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OpenID Connect Core §9): the
 * client proves itself with a short-lived JWT it signed with one of its own keys, so no shared
 * secret exists to leak. The JWT must be signed with an asymmetric algorithm by a key of the
 * client's registered JWK Set (given at registration, or fetched from its `jwks_uri`), name the
 * client as both `iss` and `sub`, name this server (the issuer or the token endpoint) in `aud`,
 * expire within five minutes, and carry a `jti` that has not been used before: each assertion
 * is spent in the database (SpentJtiStore), so a replay fails on every process.
 *
 * The checks are jose's (`jwtVerify`); what is ours is which claims are required and the replay
 * record. A failure says what was wrong, for the client's developer: none of it is secret.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type JWTPayload } from 'jose';
import type { Clock } from '../clock.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { SpentJtiStore } from './spent-jti-store.ts';
import type { OAuthClientRecord } from './client-store.ts';

/** Asymmetric algorithms only: `none` and HMAC (`client_secret_jwt`) are never accepted. */
export const ASSERTION_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA'];

/** An assertion may live this long at most (seconds), which bounds how long its jti is kept. */
const MAX_ASSERTION_LIFETIME = 300;

/** Clock difference tolerated between the client and this server (seconds). */
const CLOCK_TOLERANCE = 30;

/** How long a fetched `jwks_uri` key set is used before it is fetched again (ms); a kid it lacks refetches sooner. */
const REMOTE_JWKS_MAX_AGE = 10 * 60_000;
const REMOTE_JWKS_TIMEOUT = 5_000;

export interface AssertionCheck {
  ok: boolean;
  /** why it failed, for the error_description */
  reason?: string;
}

export class ClientAssertionVerifier {
  private readonly remote = new Map<string, JWTVerifyGetKey>();
  private readonly local = new WeakMap<OAuthClientRecord, JWTVerifyGetKey>();

  constructor(
    private readonly o: {
      spent: SpentJtiStore;
      clock: Clock;
      /** the values `aud` may hold: the issuer and the token endpoint's URL */
      audiences: string[];
    },
  ) {}

  async check(client: OAuthClientRecord, assertion: string): Promise<AssertionCheck> {
    const keys = this.keysOf(client);
    if (!keys) return { ok: false, reason: 'this client authenticates with its client secret, not private_key_jwt' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, keys, {
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.o.audiences,
        algorithms: ASSERTION_ALGORITHMS,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_TOLERANCE,
        currentDate: new Date(this.o.clock.now() * 1000),
      }));
    } catch (err) {
      return { ok: false, reason: whyRefused(err, this.o.audiences, !client.jwks) };
    }
    const now = this.o.clock.now();
    const exp = payload.exp!;
    if (exp - now > MAX_ASSERTION_LIFETIME + CLOCK_TOLERANCE) {
      return { ok: false, reason: `client_assertion must expire within ${MAX_ASSERTION_LIFETIME} seconds` };
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') return { ok: false, reason: 'client_assertion needs a jti' };
    const fresh = await this.o.spent.spend('client_assertion', client.clientId, sha256Hex(payload.jti), exp + CLOCK_TOLERANCE);
    return fresh ? { ok: true } : { ok: false, reason: 'client_assertion was already used (its jti is spent)' };
  }

  private keysOf(client: OAuthClientRecord): JWTVerifyGetKey | undefined {
    if (client.jwks) {
      let keys = this.local.get(client);
      if (!keys) this.local.set(client, (keys = createLocalJWKSet(client.jwks)));
      return keys;
    }
    if (client.jwksUri) {
      const id = `${client.clientId} ${client.jwksUri}`;
      let keys = this.remote.get(id);
      if (!keys) {
        keys = createRemoteJWKSet(new URL(client.jwksUri), {
          timeoutDuration: REMOTE_JWKS_TIMEOUT,
          cacheMaxAge: REMOTE_JWKS_MAX_AGE,
        });
        this.remote.set(id, keys);
      }
      return keys;
    }
    return undefined;
  }
}

function whyRefused(err: unknown, audiences: string[], remote: boolean): string {
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return `client_assertion aud must be ${audiences.join(' or ')}`;
      case 'iss':
      case 'sub':
        return 'client_assertion iss and sub must both be the client id';
      case 'nbf':
      case 'iat':
        return `client_assertion ${err.claim} is in the future`;
      default:
        return `client_assertion ${err.claim} is missing or invalid`;
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `client_assertion alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the client’s JWK Set matches the client_assertion (kid, alg)';
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return 'several keys of the client’s JWK Set match: give the assertion a kid';
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return 'client_assertion signature does not verify with the client’s keys';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'client_assertion is not a valid signed JWT';
  // What is left comes from fetching the jwks_uri: a timeout, a network failure, not 200, not a key set.
  if (remote) return 'the client’s jwks_uri could not be read';
  return 'client_assertion is not a valid signed JWT';
}
