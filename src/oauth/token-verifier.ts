/**
 * Resource-server side of RFC 9068: checks an access token's signature, type, issuer, audience
 * and expiry, then that it is not revoked and that its client is still enabled. Runs on every API
 * request, so a verified token is remembered (keyed by its exact text) and only the cheap checks
 * (expiry, revocation set, client status) are repeated.
 */
import { errors as joseErrors, jwtVerify, type CryptoKey, type JWTHeaderParameters } from 'jose';
import type { Clock } from '../clock.ts';
import { type ClientPrincipal, type TokenRefusal } from './principal.ts';
import type { ClientCache } from './client-cache.ts';
import type { RevocationList } from './revocation.ts';
import { SIGNING_ALG, type SigningKeyRing } from './signing-keys.ts';

/**
 * Pinned at 0: issuer and verifier are the same deployment, so a token lives exactly `tokenTtl`
 * seconds (contract §2 "exactly one hour"); the test plan allows up to 60 (JW-05).
 */
const CLOCK_SKEW_SECONDS = 0;
/**
 * How far in the future a token's `iat` may be: another process of this deployment whose clock
 * runs a little ahead may have issued it. Further ahead, the token was not made by us honestly
 * (docs/security.md, "Access tokens").
 */
const IAT_LEEWAY_SECONDS = 60;
/** Far above any token we mint (~700 characters); longer input is refused before any work. */
const MAX_TOKEN_LENGTH = 4096;

export interface VerifiedAccessToken {
  principal: ClientPrincipal;
  iat: number;
}

interface Verified {
  clientId: string;
  scopes: ReadonlySet<string>;
  jti: string;
  iat: number;
  exp: number;
  /** DPoP-bound: `cnf.jkt` */
  jkt?: string;
  /** built on first use; a client's organisation never changes */
  principal?: ClientPrincipal;
}

export interface TokenVerifierOptions {
  ring: SigningKeyRing;
  revocations: RevocationList;
  clients: ClientCache;
  clock: Clock;
  issuer: string;
  audience: string;
  cacheSize?: number;
}

export class TokenVerifier {
  /** bounded LRU: Map iteration order is insertion order, a hit re-inserts */
  private readonly cache = new Map<string, Verified>();
  private readonly cacheSize: number;

  constructor(private readonly o: TokenVerifierOptions) {
    this.cacheSize = o.cacheSize ?? 10_000;
  }

  async verify(token: string): Promise<VerifiedAccessToken | undefined> {
    const checked = await this.check(token);
    return 'refused' in checked ? undefined : checked;
  }

  /**
   * The verified token, or why it was refused (for the resource server's RFC 6750 challenge and the
   * log; docs/contract.md §3). Checks in the same order as `verify`, at the same cost.
   */
  async check(token: string): Promise<VerifiedAccessToken | { refused: TokenRefusal }> {
    const now = this.o.clock.now();
    let v = this.cache.get(token);
    if (v) {
      this.cache.delete(token);
      if (v.exp + CLOCK_SKEW_SECONDS <= now) return { refused: 'expired' };
      this.cache.set(token, v);
    } else {
      const verified = await this.verifyJwt(token, now);
      if (typeof verified === 'string') return { refused: verified };
      v = verified;
      this.remember(token, v);
    }
    if (this.o.revocations.isRevoked(v.jti)) return { refused: 'revoked' };
    const client = await this.o.clients.get(v.clientId);
    if (!client || client.disabled) return { refused: 'client_disabled' };
    v.principal ??= {
      clientId: v.clientId,
      orgId: client.orgId,
      scopes: v.scopes,
      jti: v.jti,
      exp: v.exp,
      ...(v.jkt ? { jkt: v.jkt } : {}),
    };
    return { principal: v.principal, iat: v.iat };
  }

  forget(token: string): void {
    this.cache.delete(token);
  }

  private async verifyJwt(token: string, now: number): Promise<Verified | 'expired' | 'malformed' | 'invalid'> {
    if (token.length > MAX_TOKEN_LENGTH) return 'malformed';
    let payload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.keyFor(header), {
        algorithms: [SIGNING_ALG],
        typ: 'at+jwt',
        issuer: this.o.issuer,
        audience: this.o.audience,
        currentDate: new Date(now * 1000),
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
      }));
    } catch (err) {
      // Only a well-signed token of ours is told it expired; anything unparsable is "malformed".
      if (err instanceof joseErrors.JWTExpired) return 'expired';
      if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed';
      return 'invalid';
    }
    const { sub, jti, iat, exp, client_id: clientId, scope, cnf } = payload;
    if (typeof clientId !== 'string' || sub !== clientId || typeof scope !== 'string') return 'invalid';
    if (typeof jti !== 'string' || jti === '' || typeof iat !== 'number' || typeof exp !== 'number') return 'invalid';
    if (iat > now + IAT_LEEWAY_SECONDS) return 'invalid';
    let jkt: string | undefined;
    if (cnf !== undefined) {
      jkt = (cnf as { jkt?: unknown } | null)?.jkt as string | undefined;
      if (typeof jkt !== 'string' || jkt === '') return 'invalid';
    }
    return { clientId, scopes: new Set(scope.split(' ').filter((s) => s !== '')), jti, iat, exp, ...(jkt ? { jkt } : {}) };
  }

  /** Only our own published keys: `jku`, `x5u` and embedded `jwk` headers are never followed (JW-04). */
  private async keyFor(header: JWTHeaderParameters): Promise<CryptoKey> {
    const key = typeof header.kid === 'string' ? await this.o.ring.verificationKey(header.kid) : undefined;
    if (!key) throw new Error('unknown signing key');
    return key;
  }

  private remember(token: string, v: Verified): void {
    this.cache.set(token, v);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }
}
