/**
 * Sign in with MydexID in Chromium (docs/oidc.md), through a relying party that makes exactly the
 * requests of Mydex's `oidc_rp.py` (Flask + requests): `/` redirects to `/oauth2/auth` with
 * response_type, client_id, redirect_uri, `scope=openid mydexid` and state (plus
 * `action=register` when asked); `/callback` checks state and exchanges the code at
 * `/oauth2/token` with HTTP Basic, form encoded; `/userinfo` shows the claims.
 */
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { axeViolations, closeServer, launchChromium, listenLocally } from './browser-harness.ts';

let browser: Browser;
let t: TestApp;
let op: string;
let rp: RelyingParty;
let member: Awaited<ReturnType<typeof createMember>>;

/** A free local port (the provider's issuer must be the address the browser uses). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The Python example's three routes, in Node. */
class RelyingParty {
  private state = '';
  private accessToken = '';
  url = '';
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  constructor(
    private readonly clientId: () => string,
    private readonly clientSecret: () => string,
  ) {}

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (url.pathname === '/' || url.pathname === '/register') {
      this.state = `s${Math.random().toString(36).slice(2)}`;
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: this.clientId(),
        redirect_uri: `${this.url}/callback`,
        scope: 'openid mydexid',
        state: this.state,
        ...(url.pathname === '/register' ? { action: 'register' } : {}),
      });
      res.writeHead(302, { location: `${op}/oauth2/auth?${params}` });
      return void res.end();
    }
    if (url.pathname === '/callback') {
      if (url.searchParams.get('state') !== this.state) return send(400, 'Invalid state');
      const code = url.searchParams.get('code');
      if (!code) return send(400, 'Missing code');
      const token = await fetch(`${op}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${this.clientId()}:${this.clientSecret()}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${this.url}/callback` }),
      });
      if (token.status !== 200) return send(500, `Token exchange failed: ${await token.text()}`);
      this.accessToken = ((await token.json()) as { access_token: string }).access_token;
      res.writeHead(302, { location: '/userinfo' });
      return void res.end();
    }
    if (url.pathname === '/userinfo') {
      const info = await fetch(`${op}/userinfo`, { headers: { authorization: `Bearer ${this.accessToken}` } });
      return send(info.status, await info.text(), 'application/json');
    }
    send(404, 'not found');
  }

  async start(): Promise<this> {
    this.url = await listenLocally(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

let client = { clientId: '', clientSecret: '' };

beforeAll(async () => {
  browser = await launchChromium();
  const port = await freePort();
  // localhost, not 127.0.0.1: Chromium treats it as secure, so the __Host- cookies work.
  op = `http://localhost:${port}`;
  t = await createTestApp({ env: { OPENPDX_PUBLIC_URL: op, OPENPDX_PORT: String(port) } });
  await t.app.listen({ port, host: '127.0.0.1' });
  rp = await new RelyingParty(
    () => client.clientId,
    () => client.clientSecret,
  ).start();
  const { orgId } = await t.ctx.connections.createOrganisation('Acme Health');
  client = await t.ctx.oauth.createClient({
    orgId,
    name: 'Acme Portal',
    scopes: ['openid', 'mydexid'],
    redirectUris: [`${rp.url}/callback`],
  });
  member = await createMember(t.ctx, 'chrome.oidc');
});
afterAll(async () => {
  await browser?.close();
  await rp?.stop();
  await t?.close();
});

async function consent(page: Page, checkAccessibility = false): Promise<void> {
  // The way there passes a page that moves on by itself ("Signing you in"): wait for the consent page.
  await page.getByRole('heading', { level: 1, name: 'Sign in to Acme Portal with your MydexID?' }).waitFor({ timeout: 10_000 });
  if (checkAccessibility) expect(await axeViolations(page, 'sign-in consent')).toEqual([]);
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function claimsShown(page: Page): Promise<Record<string, unknown>> {
  await page.waitForURL(`${rp.url}/userinfo`, { timeout: 10_000 });
  return JSON.parse((await page.locator('body').textContent()) ?? '{}') as Record<string, unknown>;
}

describe("Mydex's relying-party example in Chromium", () => {
  it('signs an existing member in through login and consent, and shows the userinfo claims', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(rp.url);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await axeViolations(page, 'sign-in: who is waiting')).toEqual([]);
    await page.getByLabel('MydexID').fill(member.mydexid);
    await page.getByLabel('Password', { exact: true }).fill(member.password);
    await page.getByRole('button', { name: /^Sign in/ }).click();
    await consent(page, true);
    const claims = await claimsShown(page);
    expect(claims).toMatchObject({
      mydexid: 'chrome.oidc',
      username: 'chrome.oidc',
      iss: op,
      aud: [client.clientId],
    });
    expect(claims.sub).toMatch(/^[0-9a-f]{64}$/);
    for (const time of ['auth_time', 'iat', 'rat']) expect(claims[time]).toEqual(expect.any(Number));
    // The member's list of apps.
    await page.goto(`${op}/me/apps`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await axeViolations(page, 'apps')).toEqual([]);
    // Signing out of the apps (the provider's RP-initiated logout): the question, then the answer.
    await page.goto(`${op}/oauth2/sessions/logout`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await axeViolations(page, 'sign out of apps')).toEqual([]);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { level: 1, name: 'You have signed out' }).waitFor();
    expect(await axeViolations(page, 'signed out of apps')).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows registration for action=register, and signs the new member in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${rp.url}/register`);
    await page.getByLabel('MydexID').fill('chrome.newbie');
    await page.getByLabel('Email address').fill('chrome.newbie@example.org');
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Private Key', { exact: true }).fill('a different private key');
    await page.getByLabel('Private Key again').fill('a different private key');
    await page.getByRole('button', { name: /Create/ }).click();
    await consent(page);
    expect(await claimsShown(page)).toMatchObject({ mydexid: 'chrome.newbie' });
    await context.close();
  });
});
