/**
 * The OAuth 2.0 authorisation server and the resource server's token check (contract §2, §3):
 * client registry, client_credentials grant, RFC 9068 access tokens, introspection, revocation.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { sha256Hex } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';
import { listed, NotFoundError, ValidationError } from '../errors.ts';
import { type AccessTokenVerifier, type ClientPrincipal, PDX_SCOPE, type TokenRefusal } from './principal.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { ClientCredentials } from './client-auth.ts';
import { ClientAuthenticator } from './client-authenticator.ts';
import { ClientCache } from './client-cache.ts';
import { checkClientKeys } from './client-keys.ts';
import { SpentJtiStore } from './spent-jti-store.ts';
import { DpopVerifier, type DpopCheck, type DpopRequest } from './dpop.ts';
import { ClientAssertionVerifier } from './client-assertion.ts';
import { ClientStore, toInfo, type OAuthClientInfo, type OAuthClientRecord } from './client-store.ts';
import { invalidRequest, invalidScope, unauthorizedClient, unsupportedGrantType } from './oauth-errors.ts';
import { RevocationList } from './revocation.ts';
import { isScopeToken, parseScope } from './scope.ts';
import { SigningKeyRing } from './signing-keys.ts';
import { AccessTokenIssuer, type IssuedToken } from './token-issuer.ts';
import { TokenVerifier } from './token-verifier.ts';

const CLIENT_CREDENTIALS = 'client_credentials';
/** Revocations are polled this often: refused everywhere within one second (contract §2). */
const REVOCATION_POLL_MS = 250;
/** Signing keys are re-read every this many polls (5 s), so processes agree on the newest key. */
const KEY_REFRESH_EVERY = 20;
/** Expired revocations are deleted every this many polls (1 min). */
const PURGE_EVERY = 240;

/** RFC 7662 §2.2; inactive answers carry `active` and nothing else (IN-03). */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      sub: string;
      aud: string;
      iss: string;
      exp: number;
      iat: number;
      jti: string;
      token_type: 'bearer' | 'DPoP';
      /** a DPoP-bound token: the thumbprint of its key (RFC 9449 §6.2) */
      cnf?: { jkt: string };
    };

export interface NewClient {
  orgId: number;
  scopes: string[];
  name?: string;
  grantTypes?: string[];
  /** exact redirect URIs: the client may sign members in (OpenID Connect, docs/oidc.md) */
  redirectUris?: string[];
  /** no secret (a browser or native app): signs members in with PKCE, nothing else */
  publicClient?: boolean;
  /** private_key_jwt (RFC 7523): the client's public keys, a JWK Set (checked here); it is given no secret */
  jwks?: unknown;
  /** private_key_jwt: where the client publishes its public keys (https; http too in sandbox) */
  jwksUri?: string;
  /** every token is DPoP-bound (RFC 9449): token requests without a DPoP proof are refused */
  dpopBound?: boolean;
}

export class OAuthService implements AccessTokenVerifier {
  private readonly clients: ClientStore;
  private readonly clientCache: ClientCache;
  private readonly authenticator: ClientAuthenticator;
  /** client assertions and DPoP proofs already accepted */
  private readonly spent: SpentJtiStore;
  private readonly dpop: DpopVerifier;
  private readonly ring: SigningKeyRing;
  private readonly issuer: AccessTokenIssuer;
  private readonly revocations: RevocationList;
  private readonly verifier: TokenVerifier;
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private ticks = 0;

  constructor(readonly deps: ServiceDeps) {
    const { db, clock, config, logger, masterKeys } = deps;
    this.clients = new ClientStore(db);
    this.spent = new SpentJtiStore(db);
    this.dpop = new DpopVerifier({
      spent: this.spent,
      clock,
      publicUrl: config.issuer,
      nonceKey: config.dpopNonce ? masterKeys.derive('dpop-nonce') : undefined,
    });
    this.clientCache = new ClientCache((id) => this.clients.find(id));
    this.authenticator = new ClientAuthenticator({
      clients: this.clientCache,
      clock,
      logger,
      failureLimit: config.tokenRateLimit,
      realm: config.issuer,
      assertions: new ClientAssertionVerifier({
        spent: this.spent,
        clock,
        audiences: [config.issuer, `${config.issuer}/oauth2/token`],
      }),
    });
    this.ring = new SigningKeyRing({ db, masterKeys, clock, tokenTtl: config.tokenTtl });
    this.issuer = new AccessTokenIssuer({
      ring: this.ring,
      clock,
      issuer: config.issuer,
      audience: config.issuer,
      ttl: config.tokenTtl,
    });
    this.revocations = new RevocationList(db, clock);
    this.verifier = new TokenVerifier({
      ring: this.ring,
      revocations: this.revocations,
      clients: this.clientCache,
      clock,
      issuer: config.issuer,
      audience: config.issuer,
    });
  }

