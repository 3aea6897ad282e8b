/**
 * Sign in with MydexID (docs/oidc.md): the requests Mydex's relying-party example makes
 * (idp-api/oidc/my-oidc-app/oidc_rp.py: the authorization redirect, the code exchange with HTTP
 * Basic at /oauth2/token, /userinfo), driven through the member web app's sign-in and consent.
 */
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createAppContext } from '../../src/app-context.ts';
import { buildApp } from '../../src/app.ts';
import { createMember } from '../fixtures.ts';
import { pgSchemaOf } from '../oauth/helpers.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { csrfFor, FormClient } from '../web/helpers.ts';
import { follow as followRes } from './browser-steps.ts';

const REDIRECT = 'https://rp.example.org/callback';
let t: TestApp;
let rp: { client_id: string; client_secret: string };
let member: Awaited<ReturnType<typeof createMember>>;

/** A client of a new organisation `org`, registered with REDIRECT. */
async function appOf(org: string, options: { name?: string; scopes?: string[]; publicClient?: boolean } = {}) {
  const { orgId } = await t.ctx.connections.createOrganisation(org);
  const { scopes = ['openid', 'mydexid'], ...rest } = options;
  return t.ctx.oauth.createClient({ orgId, scopes, redirectUris: [REDIRECT], ...rest });
}

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  const created = await appOf('Acme Health', { name: 'Acme Portal' });
  rp = { client_id: created.clientId, client_secret: created.clientSecret };
  member = await createMember(t.ctx, 'oidc.jo');
});
afterAll(() => t.close());

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function authorizeUrl(extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: rp.client_id,
    redirect_uri: REDIRECT,
    scope: 'openid mydexid',
    state: 'st4te',
    ...extra,
  });
  return `/oauth2/auth?${q}`;
}

/** GETs `location` and follows it until the browser leaves for the app or a page stays put. */
async function follow(browser: FormClient, location: string) {
  return followRes(browser, await browser.get(location), REDIRECT);
}

/** Follows the answer to a form post. */
const after = (browser: FormClient, res: Awaited<ReturnType<FormClient['post']>>) => followRes(browser, res, REDIRECT);

/** Posts the member's MydexID and password on the sign-in page `page` (which comes back to the sign-in). */
function signIn(browser: FormClient, page: string) {
  const next = /name="next" value="([^"]+)"/.exec(page)![1]!;
  return browser.post('/login', { csrf: csrfFor(page, '/login'), mydexid: member.mydexid, password: member.password, next });
}

/** Signs in through the web app and consents (when the member has not for this app yet); where the browser is sent back to. */
async function signInAndConsent(
  browser: FormClient,
  shown: { consent?: boolean } = {},
  authorize: Record<string, string> = {},
  app = { name: 'Acme Portal', organisation: 'Acme Health' },
): Promise<URL> {
  const first = await follow(browser, authorizeUrl(authorize));
  // Not signed in: the member web app's own sign-in page, coming back to the interaction.
  expect(first.res.statusCode).toBe(200);
  expect(first.res.body).toContain('name="next" value="/oauth2/interaction/');
  expect(first.res.body).toContain(`<strong>${app.name} (${app.organisation})</strong> is waiting for you. Sign in to continue.`);
  const login = await signIn(browser, first.res.body);
  expect(login.statusCode).toBe(303);
  const consent = await after(browser, login);
  shown.consent = !consent.leftTo;
  if (consent.leftTo) return consent.leftTo; // consent given before is remembered
  expect(consent.res.statusCode).toBe(200);
  expect(consent.res.body).toContain(app.name);
  expect(consent.res.body).toContain(app.organisation);
  expect(consent.res.body).toContain('your MydexID');
  const action = /<form method="post" action="([^"]+\/consent)"/.exec(consent.res.body)![1]!;
  const approved = await browser.post(action, { csrf: csrfFor(consent.res.body, action) });
  expect(approved.statusCode).toBe(200);
  const done = await after(browser, approved);
  expect(done.leftTo).toBeDefined();
  return done.leftTo!;
}

function exchange(code: string, auth = basic(rp.client_id, rp.client_secret)) {
  return t.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }).toString(),
  });
}

