/**
 * Token issuance with sender-constrained credentials, for the report beside the client-secret
 * figure: a client authenticating with `private_key_jwt` (a signed client assertion per request)
 * and a client whose tokens are DPoP-bound (a DPoP proof per request). Each request needs a JWT
 * that is never reused, so a pool of them is signed before the load starts (node:crypto, ES256),
 * sized from the client-secret rate; the server refuses a reused one, which fails the run loudly
 * rather than measuring refusals.
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { basicAuth, CONNECTIONS, LoadError, type LoadSpec } from './scenarios.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface SenderConstrainedClients {
  pkjwt: { clientId: string; key: KeyObject };
  dpop: { clientId: string; clientSecret: string };
  tokenEndpoint: string;
  scope: string;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function es256(header: object, claims: object, key: KeyObject): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/**
 * Registers the two clients through the real CLI (`openpdx admin client create`), with the
 * server's own environment, while the server runs.
 */
export async function registerClients(o: {
  env: NodeJS.ProcessEnv;
  repoRoot: string;
  dataDir: string;
  baseUrl: string;
  orgId: number;
  scope: string;
}): Promise<SenderConstrainedClients> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwksFile = join(o.dataDir, 'bench-client-keys.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256' }] }));
  const cli = async (args: string[]) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/openpdx.js', 'admin', 'client', 'create', ...args, '--json'],
      {
        cwd: o.repoRoot,
        env: o.env,
      },
    );
    return JSON.parse(stdout) as { client_id: string; client_secret?: string };
  };
  const base = ['--org', String(o.orgId), '--scope', o.scope];
  const pkjwt = await cli([...base, '--name', 'Bench private_key_jwt', '--jwks', jwksFile]);
  const dpop = await cli([...base, '--name', 'Bench DPoP', '--dpop']);
  const metadata = (await (await fetch(`${o.baseUrl}/.well-known/oauth-authorization-server`)).json()) as {
    token_endpoint: string;
  };
  return {
    pkjwt: { clientId: pkjwt.client_id, key: privateKey },
    dpop: { clientId: dpop.client_id, clientSecret: dpop.client_secret! },
    tokenEndpoint: metadata.token_endpoint,
    scope: o.scope,
  };
}

/** A pool of `n` single-use JWTs, handed out in turn; running dry fails the run. */
function pool(n: number, make: (i: number) => string, what: string): () => string {
  const items = Array.from({ length: n }, (_, i) => make(i));
  let next = 0;
  return () => {
    if (next >= items.length) throw new LoadError(`${what}: the pool of ${n} pre-signed JWTs ran dry; raise its size`);
    return items[next++]!;
  };
}

/**
 * The two scenarios, each with `n` pre-signed JWTs (about 1.5× what the measurement needs at
 * the client-secret rate). DPoP proofs are accepted for 60 s after their `iat`, so these specs
 * must be measured right after they are made.
 */
export function senderConstrainedSpecs(c: SenderConstrainedClients, n: number, baseUrl: string): LoadSpec[] {
  const now = Math.floor(Date.now() / 1000);
  const grant = new URLSearchParams({ grant_type: 'client_credentials', scope: c.scope }).toString();
  const url = `${baseUrl}/oauth2/token`;
  const assertion = pool(
    n,
    () =>
      es256(
        { alg: 'ES256', kid: 'bench', typ: 'JWT' },
        { iss: c.pkjwt.clientId, sub: c.pkjwt.clientId, aud: c.tokenEndpoint, iat: now, exp: now + 240, jti: randomUUID() },
        c.pkjwt.key,
      ),
    'private_key_jwt',
  );
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const proof = pool(
    n,
    () =>
      es256(
        { alg: 'ES256', typ: 'dpop+jwt', jwk },
        { htm: 'POST', htu: c.tokenEndpoint, iat: now, jti: randomUUID() },
        privateKey,
      ),
    'DPoP',
  );
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  return [
    {
      key: 'token-pkjwt',
      label: 'OpenPDX token issuance, private_key_jwt',
      url,
      method: 'POST',
      headers: form,
      body: grant,
      connections: CONNECTIONS.read,
      verifyBody: (b) => b.includes('"access_token":"ey'),
      setupRequest: (req) => ({
        ...req,
        body: `${grant}&client_assertion_type=${encodeURIComponent(JWT_BEARER)}&client_assertion=${assertion()}`,
      }),
    },
    {
      key: 'token-dpop',
      label: 'OpenPDX token issuance, DPoP-bound',
      url,
      method: 'POST',
      headers: { ...form, authorization: basicAuth(c.dpop.clientId, c.dpop.clientSecret) },
      body: grant,
      connections: CONNECTIONS.read,
      verifyBody: (b) => b.includes('"token_type":"DPoP"'),
      setupRequest: (req) => ({ ...req, headers: { ...req.headers, dpop: proof() } }),
    },
  ];
}
