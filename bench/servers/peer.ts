/**
 * The peer: node-oidc-provider 9 issuing client_credentials access tokens as ES256 JWTs (the same
 * format and algorithm as OpenPDX) to one confidential client authenticating with client_secret_basic.
 * Reports its port and client credentials over IPC. With BENCH_PROCESSES=N it runs N node:cluster
 * workers on one port, sharing the signing key and client secret the primary made.
 */
import cluster from 'node:cluster';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Provider from 'oidc-provider-9';
import './guard.ts';
import { clusterPrimary } from './cluster.ts';

export interface PeerInfo {
  port: number;
  clientId: string;
  clientSecret: string;
  scope: string;
  tokenPath: string;
}

const SCOPE = 'mydex:pdx';
const RESOURCE = 'urn:openpdx:bench:api';
const clientId = 'bench-client';
const clientSecret = process.env.BENCH_PEER_SECRET ?? randomBytes(24).toString('hex');
const processes = Number(process.env.BENCH_PROCESSES ?? 1);

// ES256 like OpenPDX: the comparison is JWT against JWT with the same signature algorithm.
const privateKey = process.env.BENCH_PEER_KEY
  ? createPrivateKey(process.env.BENCH_PEER_KEY)
  : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', use: 'sig', alg: 'ES256' };
const info = (port: number): PeerInfo => ({ port, clientId, clientSecret, scope: SCOPE, tokenPath: '/token' });

if (processes > 1 && cluster.isPrimary) {
  clusterPrimary(processes, (port) => process.send?.(info(port)), {
    BENCH_PEER_SECRET: clientSecret,
    BENCH_PEER_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  });
} else {
  serve();
}

function serve(): void {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));

  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const provider = new Provider(`http://127.0.0.1:${address.port}`, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: SCOPE,
        },
      ],
      scopes: [SCOPE],
      // The only key is ES256, so the client default (RS256) must follow it.
      clientDefaults: { id_token_signed_response_alg: 'ES256' },
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      ttl: { ClientCredentials: 3600 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // With a default resource every client_credentials token is bound to this resource server,
        // whose accessTokenFormat makes the provider mint a signed JWT (no adapter write) instead of an opaque token.
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: SCOPE,
            audience: RESOURCE,
            accessTokenTTL: 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
    });
    provider.on('server_error', (_ctx, err) => console.error('peer server_error', err));
    handler = provider.callback();
    if (!cluster.isWorker) process.send?.(info(address.port));
  });
  process.on('SIGTERM', () => process.exit(0));
}
