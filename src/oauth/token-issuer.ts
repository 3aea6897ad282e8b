/**
 * Mints RFC 9068 access tokens. The compact JWS is assembled here and signed with node:crypto
 * directly: synchronous ES256 signing is about 1.7× faster than going through WebCrypto, and the
 * token endpoint's throughput is bounded by it. Verification still goes through jose.
 */
import { randomBytes, sign } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { SigningKeyRing } from './signing-keys.ts';

export interface IssuedToken {
  accessToken: string;
  /** space separated, as granted */
  scope: string;
  expiresIn: number;
  jti: string;
  iat: number;
  exp: number;
}

export interface AccessTokenIssuerOptions {
  ring: SigningKeyRing;
  clock: Clock;
  issuer: string;
  /**
   * RFC 9068 §3 leaves `aud` to the AS. The PDX API and this AS are one deployment behind one
   * public URL, so the issuer URL names the resource server too; another resource server of the
   * platform would get its own audience and refuse these tokens (BCP-01).
   */
  audience: string;
  ttl: number;
}

/** 144 bits from the CSPRNG per jti: unique per token and unguessable (OA-20). */
const JTI_BYTES = 18;
const JTI_POOL = JTI_BYTES * 512;

export class AccessTokenIssuer {
  // One CSPRNG call per 512 tokens: single small randomBytes calls showed up in the profile.
  private pool = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly o: AccessTokenIssuerOptions) {}

  issue(clientId: string, scopes: readonly string[]): Promise<IssuedToken> {
    const signer = this.o.ring.currentSigner();
    const iat = this.o.clock.now();
    const exp = iat + this.o.ttl;
    const jti = this.nextJti();
    const scope = scopes.join(' ');
    const claims = { iss: this.o.issuer, sub: clientId, aud: this.o.audience, exp, iat, jti, client_id: clientId, scope };
    const signingInput = `${signer.encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    // JWS (RFC 7518 §3.4) wants the raw r||s signature, not DER.
    return new Promise((resolve, reject) => {
      sign('sha256', Buffer.from(signingInput), { key: signer.key, dsaEncoding: 'ieee-p1363' }, (err, signature) => {
        if (err) reject(err);
        else
          resolve({
            accessToken: `${signingInput}.${signature.toString('base64url')}`,
            scope,
            expiresIn: this.o.ttl,
            jti,
            iat,
            exp,
          });
      });
    });
  }

  private nextJti(): string {
    if (this.offset + JTI_BYTES > this.pool.length) {
      this.pool = randomBytes(JTI_POOL);
      this.offset = 0;
    }
    const jti = this.pool.toString('base64url', this.offset, this.offset + JTI_BYTES);
    // Used bytes are wiped so that no later read of the pool can reproduce an issued jti.
    this.pool.fill(0, this.offset, this.offset + JTI_BYTES);
    this.offset += JTI_BYTES;
    return jti;
  }
}
