/**
 * The member's side as a person meets it (docs/member-web.md), each finding checked in Chromium on
 * a 390 px phone and a 1280 px screen: the landing page; the waiting organisation named on sign-in
 * and registration; registration links asking for the member's own password; consent summarised,
 * with the decision before the field tables; what Reject means to a member already connected; a
 * used link explained; tables that stack and times in the member's zone; the activity summary;
 * the forgotten-password journey; dark mode. (Data editing, dates, email and phone checks, hints
 * and the unlock window are in member-journey.test.ts, at both widths.)
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { connectMember, createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
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
  sub = await createSubscriber(app.t, ['ds_personal_details:rw', 'ds_contact_details:r']);
  orgName = (await app.t.ctx.connections.getOrganisation(sub.orgId))!.name;
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await app?.t.close();
});

async function signIn(mydexid: string, password: string): Promise<void> {
  await page.getByLabel('MydexID').fill(mydexid);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: /^Sign in/ }).click();
}

/** Nothing on the page is wider than the screen, and no table cell cuts its text off. */
async function fitsTheScreen(): Promise<void> {
  await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
  const clipped = await page.evaluate(() =>
    [...document.querySelectorAll('td, th')]
      .filter((c) => (c as HTMLElement).offsetParent !== null && c.scrollWidth > c.clientWidth + 1)
      .map((c) => c.textContent?.trim()),
  );
  expect(clipped).toEqual([]);
}

let n = 0;
const unique = (prefix: string) => `${prefix}${++n}`;

