/**
 * DPoP (RFC 9449): proof that the caller holds the private key a token is bound to. A proof is a
 * JWT the client signs for one request, carrying its public key in the header; jose checks the
 * signature with that embedded key (`EmbeddedJWK`, public keys only), the type `dpop+jwt`, an
 * asymmetric algorithm, and the age of `iat`. What is ours is which claims must match the
 * request (`htm`, `htu`, and `ath` for a token), the optional server nonce, and the replay record:
 * each accepted proof's `jti` is spent in the database (SpentJtiStore), so a captured proof fails
 * on every process.
 *
 * Nonces (OPENPDX_DPOP_NONCE) need no shared state: a nonce is a 5-minute period number and an
 * HMAC of it under a key derived from the master key, so every process makes and accepts the same
 * ones; the current and the previous period's are accepted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWTPayload, type JWK } from 'jose';
import type { Clock } from '../clock.ts';
import { sha256, sha256Hex } from '../crypto/hash.ts';
import { ASSERTION_ALGORITHMS } from './client-assertion.ts';
import type { SpentJtiStore } from './spent-jti-store.ts';

/** The algorithms a proof may be signed with: asymmetric only, as for client assertions. */
export const DPOP_ALGORITHMS = ASSERTION_ALGORITHMS;
/** A proof is accepted this long after its `iat` (seconds). */
const MAX_PROOF_AGE = 60;
const CLOCK_TOLERANCE = 30;
const NONCE_PERIOD = 300;
/** Far above any real proof (a P-521 or RSA-4096 key in the header stays under 2 KiB). */
const MAX_PROOF_LENGTH = 8192;

type DpopError = 'invalid_dpop_proof' | 'use_dpop_nonce';

export type DpopCheck = { jkt: string } | { error: DpopError; description: string };

export interface DpopRequest {
  method: string;
  /** the request's path, without the query */
  path: string;
  /** at the resource server: the access token the proof must be bound to (`ath`) */
  accessToken?: string;
}

export class DpopVerifier {
  constructor(
    private readonly o: {
      spent: SpentJtiStore;
      clock: Clock;
      /** the public URL the paths are under: `htu` is this plus the path */
      publicUrl: string;
      /** the HMAC key of the nonces, or undefined when nonces are not required */
      nonceKey: Buffer | undefined;
    },
  ) {}

  /** The nonce to send in `DPoP-Nonce`, when nonces are required. */
  nonce(): string | undefined {
    return this.o.nonceKey && this.nonceFor(Math.floor(this.o.clock.now() / NONCE_PERIOD));
  }

  async check(header: string | string[] | undefined, req: DpopRequest): Promise<DpopCheck> {
    if (header === undefined) return refuse('A DPoP proof is required: send it in the DPoP header (RFC 9449).');
    // Node joins repeated headers with ", "; a JWT never holds a comma.
    if (Array.isArray(header) || header.includes(',')) return refuse('Send exactly one DPoP header.');
    if (header.length > MAX_PROOF_LENGTH) return refuse('The DPoP proof is too long.');
    const now = this.o.clock.now();
    let payload: JWTPayload;
    let jwk: JWK;
    try {
      const verified = await jwtVerify(header, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: DPOP_ALGORITHMS,
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        maxTokenAge: MAX_PROOF_AGE,
        clockTolerance: CLOCK_TOLERANCE,
        currentDate: new Date(now * 1000),
      });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk!;
    } catch (err) {
      return refuse(whyRefused(err));
    }
    if (payload.htm !== req.method) return refuse(`The DPoP proof's htm must be ${req.method}, the request's method.`);
    const expected = `${this.o.publicUrl.replace(/\/+$/, '')}${req.path}`;
    if (typeof payload.htu !== 'string' || normalised(payload.htu) !== normalised(expected)) {
      return refuse(`The DPoP proof's htu must be ${expected}, the request's URL without its query.`);
    }
    if (req.accessToken !== undefined && payload.ath !== sha256(req.accessToken).toString('base64url')) {
      return refuse("The DPoP proof's ath must be the base64url SHA-256 of the access token it is sent with.");
    }
    if (this.o.nonceKey && !this.nonceValid(payload.nonce, now)) {
      return { error: 'use_dpop_nonce', description: 'Sign the DPoP proof again with the nonce in the DPoP-Nonce header.' };
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') return refuse('The DPoP proof needs a jti.');
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    const expiresAt = (payload.iat ?? now) + MAX_PROOF_AGE + CLOCK_TOLERANCE;
    const fresh = await this.o.spent.spend('dpop_proof', jkt, sha256Hex(payload.jti), expiresAt);
    return fresh ? { jkt } : refuse('This DPoP proof was already used (its jti is spent): make a new proof for each request.');
  }

  private nonceFor(period: number): string {
    const mac = createHmac('sha256', this.o.nonceKey!).update(`dpop-nonce|${period}`).digest('base64url').slice(0, 22);
    return `${period}.${mac}`;
  }

  private nonceValid(nonce: unknown, now: number): boolean {
    if (typeof nonce !== 'string') return false;
    const period = Number(nonce.split('.', 1)[0]);
    const current = Math.floor(now / NONCE_PERIOD);
    if (period !== current && period !== current - 1) return false;
    const expected = Buffer.from(this.nonceFor(period));
    const given = Buffer.from(nonce);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function refuse(description: string): DpopCheck {
  return { error: 'invalid_dpop_proof', description };
}

/** RFC 9449 §4.3: compared without query and fragment, after RFC 3986 syntax normalisation. */
function normalised(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '';
  }
}

function whyRefused(err: unknown): string {
  if (err instanceof errors.JOSEAlgNotAllowed) return `The DPoP proof's alg must be one of ${DPOP_ALGORITHMS.join(', ')}.`;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'typ') return 'The DPoP proof needs the header typ "dpop+jwt".';
    if (err.claim === 'iat')
      return `The DPoP proof's iat must be within the last ${MAX_PROOF_AGE} seconds: make a new proof for each request.`;
    return `The DPoP proof's ${err.claim} claim is missing or invalid.`;
  }
  // jose reports an iat older than maxTokenAge (and an exp past, should a proof carry one) as expired.
  if (err instanceof errors.JWTExpired) {
    return `The DPoP proof's iat must be within the last ${MAX_PROOF_AGE} seconds: make a new proof for each request.`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The DPoP proof is not signed by the key in its jwk header.';
  if (err instanceof errors.JWSInvalid && /jwk/i.test(err.message))
    return 'The DPoP proof needs a public key in its jwk header (never a private one).';
  return 'The DPoP proof is not a signed JWT.';
}
