/**
 * Sign in with MydexID (docs/oidc.md): OpenPDX's OpenID Connect provider is node-oidc-provider
 * (OpenID Certified), configured here; it keeps its state in the OpenPDX database (OidcRecordAdapter),
 * signs ID tokens with OpenPDX's signing keys, and hands login and consent to the member web app
 * (`/oauth2/interaction/:uid`). The protocol (authorization codes, PKCE, ID tokens, refresh
 * rotation, logout) is the library's; what is OpenPDX's is who the member is and what they agree to.
 *
 * Endpoints as Mydex's provider has them: `/oauth2/auth`, `/oauth2/token` (shared with the client
 * credentials grant, oauth/oauth-routes.ts), `/userinfo`, `/oauth2/sessions/logout`, discovery at
 * `/.well-known/openid-configuration`, keys at `/.well-known/jwks.json`.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import Provider, {
  type Account,
  type ClientMetadata,
  type Configuration,
  type ErrorOut,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { MasterKeyRing } from '../crypto/master-key.ts';
import { OidcRecordAdapter } from './oidc-adapter.ts';
import type { OidcStore } from './oidc-store.ts';

/** The OpenID Connect scopes and the claims each releases (Mydex's: `mydexid` names the member). */
export const OIDC_SCOPES = ['openid', 'mydexid', 'offline_access'] as const;
/**
 * Besides `sub`, /userinfo answers as Mydex's does: `iss`, `aud` (a list), `iat`, `auth_time` and
 * `rat` (when the sign-in was granted: the code's, or the refresh token's, time); the provider sets
 * the first four itself in ID tokens.
 */
const USERINFO_CONTEXT = ['iss', 'aud', 'iat', 'auth_time', 'rat'];
const CLAIMS = { openid: ['sub', 'amr', ...USERINFO_CONTEXT], mydexid: ['mydexid', 'username'] };

export const INTERACTION_PATH = '/oauth2/interaction';

/** How long each artifact lives, in seconds. */
const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 3600,
  Grant: 14 * 24 * 3600,
  RefreshToken: 14 * 24 * 3600,
  Session: 14 * 24 * 3600,
};

/** A client that may sign members in, as OpenPDX stores it (oauth/client-store.ts). */
export interface SignInClient {
  clientId: string;
  /** the client's name, as its organisation gave it */
  name: string;
  /** the name of the organisation the client belongs to */
  organisation: string;
  redirectUris: string[];
  scopes: string[];
  publicClient: boolean;
  /** registered with --dpop: every token it gets is DPoP-bound (RFC 9449), at sign-in too */
  dpopBound: boolean;
}

export interface OidcProviderOptions {
  issuer: string;
  store: OidcStore;
  masterKeys: MasterKeyRing;
  /** the key ID tokens are signed with (the OAuth server's current signing key) */
  signingKey: { kid: string; key: KeyObject };
  /** a client that may sign members in, or undefined */
  client(clientId: string): Promise<SignInClient | undefined>;
  /** the MydexID of the member `uid`, or undefined when there is no such member */
  mydexid(uid: number): Promise<string | undefined>;
  /** secret input for the cookie keys and the pairwise subject identifiers */
  secret: (purpose: string) => Buffer;
  /** the grant the member `accountId` already gave `clientId`, to be asked again only for what is new */
  rememberedGrant(accountId: string, clientId: string): Promise<string | undefined>;
  /** the member web app's error page (a browser sees the authorization endpoint's errors) */
  errorPage: (status: number, message: string, detail: string | undefined) => string;
  /** the logout confirmation around the provider's `form`, and the page after it, in the member app's look */
  logoutPages: { confirm(form: string): string; done(): string };
}

/**
 * The client as the provider sees it. Confidential clients are authenticated by OpenPDX itself at
 * the token endpoint (their secrets are stored hashed, which the provider cannot check), so the
 * provider sees every client as `none` and the route forwards only authenticated requests
 * (oidc-routes.ts). PKCE is then OpenPDX's rule: required of public clients, optional for others.
 */
function clientMetadata(c: SignInClient): ClientMetadata {
  return {
    client_id: c.clientId,
    token_endpoint_auth_method: 'none',
    redirect_uris: c.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'ES256',
    scope: c.scopes.filter((s) => (OIDC_SCOPES as readonly string[]).includes(s)).join(' '),
    'openpdx:public': c.publicClient,
    // RFC 9449 §5.2: the provider then refuses this client's token requests without a DPoP proof.
    dpop_bound_access_tokens: c.dpopBound,
  };
}