for (const width of [390, 1280]) {
  describe(`member pages at ${width} px`, () => {
    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width, height: 900 } });
      page = await context.newPage();
    });
    afterEach(() => context.close());

    it('has a landing page that says what the service is and where to go', async () => {
      await page.goto(`${app.base}/`);
      await expect(page.getByRole('heading', { level: 1 }).isVisible()).resolves.toBe(true);
      for (const name of ['Sign in', 'Create a Personal Data Store', 'API reference']) {
        await expect(page.getByRole('link', { name, exact: true }).first().isVisible(), name).resolves.toBe(true);
      }
      await fitsTheScreen();
    });

    it('names the organisation waiting on sign-in and registration, and asks a registering member for their own password', async () => {
      const m = await createMember(app.t.ctx, unique(`wait${width}x`));
      const ftc = await requestLink(app.t, sub, '/api/connection', { return_to: `${site.url}/back` });
      await page.goto(app.base + ftc);
      await page.getByRole('link', { name: 'Create one' }).click();
      await expect(page.locator('main').textContent()).resolves.toContain(`${orgName} is waiting for you`);
      await page.goto(`${app.base}/login?next=${encodeURIComponent(ftc)}`);
      await expect(page.locator('main').textContent()).resolves.toContain(`${orgName} is waiting for you`);
      await signIn(m.mydexid, m.password);
      await page.getByRole('heading', { name: 'Your decision' }).waitFor();
      // Registration from a subscriber's call: the password fields are on the page, and no rule
      // there mentions a password the member did not type.
      const reg = await requestLink(app.t, sub, '/api/pds', {
        mydexid: unique(`reg${width}x`),
        email: `${unique('reg')}@example.org`,
        password: 'made up by the subscriber',
        return_to: `${site.url}/back`,
      });
      await context.clearCookies();
      await page.goto(app.base + reg);
      await page.getByRole('button', { name: 'These are my details, continue' }).click();
      await page.getByRole('group', { name: 'Choose your password' }).waitFor();
      await expect(page.locator('main').textContent()).resolves.not.toContain('must not be the same as the password');
      await fitsTheScreen();
    });

    it('summarises the request, with the decision before the field tables, and explains "automatically"', async () => {
      const m = await createMember(app.t.ctx, unique(`sum${width}x`));
      const path = await requestLink(app.t, sub, '/api/connection', { mydexid: m.mydexid, return_to: `${site.url}/back` });
      await page.goto(app.base + path);
      await signIn(m.mydexid, m.password);
      const summary = page.getByRole('list', { name: `What ${orgName} asks for` });
      await expect(summary.textContent()).resolves.toMatch(
        /Personal details: reads \d+ fields automatically; changes \d+ fields automatically/,
      );
      await expect(page.locator('main').textContent()).resolves.toContain(
        'Automatically means whenever the organisation needs to',
      );
      const approve = await page.getByRole('button', { name: 'Approve' }).boundingBox();
      const details = await page.getByText(/^See each of the \d+ fields$/).boundingBox();
      expect(approve!.y).toBeLessThan(details!.y);
      // The tables are there on demand, and fit the screen when opened.
      await expect(page.getByRole('table', { name: 'Personal details' }).isVisible()).resolves.toBe(false);
      await page.getByText(/^See each of the \d+ fields$/).click();
      await expect(page.getByRole('table', { name: 'Personal details' }).isVisible()).resolves.toBe(true);
      await fitsTheScreen();
      await page.screenshot({ path: screenshotPath(`consent-${width}`), fullPage: true });
    });

    it('tells a member who is already connected what Reject changes, and keeps the connection when they reject', async () => {
      const m = await connectMember(app.t.ctx, sub, unique(`rej${width}x`));
      const path = await requestLink(app.t, sub, '/api/connection', { mydexid: m.mydexid, return_to: `${site.url}/back` });
      await page.goto(app.base + path);
      await signIn(m.mydexid, m.password);
      await page.getByRole('heading', { name: `You are already connected to ${orgName}` }).waitFor();
      await expect(page.locator('main').innerText()).resolves.toContain('Your existing connection stays as it is');
      await page.getByRole('button', { name: 'Reject this request' }).click();
      await page.waitForURL(/\/back\?status=rejected/);
      expect((await app.t.ctx.members.grants.activeGrants(m.uid)).map((g) => g.nid)).toEqual([sub.nid]);
    });

    it('explains a used link before sending the member back', async () => {
      const m = await createMember(app.t.ctx, unique(`used${width}x`));
      const path = await requestLink(app.t, sub, '/api/connection', { mydexid: m.mydexid, return_to: `${site.url}/back` });
      await app.t.ctx.consent.reject(path.split('/')[4]!);
      await page.goto(app.base + path);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
        'This link has expired or was already used',
      );
      await expect(page.getByRole('link', { name: /^Go back to / }).isVisible()).resolves.toBe(true);
    });

    it('stacks the activity table on a phone, shows times in the member’s zone, and summarises many fields', async () => {
      const m = await connectMember(app.t.ctx, sub, unique(`act${width}x`));
      // Through the chain, as the server logs (docs/access-log.md).
      await app.t.ctx.database.appendAccessLog([
        {
          uid: m.uid,
          nid: sub.nid,
          at: 1_700_000_000,
          dataset: 'ds_personal_details',
          fields: 'field_personal_fname,field_personal_faname,field_personal_mname,field_personal_nickname,field_personal_title',
          action: 'read',
          actor: 'connection',
        },
      ]);
      await page.goto(`${app.base}/me/activity`);
      await signIn(m.mydexid, m.password);
      await page.getByRole('heading', { name: 'Activity' }).waitFor();
      await expect(page.locator('main').innerText()).resolves.toContain('Times are Europe/London time.');
      await expect(page.getByRole('table').textContent()).resolves.toContain('14 Nov 2023, 22:13 GMT');
      await expect(page.getByText('5 fields').isVisible()).resolves.toBe(true);
      await fitsTheScreen();
      // On a phone each cell is labelled with its column; on a wide screen the header row shows.
      const header = await page.locator('thead').boundingBox();
      if (width === 390) expect(header === null || header.height <= 1).toBe(true);
      else expect(header!.height).toBeGreaterThan(10);
      await page.screenshot({ path: screenshotPath(`activity-${width}`), fullPage: true });
    });

    it('resets a forgotten password with the emailed code', async () => {
      const m = await createMember(app.t.ctx, unique(`forgot${width}x`));
      await page.goto(`${app.base}/login`);
      await page.getByRole('link', { name: 'Forgotten your password?' }).click();
      await expect(page.locator('main').textContent()).resolves.toContain('Forgotten your Private Key?');
      await page.getByLabel('Your MydexID or email address').fill(m.mydexid);
      await page.getByRole('button', { name: 'Email me a code' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('If that matches an account');
      const mail = (await app.t.ctx.outbox.listSandboxMessages()).find((x) => x.recipient === `${m.mydexid}@example.org`);
      const code = /Your code is (\S+)/.exec(mail!.body)![1]!;
      await page.getByLabel('Your MydexID or email address').fill(m.mydexid);
      await page.getByLabel('The code from the email').fill(code);
      await page.getByLabel('New password', { exact: true }).fill('my reset password');
      await page.getByLabel('New password again').fill('my reset password');
      await page.getByRole('button', { name: 'Reset my password' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('Your password has been reset');
      await signIn(m.mydexid, 'my reset password');
      await page.getByRole('heading', { name: 'Your Personal Data Store' }).waitFor();
    });

    it('follows the device into dark mode', async () => {
      const dark = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'dark' });
      const p = await dark.newPage();
      await p.goto(`${app.base}/login`);
      const [bg, fg] = await p.evaluate(() => [
        getComputedStyle(document.body).backgroundColor,
        getComputedStyle(document.body).color,
      ]);
      expect(bg).toBe('rgb(18, 20, 22)');
      expect(fg).toBe('rgb(243, 242, 241)');
      await p.screenshot({ path: screenshotPath(`login-dark-${width}`), fullPage: true });
      await dark.close();
    });
  });
}
