/**
 * Sign in, sign out, registration, lock-out, CSRF (SE-05), open redirects (BCP-05) and bearer
 * tokens on member pages (AZ-06/BCP-03), over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { csrfFor, FormClient, signInFrom, squash } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t);
});
afterAll(() => t.close());

describe('sign in and out', () => {
  it('signs in, lands on /me, and gives a new session id at every login (SE-02)', async () => {
    const m = await createMember(t.ctx, 'login1');
    const c = new FormClient(t.app);
    const page = await c.get('/login');
    const res = await c.post('/login', { csrf: csrfFor(page.body, '/login'), mydexid: m.mydexid, password: m.password });
    expect(res.headers.location).toBe('/me');
    const first = c.cookies.get('__Host-openpdx_session')!;
    expect((await c.get('/me')).statusCode).toBe(200);
    // Signing in again from a form opened earlier (another tab) replaces the session.
    await c.post('/login', { csrf: csrfFor(page.body, '/login'), mydexid: m.mydexid, password: m.password });
    const second = c.cookies.get('__Host-openpdx_session')!;
    expect(second).not.toBe(first);
    const stale = await t.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-openpdx_session=${first}` } });
    expect(stale.statusCode).toBe(303);
  });

  it('ends the server-side session at sign out, so the old cookie no longer works (SE-04)', async () => {
    const m = await createMember(t.ctx, 'logout1');
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const cookie = `__Host-openpdx_session=${c.cookies.get('__Host-openpdx_session')}`;
    const res = await c.submit('/me', '/logout', {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?done=signed-out');
    const replay = await t.app.inject({ method: 'GET', url: '/me', headers: { cookie } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/login?next=/me&done=session-ended');
    const login = await t.app.inject({ method: 'GET', url: String(replay.headers.location) });
    expect(squash(login.body)).toContain(squash('Your session ended. Sign in again to continue.'));
  });

  it('says the same thing for a wrong password and an unknown MydexID', async () => {
    const m = await createMember(t.ctx, 'login2');
    const c = new FormClient(t.app);
    const wrong = await c.submit('/login', '/login', { mydexid: m.mydexid, password: 'not-the-password' });
    const unknown = await c.submit('/login', '/login', { mydexid: 'nobody-here', password: 'not-the-password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const message = (body: string) => /<h2 id="error-summary-title"[^>]*>[^<]*<\/h2>\s*<p>([^<]*)<\/p>/.exec(squash(body))![1];
    expect(message(wrong.body)).toBe('The MydexID or password is not correct.');
    expect(message(unknown.body)).toBe(message(wrong.body));
  });

  it('locks a MydexID for 15 minutes after 5 wrong passwords, even against the right one', async () => {
    const m = await createMember(t.ctx, 'login3');
    const c = new FormClient(t.app);
    for (let i = 0; i < 4; i++) {
      expect((await c.submit('/login', '/login', { mydexid: m.mydexid, password: `wrong-${i}-password` })).statusCode).toBe(401);
    }
    const fifth = await c.submit('/login', '/login', { mydexid: m.mydexid, password: 'wrong-5-password' });
    expect(fifth.statusCode).toBe(429);
    expect(squash(fifth.body)).toContain(squash('Too many attempts'));
    const right = await c.submit('/login', '/login', { mydexid: m.mydexid, password: m.password });
    expect(right.statusCode).toBe(429);
    expect(c.cookies.has('__Host-openpdx_session')).toBe(false);
  });

  it('locks an unknown MydexID exactly the same way (no enumeration)', async () => {
    const c = new FormClient(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await c.submit('/login', '/login', { mydexid: 'ghost-member', password: 'whatever-pw' })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('locks an address after 20 wrong passwords across MydexIDs', async () => {
    const m = await createMember(t.ctx, 'login4');
    const from = (remoteAddress: string) => ({
      attempt: (mydexid: string, password: string) => signInFrom(t.app, mydexid, password, remoteAddress),
    });
    const attacker = from('203.0.113.7');
    for (let i = 0; i < 20; i++) expect([401, 429]).toContain((await attacker.attempt(`spray${i}`, 'password1')).statusCode);
    expect((await attacker.attempt(m.mydexid, m.password)).statusCode).toBe(429);
    expect((await from('203.0.113.8').attempt(m.mydexid, m.password)).statusCode).toBe(303);
  });
});

describe('next= after sign in', () => {
  it('goes to a same-site member path', async () => {
    const m = await createMember(t.ctx, 'next1');
    const c = new FormClient(t.app);
    const page = await c.get('/login?next=/me/activity');
    const res = await c.post('/login', {
      csrf: csrfFor(page.body, '/login'),
      mydexid: m.mydexid,
      password: m.password,
      next: '/me/activity',
    });
    expect(res.headers.location).toBe('/me/activity');
  });

  it.each(['https://evil.example/', '//evil.example/me', '/\\evil.example', '/oauth2/token', 'javascript:alert(1)'])(
    'refuses %s and goes to /me instead',
    async (next) => {
      const m = await createMember(t.ctx);
      const c = new FormClient(t.app);
      const page = await c.get(`/login?next=${encodeURIComponent(next)}`);
      expect(squash(page.body)).not.toContain(squash('evil.example'));
      const res = await c.post('/login', { csrf: csrfFor(page.body, '/login'), mydexid: m.mydexid, password: m.password, next });
      expect(res.headers.location).toBe('/me');
    },
  );
});

describe('anti-CSRF (SE-05)', () => {
  it('refuses a sign in without the pre-login cookie or with a token for another form', async () => {
    const m = await createMember(t.ctx, 'csrf1');
    const c = new FormClient(t.app);
    const page = await c.get('/login');
    const noToken = await c.post('/login', { mydexid: m.mydexid, password: m.password });
    expect(noToken.statusCode).toBe(403);
    const registerToken = csrfFor((await c.get('/register')).body, '/register');
    expect((await c.post('/login', { csrf: registerToken, mydexid: m.mydexid, password: m.password })).statusCode).toBe(403);
    const stranger = new FormClient(t.app);
    expect(
      (await stranger.post('/login', { csrf: csrfFor(page.body, '/login'), mydexid: m.mydexid, password: m.password }))
        .statusCode,
    ).toBe(403);
  });

  it('refuses a dashboard POST without the session token, or sent from another site, and changes nothing', async () => {
    const m = await createMember(t.ctx, 'csrf2');
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const fields = { password: m.password, confirm_mydexid: m.mydexid };
    expect((await c.post('/me/delete', fields)).statusCode).toBe(403);
    const token = csrfFor((await c.get('/me/delete')).body, '/me/delete');
    expect((await c.post('/me/delete', { ...fields, csrf: token }, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    const preLogin = csrfFor((await new FormClient(t.app).get('/login')).body, '/login');
    expect((await c.post('/me/delete', { ...fields, csrf: preLogin })).statusCode).toBe(403);
    expect(await t.ctx.members.accounts.getMember({ uid: m.uid })).toBeDefined();
  });
});

describe('bearer tokens on member pages (AZ-06, BCP-03)', () => {
  it('sends a request with only a subscriber bearer token to the login page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${sub.accessToken}` } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/me');
  });

  it.each(['/me/export', '/me/delete', '/me/connections/40000/revoke', '/me/data'])('refuses POST %s with 401', async (url) => {
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${sub.accessToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'private_key=x&password=x',
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});

describe('registration at /register', () => {
  it('creates the member, signs them in and goes to next', async () => {
    const c = new FormClient(t.app);
    const page = await c.get('/register?next=/me/data');
    const res = await c.post('/register', {
      csrf: csrfFor(page.body, '/register'),
      next: '/me/data',
      mydexid: 'newbie1',
      email: 'newbie1@example.org',
      password: 'a long password',
      private_key: 'a different private key',
      private_key_confirm: 'a different private key',
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/me/data');
    expect((await c.get('/me')).body).toContain('newbie1@example.org');
  });

  it('shows every problem next to its field, linked from the summary', async () => {
    await createMember(t.ctx, 'taken1');
    const c = new FormClient(t.app);
    const res = await c.submit('/register', '/register', {
      mydexid: '12345',
      email: 'not-an-email',
      password: 'short',
      private_key: 'samesame1',
      private_key_confirm: 'samesame2',
    });
    expect(res.statusCode).toBe(400);
    expect(squash(res.body)).toContain(squash('<title>Error: Create your Personal Data Store – OpenPDX</title>'));
    for (const field of ['mydexid', 'email', 'password', 'private_key_confirm']) {
      expect(squash(res.body)).toContain(squash(`<a href="#f-${field}">`));
      expect(squash(res.body)).toMatch(
        new RegExp(`id="f-${field}" name="${field}" aria-describedby="[^"]*f-${field}-error" aria-invalid="true"`),
      );
    }
    expect(squash(res.body)).toContain(squash('MydexID must not be all digits.'));
    const taken = await c.submit('/register', '/register', {
      mydexid: 'taken1',
      email: 'someone-else@example.org',
      password: 'a long password',
      private_key: 'another private key',
      private_key_confirm: 'another private key',
    });
    expect(taken.statusCode).toBe(409);
    expect(squash(taken.body)).toContain(squash('MydexID already in use.'));
  });

  it('refuses a Private Key equal to the password (SE-08)', async () => {
    const c = new FormClient(t.app);
    const res = await c.submit('/register', '/register', {
      mydexid: 'samekey1',
      email: 'samekey1@example.org',
      password: 'one secret value',
      private_key: 'one secret value',
      private_key_confirm: 'one secret value',
    });
    expect(res.statusCode).toBe(400);
    expect(squash(res.body)).toContain(squash('Private Key must not be the same as the password.'));
  });
});
