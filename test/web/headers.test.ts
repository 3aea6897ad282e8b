/** BCP-05, SE-01, ASVS 3.4: the headers and cookies every member page sends. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { FormClient, squash } from './helpers.ts';

let t: TestApp;
let member: Awaited<ReturnType<typeof createMember>>;

beforeAll(async () => {
  t = await createTestApp();
  member = await createMember(t.ctx, 'headers1');
});
afterAll(() => t.close());

const CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

function expectPageHeaders(headers: Record<string, unknown>): void {
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['content-security-policy']).toBe(CSP);
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['access-control-allow-origin']).toBeUndefined();
}

describe('member page headers', () => {
  it.each([
    ['the login page', '/login'],
    ['the registration page', '/register'],
    ['a dashboard redirect', '/me'],
    ['an unknown one-time link', '/ftc/begin/40000/pdx_ln_nope/1'],
    ['a page that does not exist', '/me/no-such-page'],
  ])('sends CSP, no-store, no-referrer and nosniff on %s', async (_name, url) => {
    const res = await t.app.inject({ method: 'GET', url, headers: { origin: 'https://evil.example' } });
    expectPageHeaders(res.headers);
  });

  it("renders an error page no route answered in the app's layout, with its stylesheet, and escapes the address", async () => {
    const res = await t.app.inject({ method: 'GET', url: "/me/no-such-page/it's&more" });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const body = squash(res.body);
    const css = /<link rel="stylesheet" href="(\/assets\/openpdx\.css\?v=[0-9a-f]{12})"/.exec(body)?.[1];
    expect(css).toBeDefined();
    // The address the page links is the one the app serves (and caches as immutable).
    const sheet = await t.app.inject({ method: 'GET', url: css! });
    expect(sheet.statusCode).toBe(200);
    expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(body).toContain('<title>Not found – OpenPDX</title>');
    expect(body).toContain('<h1>Not found</h1>');
    expect(body).toContain('class="site-header"');
    expect(body).toContain('href="/me">Go to your Personal Data Store</a>');
    expect(body).toContain('Error 404.');
    // The address is data: escaped, never markup.
    expect(body).toContain('<p>No route for GET /me/no-such-page/it&#39;s&amp;more</p>');
  });

  it('sends them on signed-in pages and on the export download too', async () => {
    const c = new FormClient(t.app);
    await c.login(member.mydexid, member.password);
    expectPageHeaders((await c.get('/me')).headers);
    const res = await c.submit('/me/export', '/me/export', { private_key: member.privateKey });
    expect(res.statusCode).toBe(200);
    expectPageHeaders(res.headers);
  });

  it('answers a CORS preflight without allowing anything', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('sets __Host- cookies that are Secure, HttpOnly, SameSite=Lax, Path=/ and have no Domain', async () => {
    const c = new FormClient(t.app);
    const login = await c.get('/login');
    const res = await c.post('/login', {
      csrf: /name="csrf" value="([^"]+)"/.exec(squash(login.body))![1]!,
      mydexid: member.mydexid,
      password: member.password,
    });
    const cookies = [login.headers['set-cookie'], res.headers['set-cookie']].flat().map(String);
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['__Host-openpdx_csrf', '__Host-openpdx_session']);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; Path=\/(;|$)/);
      expect(cookie).toMatch(/; Secure(;|$)/);
      expect(cookie).toMatch(/; HttpOnly(;|$)/);
      expect(cookie).toMatch(/; SameSite=Lax(;|$)/);
      expect(cookie).not.toMatch(/domain=/i);
    }
  });

  it('serves the stylesheet as cacheable CSS, versioned in the page', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/login' });
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(squash(page.body))![1]!;
    expect(href).toMatch(/^\/assets\/openpdx\.css\?v=[0-9a-f]{12}$/);
    const css = await t.app.inject({ method: 'GET', url: href });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(squash(css.body)).toContain(squash('.skip-link'));
  });

  it('shows the sandbox banner, a skip link and lang="en" on every page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/login' });
    expect(squash(res.body)).toContain(squash('<html lang="en">'));
    expect(squash(res.body)).toContain(squash('<a class="skip-link" href="#main">'));
    expect(squash(res.body)).toContain(squash('Sandbox:</strong> no real data'));
    expect(squash(res.body)).toContain(squash('<meta name="viewport" content="width=device-width, initial-scale=1">'));
  });
});

describe('a live deployment', () => {
  it('has no sandbox banner and sends HSTS', async () => {
    const live = await createTestApp({
      env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pds.example.org' },
      startWorkers: false,
    });
    try {
      const res = await live.app.inject({ method: 'GET', url: '/login' });
      expect(squash(res.body)).not.toContain(squash('Sandbox'));
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await live.close();
    }
  });
});
