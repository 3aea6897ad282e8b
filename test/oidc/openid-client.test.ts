/**
 * Signing in with a certified relying-party library (openid-client): discovery, PKCE, nonce,
 * ID-token validation against the published keys, userinfo, refresh-token rotation and logout.
 * Its requests reach the app through `inject` (customFetch); the member's browser is FormClient.
 */
import * as oc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { injectFetch } from '../oauth/helpers.ts';
import { csrfFor, FormClient } from '../web/helpers.ts';
import { follow } from './browser-steps.ts';

const ISSUER = 'http://localhost:8080';
const REDIRECT = 'http://localhost:5555/callback';
let t: TestApp;
let config: oc.Configuration;
let member: Awaited<ReturnType<typeof createMember>>;

const fetchInApp = injectFetch(() => t.app);

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  const { orgId } = await t.ctx.connections.createOrganisation('Library Org');
  const client = await t.ctx.oauth.createClient({
    orgId,
    name: 'Library App',
    scopes: ['openid', 'mydexid', 'offline_access'],
    redirectUris: [REDIRECT],
  });
  member = await createMember(t.ctx, 'oidc.lib');
  config = await oc.discovery(new URL(ISSUER), client.clientId, undefined, oc.ClientSecretBasic(client.clientSecret), {
    execute: [oc.allowInsecureRequests],
    [oc.customFetch]: fetchInApp,
  });
  config[oc.customFetch] = fetchInApp;
});
afterAll(() => t.close());

/** The member signs in and consents in the web app; the URL the browser is sent back to. */
async function browserSignIn(browser: FormClient, authorizationUrl: URL): Promise<URL> {
  let step = await follow(browser, await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`), REDIRECT);
  if (step.leftTo) return step.leftTo;
  if (step.res.body.includes('action="/login"')) {
    const next = /name="next" value="([^"]+)"/.exec(step.res.body)![1]!;
    const csrf = csrfFor(step.res.body, '/login');
    step = await follow(
      browser,
      await browser.post('/login', { csrf, mydexid: member.mydexid, password: member.password, next }),
      REDIRECT,
    );
    if (step.leftTo) return step.leftTo;
  }
  const action = /<form method="post" action="([^"]+\/consent)"/.exec(step.res.body)![1]!;
  return (await follow(browser, await browser.post(action, { csrf: csrfFor(step.res.body, action) }), REDIRECT)).leftTo!;
}

/** An authorization request with PKCE (S256) and a fresh state, plus `extra` parameters. */
async function authorizationRequest(cfg: oc.Configuration, scope: string, extra: Record<string, string> = {}) {
  const verifier = oc.randomPKCECodeVerifier();
  const state = oc.randomState();
  const url = oc.buildAuthorizationUrl(cfg, {
    redirect_uri: REDIRECT,
    scope,
    code_challenge: await oc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { url, verifier, state };
}

describe('openid-client against OpenPDX', () => {
  it('discovers, signs in with PKCE and a nonce, validates the ID token, reads userinfo, refreshes and logs out', async () => {
    expect(config.serverMetadata().issuer).toBe(ISSUER);
    const nonce = oc.randomNonce();
    const { url, verifier, state } = await authorizationRequest(config, 'openid mydexid offline_access', {
      nonce,
      // OpenID Connect Core §11: a refresh token (offline_access) needs the consent prompt.
      prompt: 'consent',
    });
    const browser = new FormClient(t.app);
    const back = await browserSignIn(browser, url);

    // The library checks state, the code, PKCE, and the ID token (signature from the JWKS, iss, aud, nonce).
    const tokens = await oc.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toMatch(/^[0-9a-f]{64}$/);
    expect(claims.nonce).toBe(nonce);

    const info = await oc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, mydexid: 'oidc.lib', username: 'oidc.lib' });

    // Refresh tokens rotate: the new one works, the old one is refused.
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await oc.fetchUserInfo(config, refreshed.access_token, claims.sub)).sub).toBe(claims.sub);
    await expect(oc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // RP-initiated logout: the member confirms, and the provider's session is gone.
    const logout = oc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! });
    const page = await browser.get(`${logout.pathname}${logout.search}`);
    expect(page.statusCode).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)![1]!;
    const confirmed = await browser.post('/oauth2/sessions/logout/confirm', { xsrf, logout: 'yes' });
    expect(confirmed.statusCode).toBeGreaterThanOrEqual(300);
    expect(confirmed.statusCode).toBeLessThan(400);
    const quiet = oc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', prompt: 'none', state: 'q' });
    const after = await browser.get(`${quiet.pathname}${quiet.search}`);
    expect(new URL(String(after.headers.location)).searchParams.get('error')).toBe('login_required');
  });

  it('gives a client registered with --dpop DPoP-bound tokens at sign-in (RFC 9449), and refuses its code exchange without a proof', async () => {
    const { orgId } = await t.ctx.connections.createOrganisation('DPoP Org');
    const client = await t.ctx.oauth.createClient({
      orgId,
      name: 'DPoP App',
      scopes: ['openid', 'mydexid'],
      redirectUris: [REDIRECT],
      dpopBound: true,
    });
    const dpopConfig = await oc.discovery(
      new URL(ISSUER),
      client.clientId,
      undefined,
      oc.ClientSecretBasic(client.clientSecret!),
      {
        execute: [oc.allowInsecureRequests],
        [oc.customFetch]: fetchInApp,
      },
    );
    dpopConfig[oc.customFetch] = fetchInApp;
    const signIn = async () => {
      const { url, verifier, state } = await authorizationRequest(dpopConfig, 'openid mydexid');
      return {
        back: await browserSignIn(new FormClient(t.app), url),
        checks: { pkceCodeVerifier: verifier, expectedState: state },
      };
    };

    const bare = await signIn();
    await expect(oc.authorizationCodeGrant(dpopConfig, bare.back, bare.checks)).rejects.toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: expect.stringMatching(/only gets DPoP-bound tokens: send a DPoP proof/),
    });

    const DPoP = oc.getDPoPHandle(dpopConfig, await oc.randomDPoPKeyPair());
    const { back, checks } = await signIn();
    const tokens = await oc.authorizationCodeGrant(dpopConfig, back, checks, undefined, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    const sub = tokens.claims()!.sub;
    expect(await oc.fetchUserInfo(dpopConfig, tokens.access_token, sub, { DPoP })).toMatchObject({ sub, mydexid: 'oidc.lib' });
    // The token alone, as a bearer token, is not enough.
    const asBearer = await t.app.inject({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearer.statusCode).toBe(401);
  });
});
