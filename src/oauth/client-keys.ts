/**
 * Checks the keys a `private_key_jwt` client is registered with (client-assertion.ts): a JWK Set
 * of public signing keys, or the URL the client publishes one at. Refused with a reason: a set
 * holding a private or symmetric key (whoever registered it has leaked or misunderstood it), a
 * key Node cannot read, an algorithm assertions may not use, and a URL that is not https
 * (plain http only to localhost, or in a sandbox).
 */
import { createPublicKey } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { ValidationError } from '../errors.ts';
import { ASSERTION_ALGORITHMS } from './client-assertion.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface ClientKeysInput {
  jwks?: unknown;
  jwksUri?: string;
  publicClient?: boolean;
}

export function checkClientKeys(input: ClientKeysInput, env: 'sandbox' | 'live'): { jwks?: JSONWebKeySet; jwksUri?: string } {
  const { jwks, jwksUri } = input;
  if (jwks === undefined && jwksUri === undefined) return {};
  if (input.publicClient)
    throw new ValidationError('A public client has no credentials: private_key_jwt keys are for confidential clients.');
  if (jwks !== undefined && jwksUri !== undefined) {
    throw new ValidationError('Give the client’s keys one way: a JWK Set (--jwks) or its URL (--jwks-uri), not both.');
  }
  if (jwksUri !== undefined) return { jwksUri: checkJwksUri(jwksUri, env) };
  return { jwks: checkJwks(jwks) };
}

function checkJwksUri(uri: string, env: 'sandbox' | 'live'): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError(`The JWK Set URL ${uri} is not an absolute URL.`);
  }
  if (url.username || url.password) throw new ValidationError('The JWK Set URL must not carry a user name or password.');
  if (url.hash) throw new ValidationError('The JWK Set URL must not have a fragment.');
  const http = url.protocol === 'http:' && (env === 'sandbox' || LOOPBACK.has(url.hostname));
  if (url.protocol !== 'https:' && !http) {
    throw new ValidationError(`The JWK Set URL ${uri} must use https (plain http only to localhost, or in a sandbox).`);
  }
  return url.href;
}

function checkJwks(value: unknown): JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys) || keys.length === 0) {
    throw new ValidationError('The JWK Set must be a JSON object with a non-empty "keys" array (RFC 7517 §5).');
  }
  keys.forEach((key: unknown, i) => checkKey(key, i));
  return { keys: keys as JWK[] };
}

function checkKey(key: unknown, i: number): void {
  const where = `Key ${i + 1} of the JWK Set`;
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new ValidationError(`${where} is not a JSON object.`);
  const jwk = key as JWK;
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (secret.length) {
    throw new ValidationError(
      `${where} holds private or symmetric key material (${secret.join(', ')}): register the public keys only, and keep the private key with the client.`,
    );
  }
  if (jwk.use !== undefined && jwk.use !== 'sig')
    throw new ValidationError(`${where} has "use": "${jwk.use}"; signing keys need "sig".`);
  if (jwk.alg !== undefined && !ASSERTION_ALGORITHMS.includes(jwk.alg)) {
    throw new ValidationError(`${where} has "alg": "${jwk.alg}"; client assertions may use ${ASSERTION_ALGORITHMS.join(', ')}.`);
  }
  try {
    createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch (err) {
    throw new ValidationError(`${where} is not a public key Node can read (${(err as Error).message}).`);
  }
}
