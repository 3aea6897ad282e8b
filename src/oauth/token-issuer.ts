/**
 * Mints RFC 9068 access tokens. The compact JWS is assembled here and signed with node:crypto
 * directly (ES256, on the signing thread: thread-signer.ts); verification goes through jose.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { SigningKeyRing } from './signing-keys.ts';
import { ThreadSigner } from './thread-signer.ts';

export interface IssuedToken {
  accessToken: string;
  /** space separated, as granted */
  scope: string;
  expiresIn: number;
  jti: string;
  iat: number;
  exp: number;
  /** DPoP-bound (RFC 9449 §6): the thumbprint in the token's `cnf.jkt` */
  jkt?: string;
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
  /** default: a signing thread of its own */
  signer?: ThreadSigner;
}

/** 144 bits from the CSPRNG per jti: unique per token and unguessable (OA-20). */
const JTI_BYTES = 18;
const JTI_POOL = JTI_BYTES * 512;

export class AccessTokenIssuer {
  // One CSPRNG call per 512 tokens: single small randomBytes calls showed up in the profile.
  private pool = Buffer.alloc(0);
  private offset = 0;

  private readonly signer: ThreadSigner;

  constructor(private readonly o: AccessTokenIssuerOptions) {
    this.signer = o.signer ?? new ThreadSigner();
  }

  /** Stops the signing thread once the tokens asked for are signed. */
  close(): Promise<void> {
    return this.signer.close();
  }

  /** `jkt`: bind the token to that key (RFC 9449 §6.1, `cnf.jkt`). */
  async issue(clientId: string, scopes: readonly string[], jkt?: string): Promise<IssuedToken> {
    const signer = this.o.ring.currentSigner();
    const iat = this.o.clock.now();
    const exp = iat + this.o.ttl;
    const jti = this.nextJti();
    const scope = scopes.join(' ');
    const claims = {
      iss: this.o.issuer,
      sub: clientId,
      aud: this.o.audience,
      exp,
      iat,
      jti,
      client_id: clientId,
      scope,
      ...(jkt ? { cnf: { jkt } } : {}),
    };
    const signingInput = `${signer.encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = await this.signer.sign(signer.kid, signer.key, signingInput);
    return { accessToken: `${signingInput}.${signature}`, scope, expiresIn: this.o.ttl, jti, iat, exp, ...(jkt ? { jkt } : {}) };
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
