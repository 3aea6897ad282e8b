/**
 * The member journeys in real Chromium (contract §5): registration, FTC, wrong Private Key,
 * reject, update with the changes shown, revoke, export and deletion. The subscriber side goes
 * through the public HTTP API (GET /access-token, POST /api/pds|connection|connection/update).
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { bearer, connectMember, createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { requestLink } from '../web/helpers.ts';
import { launchChromium, screenshotPath, startApp, SubscriberSite, type BrowserApp } from './browser-harness.ts';

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
  sub = await createSubscriber(app.t, [
    'ds_personal_details:rw:field_personal_fname,field_personal_faname',
    'ds_contact_details:r',
  ]);
  orgName = (await app.t.ctx.connections.getOrganisation(sub.orgId))!.name;
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await app?.t.close();
});
beforeEach(async () => {
  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
});
afterEach(() => context.close());

const returnTo = (name: string) => `${site.url}/back/${name}`;

async function signIn(mydexid: string, password: string): Promise<void> {
  await page.getByLabel('MydexID').fill(mydexid);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: /^Sign in/ }).click();
}

async function expectReturnedTo(url: string): Promise<void> {
  await page.waitForURL(url, { timeout: 10_000 });
  expect(page.url()).toBe(url);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Welcome back to the subscriber');
}

describe('one-time links in Chromium', () => {
  it('registers from a link: details, DSSA, Private Key twice, approve → status=connected', async () => {
    const path = await requestLink(app.t, sub, '/api/pds', {
      mydexid: 'chromereg',
      email: 'chromereg@example.org',
      password: 'chromereg password',
      return_to: returnTo('reg'),
    });
    await page.goto(app.base + path);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(orgName);
    await page.getByRole('button', { name: 'These are my details, continue' }).click();
    await page.getByRole('heading', { name: `What ${orgName} will be able to do` }).waitFor();
    // A line per dataset first; the field tables behind one control, after the decision.
    await expect(page.getByRole('list', { name: `What ${orgName} asks for` }).textContent()).resolves.toContain(
      'Personal details',
    );
    await page.getByText(/^See each of the \d+ fields$/).click();
    await expect(page.getByRole('table', { name: 'Personal details' }).textContent()).resolves.toContain('First name');
    await page.screenshot({ path: screenshotPath('dssa-registration'), fullPage: true });
    await page.getByLabel('Password', { exact: true }).fill('chromereg password');
    await page.getByLabel('Password again').fill('chromereg password');
    await page.getByLabel('Private Key', { exact: true }).fill('chrome private key');
    await page.getByLabel('Private Key again').fill('chrome private key');
    await page.getByRole('button', { name: 'Create my Personal Data Store and approve' }).click();
    await expectReturnedTo(`${returnTo('reg')}?status=connected`);
    const member = await app.t.ctx.members.accounts.getMember({ mydexid: 'chromereg' });
    expect(await app.t.ctx.members.grants.activeGrants(member!.uid)).toHaveLength(1);
  });

  it('connects an existing member: sign in, review, approve → status=connected', async () => {
    const m = await createMember(app.t.ctx, 'chromeftc');
    const path = await requestLink(app.t, sub, '/api/connection', { mydexid: m.mydexid, return_to: returnTo('ftc') });
    await page.goto(app.base + path);
    await signIn(m.mydexid, m.password);
    await page.getByLabel('Enter your Private Key to approve').fill(m.privateKey);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expectReturnedTo(`${returnTo('ftc')}?status=connected`);
  });

  it('says so when the Private Key is wrong, and grants nothing', async () => {
    const m = await createMember(app.t.ctx, 'chromewrong');
    const path = await requestLink(app.t, sub, '/api/connection', { mydexid: m.mydexid, return_to: returnTo('wrong') });
    await page.goto(app.base + path);
    await signIn(m.mydexid, m.password);
    await page.getByLabel('Enter your Private Key to approve').fill('not my private key');
    await page.getByRole('button', { name: 'Approve' }).click();
    const summary = page.getByRole('alert');
    await expect(summary.textContent()).resolves.toContain('The Private Key is not correct.');
    await summary.getByRole('link').click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('f-private_key');
    expect(await app.t.ctx.members.grants.activeGrants(m.uid)).toEqual([]);
    expect(site.visits.some((v) => v.startsWith('/back/wrong'))).toBe(false);
  });

  it('rejects → status=rejected', async () => {
    const m = await createMember(app.t.ctx, 'chromereject');
    const path = await requestLink(app.t, sub, '/api/connection', { return_to: returnTo('reject') });
    await page.goto(app.base + path);
    await signIn(m.mydexid, m.password);
    await page.getByRole('button', { name: 'Reject' }).click();
    await expectReturnedTo(`${returnTo('reject')}?status=rejected`);
    expect(await app.t.ctx.members.grants.activeGrants(m.uid)).toEqual([]);
  });

  it('asks to re-consent to a new DSSA version, showing the added field, then approves', async () => {
    const own = await createSubscriber(app.t, ['ds_personal_details:r:field_personal_fname']);
    const m = await connectMember(app.t.ctx, own, 'chromeupdate');
    const { version } = await app.t.ctx.connections.addDssaVersion(own.nid, {
      permissions: parseGrantSpecs(['ds_personal_details:r:field_personal_fname,field_personal_nickname'], app.t.ctx.catalogue),
    });
    const path = await requestLink(app.t, own, '/api/connection/update', {
      mydexid: m.mydexid,
      version,
      return_to: returnTo('update'),
    });
    await page.goto(app.base + path);
    await signIn(m.mydexid, m.password);
    const changes = page.getByRole('region', { name: 'What has changed since version 1' });
    await expect(changes.textContent()).resolves.toContain('New: Personal details: Nickname (read automatically)');
    await page.getByText(/^See each of the \d+ fields$/).click();
    await expect(page.getByRole('row', { name: /Nickname/ }).textContent()).resolves.toContain('New');
    await page.screenshot({ path: screenshotPath('dssa-update'), fullPage: true });
    await page.getByLabel('Enter your Private Key to approve').fill(m.privateKey);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expectReturnedTo(`${returnTo('update')}?status=connected`);
    expect((await app.t.ctx.members.grants.activeGrants(m.uid))[0]!.dssaVersion).toBe(version);
  });
});

describe('the dashboard in Chromium', () => {
  it('revokes a connection; the subscriber’s next call with the old key gets 403', async () => {
    const m = await connectMember(app.t.ctx, sub, 'chromerevoke');
    const read = () =>
      app.t.app.inject({
        method: 'GET',
        url: `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&source_type=connection&dataset=ds_personal_details`,
        headers: bearer(sub),
      });
    expect((await read()).statusCode).toBe(200);
    await page.goto(`${app.base}/me`);
    await signIn(m.mydexid, m.password);
    await page.getByRole('heading', { name: 'Your Personal Data Store' }).waitFor();
    await page.screenshot({ path: screenshotPath('dashboard'), fullPage: true });
    await page.getByRole('navigation', { name: 'Your PDS' }).getByRole('link', { name: 'Connections' }).click();
    await page.screenshot({ path: screenshotPath('connections'), fullPage: true });
    await page.getByRole('link', { name: `Remove this connection to ${orgName}` }).click();
    await page.getByRole('button', { name: 'Yes, remove the connection' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('The connection has been removed.');
    expect((await read()).statusCode).toBe(403);
  });

  it('exports all data as openpdx-export.json', async () => {
    const m = await createMember(app.t.ctx, 'chromeexport');
    await app.t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_fname: 'Ada' });
    await page.goto(`${app.base}/me/export`);
    await signIn(m.mydexid, m.password);
    await page.getByLabel('Private Key').fill(m.privateKey);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my data' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('openpdx-export.json');
    const body = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { datasets: Record<string, unknown> };
    expect(body.datasets.ds_personal_details).toEqual({ instance_0: expect.objectContaining({ field_personal_fname: 'Ada' }) });
  });

  for (const width of [390, 1280]) {
    it(`unlocks data once to view and edit it, shows the saved values, and locks (${width} px)`, async () => {
      await page.setViewportSize({ width, height: 900 });
      const m = await createMember(app.t.ctx, `chromedata${width}`);
      await app.t.ctx.memberData.edit(
        m.uid,
        m.privateKey,
        'ds_personal_details',
        { instance: 0 },
        { field_personal_fname: 'Ada' },
      );
      await page.goto(`${app.base}/me/data`);
      await signIn(m.mydexid, m.password);
      await page.getByLabel('Private Key').fill(m.privateKey);
      await page.getByRole('button', { name: 'Show my data' }).click();
      const section = page.getByRole('region', { name: 'Personal details' });
      await section.waitFor();
      await section.locator('summary').first().click();
      await expect(section.getByText('Your first (given) name.').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: screenshotPath(`data-${width}`), fullPage: false });
      await section.getByLabel('First name').fill('Grace');
      await section.getByLabel('Email address').fill('not an email');
      await section.getByRole('button', { name: 'Save changes' }).click();
      // The one form again, the problem linked to its field, no Private Key asked for.
      await expect(page.getByRole('alert').textContent()).resolves.toContain('must be an email address');
      await expect(page.getByLabel('Your Private Key, to save').count()).resolves.toBe(0);
      await page.getByLabel('Email address').fill('grace@example.org');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('Your changes have been saved.');
      await expect(page.getByRole('region', { name: 'Personal details' }).textContent()).resolves.toContain('grace@example.org');
      await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
      // A date typed as a person types it, stored as a day number, shown as a date.
      await page.locator('details.more-data > summary').click();
      const home = page.getByRole('region', { name: 'Home' });
      await home.locator('summary').first().click();
      await home.getByLabel('Living here since').fill('2019-06-01');
      await home.getByRole('button', { name: 'Save changes' }).click();
      await expect(page.getByRole('region', { name: 'Home' }).textContent()).resolves.toContain('1 June 2019');
      const [content] = (await app.t.ctx.memberData.view(m.uid, m.privateKey)).filter((d) => d.name === 'ds_personal_details');
      expect(content!.instances['0']).toMatchObject({
        field_personal_fname: 'Grace',
        field_personal_email_address: 'grace@example.org',
      });
      await page.getByRole('button', { name: 'Lock my data' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('Your data is locked.');
      await expect(page.getByLabel('Private Key').isVisible()).resolves.toBe(true);
    });
  }

  it('deletes the account after the password and typed MydexID', async () => {
    const m = await connectMember(app.t.ctx, sub, 'chromedelete');
    await page.goto(`${app.base}/me/delete`);
    await signIn(m.mydexid, m.password);
    await page.getByLabel('Your password').fill(m.password);
    await page.getByLabel('Type your MydexID to confirm').fill(m.mydexid);
    await page.getByRole('button', { name: 'Delete my Personal Data Store' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Your Personal Data Store has been deleted',
    );
    await expect(page.locator('main').textContent()).resolves.toContain('have been notified');
    expect(await app.t.ctx.members.accounts.getMember({ uid: m.uid })).toBeUndefined();
    await page.goto(`${app.base}/me`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('is usable by keyboard and on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${app.base}/register`);
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to main content');
    await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
    await page.screenshot({ path: screenshotPath('register-phone'), fullPage: true });
  });
});