  async start(): Promise<void> {
    await this.ring.ensureKey();
    await this.revocations.poll();
    this.timer = setInterval(() => {
      this.tick ??= this.background().finally(() => {
        this.tick = undefined;
      });
    }, REVOCATION_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.tick;
    await this.issuer.close();
  }

  // ---- clients -------------------------------------------------------------------------------

  /** A new client and its secret (which a public client's owner is never shown: admin-service.ts). */
  async createClient(input: NewClient): Promise<{ clientId: string; clientSecret: string }> {
    const scopes = checkTokens('scope', input.scopes);
    const redirectUris = checkRedirectUris(input.redirectUris ?? [], this.deps.config.env);
    const publicClient = input.publicClient ?? false;
    if (publicClient && !redirectUris.length) throw new ValidationError('A public client needs at least one redirect URI.');
    const keys = checkClientKeys(input, this.deps.config.env);
    if (input.dpopBound && publicClient) {
      throw new ValidationError(
        'DPoP binds client-credentials tokens; a public client has none (--dpop needs a confidential client).',
      );
    }
    const signIn = redirectUris.length ? SIGN_IN_GRANTS : [];
    const grantTypes = checkTokens('grant type', input.grantTypes ?? [...(publicClient ? [] : [CLIENT_CREDENTIALS]), ...signIn]);
    if (!(await this.clients.organisationExists(input.orgId))) throw new NotFoundError('Organisation not found');
    const clientId = randomUUID();
    const clientSecret = randomSecret('pdx_cs_');
    await this.clients.insert({
      clientId,
      orgId: input.orgId,
      name: input.name ?? 'OAuth client',
      secretHash: sha256Hex(clientSecret),
      scopes,
      grantTypes,
      createdAt: this.deps.clock.now(),
      redirectUris,
      publicClient,
      ...keys,
      dpopBound: input.dpopBound ?? false,
    });
    this.clientCache.invalidate(clientId);
    return { clientId, clientSecret };
  }

  /** A client that may sign members in: enabled, with redirect URIs; undefined otherwise. */
  async signInClient(clientId: string): Promise<OAuthClientRecord | undefined> {
    const client = await this.clientCache.get(clientId);
    return client && !client.disabled && client.redirectUris.length ? client : undefined;
  }

  /** Every public key tokens and consent receipts were ever signed with (receipts' verification keys). */
  everySigningKey(): { keys: JWK[] } {
    return this.ring.everyKey();
  }

  /** The key tokens, and ID tokens, are signed with now. */
  signingKey(): { kid: string; key: KeyObject } {
    return this.ring.currentSigner();
  }

  /** A new secret; the old one keeps working for `graceSeconds` (default 0: it stops at once). */
  async rotateSecret(clientId: string, options: { graceSeconds?: number } = {}): Promise<{ clientSecret: string }> {
    const grace = options.graceSeconds ?? 0;
    if (!Number.isInteger(grace) || grace < 0) throw new ValidationError('graceSeconds must be a whole number ≥ 0');
    const client = await this.clients.find(clientId);
    if (!client) throw new NotFoundError('OAuth client not found');
    if (client.authMethod === 'private_key_jwt') {
      throw new ValidationError('This client has no secret: it authenticates with private_key_jwt, signing with its own keys.');
    }
    const clientSecret = randomSecret('pdx_cs_');
    const previous = grace > 0 ? { hash: client.secretHash, expiresAt: this.deps.clock.now() + grace } : null;
    await this.clients.replaceSecret(clientId, sha256Hex(clientSecret), previous);
    this.clientCache.invalidate(clientId);
    return { clientSecret };
  }

  /** New token requests fail at once; outstanding tokens are refused by every process within a second. */
  async disableClient(clientId: string): Promise<void> {
    if (!(await this.clients.setDisabled(clientId, true))) throw new NotFoundError('OAuth client not found');
    this.clientCache.invalidate(clientId);
  }

  async getClient(clientId: string): Promise<OAuthClientInfo | undefined> {
    const client = await this.clients.find(clientId);
    return client && toInfo(client);
  }

  listClients(orgId?: number): Promise<OAuthClientInfo[]> {
    return this.clients.list(orgId);
  }

  // ---- token endpoint ------------------------------------------------------------------------

  authenticateClient(credentials: ClientCredentials, remoteAddress: string): Promise<OAuthClientRecord> {
    return this.authenticator.authenticate(credentials, remoteAddress);
  }

  /** RFC 6749 §4.4 for an authenticated client; `undefined` means the parameter was absent. */
  async grantClientCredentials(
    client: OAuthClientRecord,
    request: { grantType?: string; scope?: string; /** a DPoP-bound token for this key */ jkt?: string },
  ): Promise<IssuedToken> {
    if (request.grantType === undefined) throw invalidRequest('grant_type is required');
    if (request.grantType !== CLIENT_CREDENTIALS) {
      throw unsupportedGrantType();
    }
    if (!client.grantTypes.includes(CLIENT_CREDENTIALS)) {
      throw unauthorizedClient('this client may not use the client_credentials grant');
    }
    // Contract §2 (decided): no default scope; the caller is told what to ask for.
    if (request.scope === undefined) throw invalidScope(`scope is required: request ${PDX_SCOPE}`);
    const scopes = parseScope(request.scope);
    if (!scopes?.length) throw invalidScope('scope is malformed');
    // Contract §2: any scope outside the allow-list means no token, never a narrowed one (OA-12, OA-13).
    const refused = scopes.filter((s) => !client.scopes.includes(s));
    if (refused.length) throw invalidScope(`scope not allowed for this client: ${listed(refused, ' ')}`);
    const issued = await this.issuer.issue(client.clientId, scopes, request.jkt);
    this.deps.metrics.tokenIssued('client_credentials');
    return issued;
  }

  issueToken(clientId: string, scopes: readonly string[]): Promise<IssuedToken> {
    return this.issuer.issue(clientId, scopes);
  }

  // ---- resource server, introspection, revocation --------------------------------------------

  async verifyAccessToken(token: string): Promise<ClientPrincipal | undefined> {
    return (await this.verifier.verify(token))?.principal;
  }

  checkDpopProof(header: string | string[] | undefined, req: DpopRequest): Promise<DpopCheck> {
    return this.dpop.check(header, req);
  }

  dpopNonce(): string | undefined {
    return this.dpop.nonce();
  }

  async checkAccessToken(token: string): Promise<ClientPrincipal | { refused: TokenRefusal }> {
    const checked = await this.verifier.check(token);
    return 'refused' in checked ? checked : checked.principal;
  }

  /** RFC 7662: a client sees only its own live tokens; anything else is `{active:false}` (IN-05). */
  async introspect(token: string, callerClientId: string): Promise<IntrospectionResponse> {
    const verified = await this.verifier.verify(token);
    if (!verified || verified.principal.clientId !== callerClientId) return { active: false };
    const { principal, iat } = verified;
    const { issuer } = this.deps.config;
    return {
      active: true,
      scope: [...principal.scopes].join(' '),
      client_id: principal.clientId,
      sub: principal.clientId,
      aud: issuer,
      iss: issuer,
      exp: principal.exp,
      iat,
      jti: principal.jti,
      // RFC 9449 §6.2: a bound token's introspection names its key.
      ...(principal.jkt ? { token_type: 'DPoP', cnf: { jkt: principal.jkt } } : { token_type: 'bearer' }),
    };
  }

  /** RFC 7009 §2.2: unknown, foreign and dead tokens are ignored without telling the caller. */
  async revoke(token: string, callerClientId: string): Promise<void> {
    const verified = await this.verifier.verify(token);
    if (!verified || verified.principal.clientId !== callerClientId) return;
    await this.revocations.revoke(verified.principal.jti, verified.principal.exp);
    this.verifier.forget(token);
  }

  // ---- signing keys --------------------------------------------------------------------------

  rotateSigningKeys(): Promise<{ kid: string }> {
    return this.ring.rotate();
  }

  /** Reads the key table first, so every key any process may sign with is published before use. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.ring.refresh();
    return this.ring.jwks();
  }

  private async background(): Promise<void> {
    const n = ++this.ticks;
    try {
      await this.revocations.poll();
      if (n % KEY_REFRESH_EVERY === 0) await this.ring.refresh();
      if (n % PURGE_EVERY === 0) await Promise.all([this.revocations.purge(), this.spent.purge(this.deps.clock.now())]);
    } catch (err) {
      if (!this.deps.availability.failed(err, 'oauth')) this.deps.logger.warn({ err }, 'oauth background refresh failed');
    }
  }
}

const SIGN_IN_GRANTS = ['authorization_code', 'refresh_token'];
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Redirect URIs are matched exactly (RFC 9700 §4.1.3), so they are checked here once: absolute,
 * no fragment, and HTTPS, except plain HTTP to this machine (a developer's app) or in a sandbox.
 */
function checkRedirectUris(uris: readonly string[], env: 'sandbox' | 'live'): string[] {
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new ValidationError(`Redirect URI ${uri} is not an absolute URL.`);
    }
    if (uri.includes('#')) throw new ValidationError(`Redirect URI ${uri} must not have a fragment.`);
    const http = url.protocol === 'http:' && (env === 'sandbox' || LOOPBACK.has(url.hostname));
    if (url.protocol !== 'https:' && !http)
      throw new ValidationError(`Redirect URI ${uri} must use https (plain http only to localhost, or in a sandbox).`);
  }
  return [...new Set(uris)];
}

function checkTokens(what: string, values: readonly string[]): string[] {
  if (values.length === 0) throw new ValidationError(`at least one ${what} is required`);
  for (const v of values) {
    if (!isScopeToken(v)) throw new ValidationError(`invalid ${what}`, `${JSON.stringify(v)} is not an RFC 6749 §3.3 token`);
  }
  return [...new Set(values)];
}