export function createOidcProvider(o: OidcProviderOptions): Provider {
  const pairwiseKey = o.secret('oidc pairwise subject');
  const privateJwk = { ...o.signingKey.key.export({ format: 'jwk' }), kid: o.signingKey.kid, alg: 'ES256', use: 'sig' };

  const configuration: Configuration = {
    adapter: (model: string) =>
      model === 'Client' ? new ClientAdapter(o.client) : new OidcRecordAdapter(model, o.store, o.masterKeys),
    jwks: { keys: [privateJwk] },
    cookies: { keys: [o.secret('oidc cookies').toString('base64url')] },
    routes: {
      authorization: '/oauth2/auth',
      token: '/oauth2/token',
      userinfo: '/userinfo',
      jwks: '/.well-known/jwks.json',
      end_session: '/oauth2/sessions/logout',
    },
    scopes: [...OIDC_SCOPES],
    claims: CLAIMS,
    extraClientMetadata: { properties: ['openpdx:public'] },
    // `action=register` asks the member web app for registration instead of sign-in (Mydex's RP).
    extraParams: ['action'],
    pkce: {
      methods: ['S256'],
      required: (_ctx, client) => client['openpdx:public'] === true,
    },
    subjectTypes: ['pairwise'],
    // A per-client opaque `sub`, as Mydex's: no two clients can correlate a member by it.
    pairwiseIdentifier: (_ctx, accountId, client) =>
      createHmac('sha256', pairwiseKey).update(`${client.clientId}:${accountId}`).digest('hex'),
    findAccount: async (_ctx, sub, token): Promise<Account | undefined> => {
      const uid = Number(sub);
      const mydexid = Number.isSafeInteger(uid) ? await o.mydexid(uid) : undefined;
      if (mydexid === undefined) return undefined;
      return {
        accountId: sub,
        claims: (use) => ({
          sub,
          mydexid,
          username: mydexid,
          ...(use === 'userinfo' && token && userinfoContext(o.issuer, token)),
        }),
      };
    },
    // When the member signed in and when the sign-in was asked for travel with the tokens, for /userinfo.
    extraTokenClaims: (ctx) => {
      const code = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      return code ? { auth_time: code.authTime, rat: code.iat } : undefined;
    },
    // Consent is remembered per member, app and scope, across sign-ins (not only within one session).
    loadExistingGrant: async (ctx) => {
      const { session, client, result } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const grantId =
        (result?.consent as { grantId?: string } | undefined)?.grantId ??
        session.grantIdFor(client.clientId) ??
        (await o.rememberedGrant(session.accountId, client.clientId));
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // DPoP-bound tokens for the clients that send a proof, and always for clients registered with
      // --dpop (dpop_bound_access_tokens); userinfo then wants a proof of the same key.
      dPoP: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'text/html; charset=utf-8';
          ctx.body = o.logoutPages.confirm(form);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'text/html; charset=utf-8';
          ctx.body = o.logoutPages.done();
        },
      },
      revocation: { enabled: false },
      introspection: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    // The code flow only (no implicit or hybrid responses: tokens never travel in a URL).
    responseTypes: ['code'],
    // What the token endpoint accepts: OpenPDX checks the secret methods itself (oidc-routes.ts).
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    rotateRefreshToken: true,
    ttl: TTL,
    // Errors a browser sees (a bad redirect_uri or client: nowhere safe to send them back to).
    renderError: (ctx: KoaContextWithOIDC, out: ErrorOut) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = o.errorPage(ctx.status, 'This sign-in request cannot be completed', out.error_description ?? out.error);
    },
  };
  return new Provider(o.issuer, configuration);
}

/** The /userinfo claims about the sign-in itself, from the access token. */
function userinfoContext(issuer: string, token: NonNullable<Parameters<Configuration['findAccount'] & {}>[2]>) {
  const extra = ('extra' in token ? token.extra : undefined) as { auth_time?: number; rat?: number } | undefined;
  return {
    iss: issuer,
    aud: [token.clientId],
    iat: Math.floor(Date.now() / 1000),
    ...(extra?.auth_time !== undefined ? { auth_time: extra.auth_time } : {}),
    ...(extra?.rat !== undefined ? { rat: extra.rat } : {}),
  };
}

/** The provider's Client model: read from OpenPDX's clients, never written by the provider. */
class ClientAdapter {
  constructor(private readonly client: OidcProviderOptions['client']) {}
  async find(id: string): Promise<ClientMetadata | undefined> {
    const c = await this.client(id);
    return c && c.redirectUris.length && c.scopes.includes('openid') ? clientMetadata(c) : undefined;
  }
  async upsert(): Promise<void> {
    throw new Error('OpenPDX clients are registered with `openpdx admin client create`, not by the provider');
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}
