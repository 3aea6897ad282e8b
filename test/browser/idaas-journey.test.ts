/**
 * The IDaaS links in real Chromium: a link from POST /ftc/setup and one from POST /identify take a
 * member through the web journey (sign in, review, approve with the Private Key) to the
 * subscriber's return URL, and the subscriber's callback carries the MydexID. Also the member's
 * linked-accounts page, with its confirmation step.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectMember, createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { IDAAS_SCOPES, linkBody } from '../idaas/helpers.ts';
import { axeViolations, launchChromium, screenshotPath, startApp, SubscriberSite, type BrowserApp } from './browser-harness.ts';

let app: BrowserApp;
let browser: Browser;
let site: SubscriberSite;
let sub: Subscriber;
let orgName: string;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  app = await startApp();
  site = await new SubscriberSite().start();
  sub = await createSubscriber(app.t, ['ds_personal_details:rw:field_personal_fname'], IDAAS_SCOPES);
  orgName = (await app.t.ctx.connections.getOrganisation(sub.orgId))!.name;
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await app?.t.close();
});
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(() => context.close());

const returnTo = (name: string) => `${site.url}/back/${name}`;

/** The subscriber's IDaaS call; answers the link's path on the listening server, and the QR code. */
async function idaasLink(path: '/ftc/setup' | '/identify', body: Record<string, unknown>): Promise<{ path: string; qr: string }> {
  const res = await app.t.app.inject({
    method: 'POST',
    url: path,
    headers: { authorization: `Bearer ${sub.accessToken}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(res.statusCode, res.body).toBe(201);
  const { url, qr } = res.json() as { url: string; qr: string };
  return { path: new URL(url).pathname, qr };
}

async function signIn(mydexid: string, password: string): Promise<void> {
  await page.getByLabel('MydexID').fill(mydexid);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: /^Sign in/ }).click();
}

async function approve(privateKey: string): Promise<void> {
  await page.getByRole('heading', { name: `What ${orgName} will be able to do` }).waitFor();
  await page.getByLabel('Enter your Private Key to approve').fill(privateKey);
  await page.getByRole('button', { name: 'Approve' }).click();
}

async function expectReturnedTo(url: string): Promise<void> {
  await page.waitForURL(url, { timeout: 10_000 });
  expect(page.url()).toBe(url);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Welcome back to the subscriber');
}

/** The consent callback queued for the subscriber (contract §5.3): how it learns the MydexID. */
async function callbackFor(uid: number) {
  return app.t.ctx.db
    .selectFrom('outbox')
    .select(['method', 'kind'])
    .where('kind', '=', 'callback')
    .where('uid', '=', uid)
    .where('nid', '=', sub.nid)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

describe('IDaaS links in Chromium', () => {
  it('an /ftc/setup link naming the member: sign in, review, approve → return_to?status=connected', async () => {
    const m = await createMember(app.t.ctx, 'idaas.chrome.ftc');
    const link = await idaasLink('/ftc/setup', linkBody(sub, returnTo('ftc'), { mydexid: m.mydexid, linking_token: 'crm-1' }));
    await page.goto(app.base + link.path);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(orgName);
    await signIn(m.mydexid, m.password);
    await page.screenshot({ path: screenshotPath('idaas-ftc-agreement'), fullPage: true });
    await approve(m.privateKey);
    await expectReturnedTo(`${returnTo('ftc')}?status=connected`);
    expect((await app.t.ctx.members.grants.activeGrants(m.uid)).map((g) => g.nid)).toEqual([sub.nid]);
    expect(await callbackFor(m.uid)).toEqual({ method: 'POST', kind: 'callback' });
  });

  it('an /identify link naming nobody: whoever signs in is identified to the subscriber → status=connected', async () => {
    const m = await createMember(app.t.ctx, 'idaas.chrome.identify');
    const link = await idaasLink('/identify', linkBody(sub, returnTo('identify'), { linking_token: 'crm-2' }));
    await page.goto(app.base + link.path);
    await signIn(m.mydexid, m.password);
    await approve(m.privateKey);
    await expectReturnedTo(`${returnTo('identify')}?status=connected`);
    expect(await callbackFor(m.uid)).toEqual({ method: 'POST', kind: 'callback' });
  });

  it('an /identify link for a member already connected re-consents: the callback is a PUT', async () => {
    const m = await connectMember(app.t.ctx, sub, 'idaas.chrome.again');
    const link = await idaasLink('/identify', linkBody(sub, returnTo('again')));
    await page.goto(app.base + link.path);
    await signIn(m.mydexid, m.password);
    await approve(m.privateKey);
    await expectReturnedTo(`${returnTo('again')}?status=connected`);
    expect(await callbackFor(m.uid)).toEqual({ method: 'PUT', kind: 'callback' });
  });

  it('a spent link says so, and sends the member back with status=expired', async () => {
    const m = await createMember(app.t.ctx, 'idaas.chrome.spent');
    const link = await idaasLink('/identify', linkBody(sub, returnTo('spent')));
    await page.goto(app.base + link.path);
    await signIn(m.mydexid, m.password);
    await approve(m.privateKey);
    await expectReturnedTo(`${returnTo('spent')}?status=connected`);
    await page.goto(app.base + link.path);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'This link has expired or was already used',
    );
    await page.getByRole('link', { name: /^Go back to / }).click();
    await expectReturnedTo(`${returnTo('spent')}?status=expired`);
  });

  it('the QR code is a PNG image Chromium can show', async () => {
    const { qr } = await idaasLink('/identify', linkBody(sub, returnTo('qr')));
    await page.goto(`${site.url}/qr`);
    const size = await page.evaluate(async (src) => {
      const img = document.createElement('img');
      img.src = src;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, qr);
    expect(size[0]).toBeGreaterThan(50);
    expect(size[0]).toBe(size[1]);
  });

  it('the member removes a linked account on /me/identities, after confirming', async () => {
    const m = await createMember(app.t.ctx, 'idaas.chrome.linked');
    await app.t.ctx.idaas.identities.map({
      provider: 'scotaccount',
      externalId: '123e4567-e89b-12d3-a456-426614174000',
      mydexid: m.mydexid,
    });
    await page.goto(`${app.base}/login`);
    await signIn(m.mydexid, m.password);
    await page.getByRole('link', { name: 'Linked accounts' }).click();
    await expect(page.getByRole('table', { name: 'Accounts linked to your MydexID' }).textContent()).resolves.toContain(
      'ScotAccount',
    );
    expect(await axeViolations(page, 'linked accounts')).toEqual([]);
    await page.getByRole('link', { name: 'Remove the ScotAccount link' }).click();
    await page.getByRole('button', { name: 'Yes, remove the link' }).waitFor();
    expect(await axeViolations(page, 'remove a linked account')).toEqual([]);
    await page.getByRole('button', { name: 'Yes, remove the link' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('The linked account has been removed.');
    expect(await app.t.ctx.idaas.identities.list({ mydexid: m.mydexid })).toEqual([]);
  }, 120_000);
});
