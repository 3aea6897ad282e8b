/**
 * Issue 3's acceptance path, end to end: Mydex's Scenario 1, 2 and 3 scripts (base URLs changed)
 * get one-time links; a member completes them in Chromium; the subscriber's callback receives
 * uid, mydexid, key, connection_id and the field permissions; the subscriber reads and writes the
 * member's data with them; the member sees those accesses in the dashboard and revokes them.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import qs from 'qs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { launchChromium, startApp, type BrowserApp } from '../browser/browser-harness.ts';
import { tokenFor } from '../fixtures.ts';

const run = promisify(execFile);

interface Delivery {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** The subscriber's own site: receives callbacks and is where members return to. */
class SubscriberSite {
  readonly deliveries: Delivery[] = [];
  url = '';
  private readonly server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.url === '/callback') {
        const body = String(req.headers['content-type']).includes('json')
          ? JSON.parse(raw)
          : qs.parse(raw, { parseArrays: false, depth: 10 });
        this.deliveries.push({ method: req.method ?? '', headers: req.headers, body });
        res.writeHead(200).end('ok');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Back</title><h1>Back at the subscriber</h1>');
    });
  });
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
  async next(method: string, since: number): Promise<Delivery> {
    for (let i = 0; i < 200; i++) {
      const d = this.deliveries.slice(since).find((x) => x.method === method && x.body.type === undefined);
      if (d) return d;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${method} callback arrived`);
  }
}

let app: BrowserApp;
let browser: Browser;
let page: Page;
const site = new SubscriberSite();
let nid: number;
let connectionToken: string;
let clientId: string;
let clientSecret: string;

async function scenario(name: 'registration' | 'ftc' | 'update', env: Record<string, string>): Promise<string> {
  const { stdout } = await run('python3', [join(import.meta.dirname, '..', 'compat', 'mydex_scenarios.py'), name], {
    env: {
      PATH: process.env.PATH,
      PDX_API: app.base,
      PDX_OP: app.base,
      CONNECTION_NID: String(nid),
      CONNECTION_TOKEN: connectionToken,
      CLIENT_ID: clientId,
      CLIENT_SECRET: clientSecret,
      RETURN_TO: `${site.url}/back`,
      ...env,
    },
  });
  return (JSON.parse(stdout) as { url: string }).url;
}

/** The link as the member's browser opens it (localhost, for the __Host- cookies). */
const inBrowser = (url: string) => app.base + new URL(url).pathname;

async function dataCall(method: string, uid: string, key: string, conId: string, payload?: object) {
  const token = await tokenFor(app.t, clientId, clientSecret);
  const url =
    method === 'GET'
      ? `/api/pds/pds/${uid}.json?key=${key}&con_id=${conId}&source_type=connection&dataset=ds_personal_details&instance=0`
      : `/api/pds/pds/${uid}.json?key=${key}&con_id=${conId}&source_type=connection&dataset=ds_personal_details&instance=0`;
  return app.t.app.inject({
    method: method as 'GET' | 'POST',
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
}

beforeAll(async () => {
  browser = await launchChromium();
  app = await startApp();
  await site.start();
  const ctx = app.t.ctx;
  const { orgId } = await ctx.connections.createOrganisation('Acme Council');
  ({ nid, token: connectionToken } = await ctx.connections.createConnection({
    orgId,
    callbackUrl: `${site.url}/callback`,
    notifications: true,
    permissions: parseGrantSpecs(['ds_personal_details:rw:field_personal_fname,field_personal_faname'], ctx.catalogue),
    purpose: 'To fill in your council forms for you.',
  }));
  ({ clientId, clientSecret } = await ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'] }));
  page = await (await browser.newContext()).newPage();
});
afterAll(async () => {
  await browser?.close();
  await site.stop();
  await app?.t.close();
});

describe('a subscriber and a member, end to end', () => {
  let uid: string;
  let key: string;
  let conId: string;

  it('Scenario 1: registration link → member registers and approves in Chromium → POST callback with the key', async () => {
    const link = await scenario('registration', {
      MYDEXID: 'jane.citizen',
      EMAIL: 'jane@example.org',
      PASSWORD: 'jane-password-1',
    });
    expect(link).toMatch(new RegExp(`/ftc/begin/${nid}/[^/]+/1$`));
    await page.goto(inBrowser(link));
    await page.getByRole('button', { name: 'These are my details, continue' }).click();
    // The member chooses the password they sign in with here (docs/contract.md, §4.1).
    await page.getByLabel('Password', { exact: true }).fill('jane-password-1');
    await page.getByLabel('Password again').fill('jane-password-1');
    await page.getByLabel('Private Key', { exact: true }).fill('jane private key');
    await page.getByLabel('Private Key again').fill('jane private key');
    await page.getByRole('button', { name: 'Create my Personal Data Store and approve' }).click();
    await page.waitForURL(`${site.url}/back?status=connected`);

    const cb = await site.next('POST', 0);
    expect(cb.headers['content-type']).toMatch(/application\/x-www-form-urlencoded/);
    expect(cb.headers.authentication).toMatch(/^[0-9a-f]{128}$/);
    expect(cb.headers['webhook-signature']).toMatch(/^v1,/);
    ({ uid, key, connection_id: conId } = cb.body as { uid: string; key: string; connection_id: string });
    expect(cb.body.mydexid).toBe('jane.citizen');
    expect(conId).toBe(`${uid}-${nid}`);
    expect(key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(cb.body.fields).toEqual({
      ds_personal_details: {
        '0': {
          field_personal_fname: { access: { r: { a: '1', s: 'A' }, w: { a: '1', s: 'A' } } },
          field_personal_faname: { access: { r: { a: '1', s: 'A' }, w: { a: '1', s: 'A' } } },
        },
      },
    });
  });

  it('the subscriber writes and reads the member’s data with the callback’s key', async () => {
    const w = await dataCall('POST', uid, key, conId, { ds_personal_details: { field_personal_fname: 'Jane' } });
    expect(w.json()).toEqual({ success: 1 });
    const r = await dataCall('GET', uid, key, conId);
    expect(r.json().ds_personal_details.instance_0.field_personal_fname.value).toBe('Jane');
  });

  it('the member signs in and sees those accesses in the dashboard', async () => {
    await page.goto(`${app.base}/me/activity`);
    await page.getByLabel('MydexID').fill('jane.citizen');
    await page.getByLabel('Password', { exact: true }).fill('jane-password-1');
    await page.getByRole('button', { name: /^Sign in/ }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const rows = (await page.getByRole('row').allTextContents()).map((r) => r.replace(/\s+/g, ' ').trim());
    const acme = rows.filter((r) => r.includes('Acme Council') && r.includes('Personal details'));
    expect(acme.some((r) => r.endsWith('Read'))).toBe(true);
    expect(acme.some((r) => r.endsWith('Change'))).toBe(true);
  });

  it('Scenario 3: a new DSSA version → update link → member re-consents → PUT callback with a new key', async () => {
    const { version } = await app.t.ctx.connections.addDssaVersion(nid, {
      permissions: parseGrantSpecs(
        ['ds_personal_details:rw:field_personal_fname,field_personal_faname,field_personal_nickname'],
        app.t.ctx.catalogue,
      ),
    });
    const before = site.deliveries.length;
    const link = await scenario('update', { MYDEXID: 'jane.citizen', VERSION: String(version) });
    await page.goto(inBrowser(link));
    await expect(page.locator('main').textContent()).resolves.toContain('Nickname');
    await page.getByLabel('Enter your Private Key to approve').fill('jane private key');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${site.url}/back?status=connected`);
    const cb = await site.next('PUT', before);
    expect(cb.body.connection_id).toBe(conId);
    const newKey = cb.body.key as string;
    expect(newKey).not.toBe(key);
    expect((await dataCall('GET', uid, key, conId)).statusCode).toBe(403);
    expect((await dataCall('GET', uid, newKey, conId)).statusCode).toBe(200);
    key = newKey;
  });

  it('the member revokes in the dashboard; the subscriber’s next call gets 403 and it is told', async () => {
    const before = site.deliveries.length;
    await page.goto(`${app.base}/me/connections`);
    await page.getByRole('link', { name: 'Remove this connection to Acme Council' }).click();
    await page.getByRole('button', { name: 'Yes, remove the connection' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('The connection has been removed.');
    expect((await dataCall('GET', uid, key, conId)).statusCode).toBe(403);
    for (let i = 0; i < 200 && !site.deliveries.slice(before).some((d) => d.body.type === 'connection.revoked'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(site.deliveries.slice(before).find((d) => d.body.type === 'connection.revoked')?.body).toMatchObject({
      connection_id: conId,
    });
  });

  it('Scenario 2: an existing member connects through an FTC link → POST callback', async () => {
    await app.t.ctx.members.accounts.createMember({
      mydexid: 'john.citizen',
      email: 'john@example.org',
      password: 'john-password-1',
      privateKey: 'john private key',
    });
    const before = site.deliveries.length;
    const link = await scenario('ftc', { MYDEXID: 'john.citizen' });
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(inBrowser(link));
    await fresh.getByLabel('MydexID').fill('john.citizen');
    await fresh.getByLabel('Password', { exact: true }).fill('john-password-1');
    await fresh.getByRole('button', { name: /^Sign in/ }).click();
    await fresh.getByLabel('Enter your Private Key to approve').fill('john private key');
    await fresh.getByRole('button', { name: 'Approve' }).click();
    await fresh.waitForURL(`${site.url}/back?status=connected`);
    const cb = await site.next('POST', before);
    expect(cb.body.mydexid).toBe('john.citizen');
    const r = await dataCall('GET', String(cb.body.uid), String(cb.body.key), String(cb.body.connection_id));
    expect(r.statusCode).toBe(200);
  });
});