describe("Mydex's relying-party flow", () => {
  it('signs a member in through the web app, exchanges the code with HTTP Basic, and answers /userinfo', async () => {
    const browser = new FormClient(t.app);
    const back = await signInAndConsent(browser);
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const issued = async () =>
      /^openpdx_oauth_tokens_issued_total\{grant="authorization_code"\} (\d+)$/m.exec(
        (await t.app.inject({ method: 'GET', url: '/metrics' })).body,
      )?.[1] ?? '0';
    const before = Number(await issued());
    const token = await exchange(code);
    expect(token.statusCode, token.body).toBe(200);
    expect(Number(await issued())).toBe(before + 1); // counted in /metrics
    const tokens = token.json<{ access_token: string; id_token: string; token_type: string }>();
    expect(tokens.token_type).toBe('Bearer');
    expect(decodeProtectedHeader(tokens.id_token).alg).toBe('ES256');
    const idToken = decodeJwt(tokens.id_token);
    expect(idToken).toMatchObject({ iss: 'http://localhost:8080', aud: rp.client_id });
    // A pairwise subject: 64 hex characters, not the member's uid.
    expect(idToken.sub).toMatch(/^[0-9a-f]{64}$/);
    expect(idToken.amr).toEqual(['pwd']);

    const info = await t.app.inject({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(info.statusCode, info.body).toBe(200);
    // The claims Mydex's provider shows (its README's example).
    expect(info.json()).toEqual({
      sub: idToken.sub,
      mydexid: 'oidc.jo',
      username: 'oidc.jo',
      iss: 'http://localhost:8080',
      aud: [rp.client_id],
      iat: expect.any(Number),
      auth_time: idToken.auth_time,
      rat: expect.any(Number),
    });

    // The code is single use: a second exchange fails, and takes back what the first was given.
    const again = await exchange(code);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: 'invalid_grant' });
    const revoked = await t.app.inject({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(revoked.statusCode).toBe(401);
  });

  it('remembers consent across sign-ins, and a signed-in member goes straight back to the app', async () => {
    const newcomer = await createMember(t.ctx, 'oidc.sam');
    const sign = async () => {
      const shown: { consent?: boolean } = {};
      const browser = new FormClient(t.app);
      const m = member;
      member = newcomer;
      try {
        await signInAndConsent(browser, shown);
      } finally {
        member = m;
      }
      return { browser, consentShown: shown.consent };
    };
    expect((await sign()).consentShown).toBe(true);
    const { browser, consentShown } = await sign();
    expect(consentShown).toBe(false);
    const again = await follow(browser, authorizeUrl({ state: 'second' }));
    expect(again.leftTo?.searchParams.get('state')).toBe('second');
    expect(again.leftTo?.searchParams.get('code')).toBeTruthy();
  });

  it('refuses a redirect_uri that is not registered exactly, on a page rather than a redirect', async () => {
    const res = await new FormClient(t.app).get(authorizeUrl({ redirect_uri: `${REDIRECT}/other` }));
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('redirect_uri');
  });

  it('refuses the code to a wrong secret, and to a client-credentials-only client', async () => {
    const browser = new FormClient(t.app);
    const code = (await signInAndConsent(browser)).searchParams.get('code')!;
    expect((await exchange(code, basic(rp.client_id, 'wrong'))).statusCode).toBe(401);
    const { orgId } = await t.ctx.connections.createOrganisation('Other Org');
    const cc = await t.ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'] });
    const other = await exchange(code, basic(cc.clientId, cc.clientSecret));
    expect(other.statusCode).toBe(400);
    expect(other.json()).toMatchObject({ error: 'unauthorized_client' });
  });

  it('publishes discovery with the endpoints Mydex names, and keys that verify the ID token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    expect(res.statusCode).toBe(200);
    const meta = res.json<Record<string, unknown>>();
    expect(meta).toMatchObject({
      issuer: 'http://localhost:8080',
      authorization_endpoint: 'http://localhost:8080/oauth2/auth',
      token_endpoint: 'http://localhost:8080/oauth2/token',
      userinfo_endpoint: 'http://localhost:8080/userinfo',
      jwks_uri: 'http://localhost:8080/.well-known/jwks.json',
      subject_types_supported: ['pairwise'],
    });
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: { kid: string }[] }>();
    expect(jwks.keys.map((k) => k.kid)).toContain(t.ctx.oauth.signingKey().kid);
  });

  it('shows registration for action=register: a new MydexID and PDS, then consent, then the code', async () => {
    const browser = new FormClient(t.app);
    const first = await follow(browser, authorizeUrl({ action: 'register', state: 'reg' }));
    expect(first.res.statusCode).toBe(200);
    expect(first.res.body).toContain('action="/register"');
    const next = /name="next" value="([^"]+)"/.exec(first.res.body)![1]!;
    const registered = await browser.post('/register', {
      csrf: csrfFor(first.res.body, '/register'),
      mydexid: 'oidc.newbie',
      email: 'newbie@example.org',
      password: 'a long enough password',
      private_key: 'a different private key',
      private_key_confirm: 'a different private key',
      next,
    });
    expect(registered.statusCode, registered.body.slice(0, 300)).toBe(303);
    const consent = await after(browser, registered);
    const action = /<form method="post" action="([^"]+\/consent)"/.exec(consent.res.body)![1]!;
    const done = await after(browser, await browser.post(action, { csrf: csrfFor(consent.res.body, action) }));
    expect(done.leftTo?.searchParams.get('state')).toBe('reg');
    expect(await t.ctx.members.accounts.getMember({ mydexid: 'oidc.newbie' })).toBeDefined();
  });

  it('makes a signed-in member sign in again for prompt=login and for a max_age their sign-in is older than', async () => {
    const browser = new FormClient(t.app);
    await signInAndConsent(browser);
    // Signed in (web session and provider session): no sign-in page…
    expect((await follow(browser, authorizeUrl({ state: 'plain' }))).leftTo).toBeDefined();
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const asked = await follow(browser, authorizeUrl({ state: 'again', ...extra }));
      // …unless the app asks for a fresh one: the sign-in page again, and back to the app after it.
      expect(asked.leftTo, JSON.stringify(extra)).toBeUndefined();
      expect(asked.res.body).toContain('action="/login"');
      const done = await after(browser, await signIn(browser, asked.res.body));
      expect(done.leftTo?.searchParams.get('state')).toBe('again');
    }
  });

  it('answers prompt=none without a session with login_required at the redirect URI', async () => {
    const res = await new FormClient(t.app).get(authorizeUrl({ prompt: 'none', state: 'quiet' }));
    const back = new URL(String(res.headers.location));
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe('login_required');
    expect(back.searchParams.get('state')).toBe('quiet');
  });

  it('sends access_denied back when the member cancels', async () => {
    const c = await appOf('Cancel Org', { name: 'Cancel App', scopes: ['openid'] });
    const browser = new FormClient(t.app);
    const signedIn = await signInAndConsent(browser);
    expect(signedIn.searchParams.get('code')).toBeTruthy();
    const ask = await follow(browser, authorizeUrl({ client_id: c.clientId, scope: 'openid', state: 'cancel' }));
    const action = /<form method="post" action="([^"]+\/deny)"/.exec(ask.res.body)![1]!;
    const done = await after(browser, await browser.post(action, { csrf: csrfFor(ask.res.body, action) }));
    expect(done.leftTo?.searchParams.get('error')).toBe('access_denied');
  });

  it('refuses a client whose scopes do not include openid', async () => {
    const c = await appOf('No OpenID Org', { scopes: ['mydex:pdx'] });
    const res = await new FormClient(t.app).get(authorizeUrl({ client_id: c.clientId }));
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
  });

  it('makes a public client use PKCE (S256), and exchanges its code with the verifier and client_id alone', async () => {
    const app = await appOf('Public Org', { name: 'Phone App', publicClient: true });
    const browser = new FormClient(t.app);
    const without = await browser.get(authorizeUrl({ client_id: app.clientId }));
    expect(new URL(String(without.headers.location)).searchParams.get('error')).toBe('invalid_request');

    const verifier = 'a-pkce-verifier-that-is-long-enough-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const back = await signInAndConsent(
      browser,
      {},
      { client_id: app.clientId, code_challenge: challenge, code_challenge_method: 'S256' },
      { name: 'Phone App', organisation: 'Public Org' },
    );
    const code = back.searchParams.get('code')!;
    const exchangeWith = (codeVerifier: string) =>
      t.app.inject({
        method: 'POST',
        url: '/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          client_id: app.clientId,
          code_verifier: codeVerifier,
        }).toString(),
      });
    const wrong = await exchangeWith('another-verifier-that-is-long-enough-0123456789');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant' });
    const right = await exchangeWith(verifier);
    expect(right.statusCode, right.body).toBe(200);
    expect(right.json()).toHaveProperty('id_token');
  });

  it('lists the apps a member signs in to at /me/apps, and removing one revokes its tokens and asks consent again', async () => {
    const sam = await createMember(t.ctx, 'oidc.apps');
    const m = member;
    member = sam;
    try {
      const browser = new FormClient(t.app);
      const code = (await signInAndConsent(browser)).searchParams.get('code')!;
      const { access_token } = (await exchange(code)).json<{ access_token: string }>();
      const userinfo = () =>
        t.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${access_token}` } });
      expect((await userinfo()).statusCode).toBe(200);

      const page = await browser.get('/me/apps');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Acme Portal');
      expect(page.body).toContain('Acme Health');
      const grant = /name="grant" value="([^"]+)"/.exec(page.body)![1]!;
      // Someone else's grant, or nonsense, is not there to remove.
      const other = await browser.post('/me/apps/remove', { csrf: csrfFor(page.body, '/me/apps/remove'), grant: 'not-a-grant' });
      expect(other.headers.location).toBe('/me/apps');
      const removed = await browser.post('/me/apps/remove', { csrf: csrfFor(page.body, '/me/apps/remove'), grant });
      expect(removed.headers.location).toBe('/me/apps?done=app-removed');
      expect((await browser.get('/me/apps')).body).not.toContain('Acme Portal');
      expect((await userinfo()).statusCode).toBe(401);

      const shown: { consent?: boolean } = {};
      await signInAndConsent(new FormClient(t.app), shown);
      expect(shown.consent).toBe(true);
    } finally {
      member = m;
    }
  });

  it('serves one sign-in across two processes on the same database', async () => {
    const pgSchema = await pgSchemaOf(t.ctx);
    const other = await createAppContext(t.ctx.config, {
      logger: pino({ level: 'silent' }),
      migrate: false,
      startWorkers: false,
      ...(pgSchema ? { databaseOptions: { pgSchema } } : {}),
    });
    const otherApp = await buildApp(other);
    try {
      // The browser starts on the first process and signs in there…
      const a = new FormClient(t.app);
      const first = await follow(a, authorizeUrl({ state: 'two' }));
      const next = /name="next" value="([^"]+)"/.exec(first.res.body)![1]!;
      const login = await a.post('/login', {
        csrf: csrfFor(first.res.body, '/login'),
        mydexid: member.mydexid,
        password: member.password,
        next,
      });
      // …and the load balancer sends the rest to the second.
      const b = new FormClient(otherApp);
      for (const [name, value] of a.cookies) b.cookies.set(name, value);
      const done = await followRes(b, login, REDIRECT);
      expect(done.leftTo?.searchParams.get('state')).toBe('two');
      const token = await exchange(done.leftTo!.searchParams.get('code')!);
      expect(token.statusCode, token.body).toBe(200);
      const info = await otherApp.inject({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `Bearer ${token.json<{ access_token: string }>().access_token}` },
      });
      expect(info.json()).toMatchObject({ mydexid: member.mydexid });
    } finally {
      await otherApp.close();
      await other.close();
    }
  });

  it('refuses an expired code', async () => {
    const code = (await signInAndConsent(new FormClient(t.app))).searchParams.get('code')!;
    // Expire it where it is stored (the provider gives codes 60 s).
    await t.ctx.db
      .updateTable('oidc_records')
      .set({ expires_at: Math.floor(Date.now() / 1000) - 1 })
      .where('model', '=', 'AuthorizationCode')
      .execute();
    const res = await exchange(code);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('sweeps expired artifacts away', async () => {
    const victim = await t.ctx.db
      .selectFrom('oidc_records')
      .select('id_hash')
      .where('model', '!=', 'Secret')
      .executeTakeFirstOrThrow();
    await t.ctx.db.updateTable('oidc_records').set({ expires_at: 1 }).where('id_hash', '=', victim.id_hash).execute();
    expect(await t.ctx.oidc.sweep()).toBeGreaterThanOrEqual(1);
    const left = await t.ctx.db.selectFrom('oidc_records').select('id_hash').where('id_hash', '=', victim.id_hash).execute();
    expect(left).toEqual([]);
    // Unexpired ones, and the server secrets (no expiry), stay.
    expect((await t.ctx.db.selectFrom('oidc_records').select('id_hash').execute()).length).toBeGreaterThan(0);
    expect(await t.ctx.db.selectFrom('oidc_records').select('id_hash').where('model', '=', 'Secret').execute()).toHaveLength(2);
  });

  it('keeps every artifact hashed and sealed, and deletes a member’s with the member', async () => {
    const rows = await t.ctx.db.selectFrom('oidc_records').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.id_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.payload).not.toContain('accountId');
      expect(row.payload).not.toContain('oidc.jo');
    }
    const uid = member.uid;
    expect(rows.some((r) => r.uid === uid)).toBe(true);
    await t.ctx.accounts.deleteMember(uid, member.password);
    const left = await t.ctx.db.selectFrom('oidc_records').select('uid').where('uid', '=', uid).execute();
    expect(left).toEqual([]);
  });
});
