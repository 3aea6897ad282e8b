/**
 * axe-core, the accessibility engine, on every page of the member web app: public pages, the
 * consent flow, the dashboard, and their error states, at 390 px and 1280 px, in light and dark
 * mode (prefers-color-scheme). Any WCAG 2.0/2.1 A or AA violation fails, listed page by page.
 * (The sign-in-with-MydexID pages are checked the same way in oidc-journey.test.ts, which has the
 * relying party they need.)
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { TEST_PG_URL } from '../harness.ts';
import { requestLink } from '../web/helpers.ts';
import { AXE_VIEWS, axeViolations, launchChromium, startApp, SubscriberSite, type BrowserApp } from './browser-harness.ts';

let app: BrowserApp;
let browser: Browser;
let site: SubscriberSite;
let sub: Subscriber;

interface Visit {
  name: string;
  /** brings the page to the state to check (it may submit forms) */
  open: (page: Page) => Promise<unknown>;
}

async function signIn(page: Page, mydexid: string, password: string): Promise<void> {
  await page.getByLabel('MydexID').fill(mydexid);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: /^Sign in/ }).click();
  await page.waitForLoadState();
}

/** Every page, in an order that walks one member through the app. */
async function visits(tag: string): Promise<Visit[]> {
  const m = await connectMember(app.t.ctx, sub, `a11y${tag}`);
  await app.t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_fname: 'Ada' });
  const other = await createMember(app.t.ctx, `a11yftc${tag}`);
  const go = (path: string) => (page: Page) => page.goto(app.base + path);
  const linkFor = (body: Record<string, unknown>) => requestLink(app.t, sub, '/api/connection', body);
  const registerLink = await requestLink(app.t, sub, '/api/pds', {
    mydexid: `a11yreg${tag}`,
    email: `a11yreg${tag}@example.org`,
    password: 'a11y registration password',
    return_to: `${site.url}/back`,
  });
  const consentLink = await linkFor({ mydexid: other.mydexid, return_to: `${site.url}/back` });
  const usedLink = await linkFor({ mydexid: other.mydexid, return_to: `${site.url}/back` });
  return [
    { name: 'home', open: go('/') },
    { name: 'login', open: go('/login') },
    {
      name: 'login, wrong password',
      open: async (page) => {
        await page.goto(`${app.base}/login`);
        await signIn(page, m.mydexid, 'not the password');
      },
    },
    { name: 'forgot password', open: go('/forgot-password') },
    {
      name: 'forgot password: code, errors',
      open: async (page) => {
        await page.goto(`${app.base}/forgot-password/code?sent=1`);
        await page.getByRole('button', { name: 'Reset my password' }).click();
        await page.getByRole('alert').waitFor();
      },
    },
    { name: 'register', open: go('/register') },
    {
      name: 'register, errors',
      open: async (page) => {
        await page.goto(`${app.base}/register`);
        await page.getByRole('button', { name: /Create/ }).click();
        await page.waitForLoadState();
      },
    },
    { name: 'registration link: details', open: go(registerLink) },
    {
      name: 'registration link: agreement and Private Key',
      open: async (page) => {
        await page.goto(app.base + registerLink);
        await page.getByRole('button', { name: 'These are my details, continue' }).click();
        await page.getByRole('heading', { name: /will be able to do/ }).waitFor();
      },
    },
    {
      name: 'consent link: sign in',
      open: go(consentLink),
    },
    {
      name: 'consent link: review, wrong Private Key',
      open: async (page) => {
        await page.goto(app.base + consentLink);
        await signIn(page, other.mydexid, other.password);
        await page.getByLabel('Enter your Private Key to approve').fill('not the private key');
        await page.getByRole('button', { name: 'Approve' }).click();
        await page.getByRole('alert').waitFor();
      },
    },
    {
      name: 'consent link: used',
      open: async (page) => {
        await page.goto(app.base + usedLink);
        await page.getByRole('button', { name: 'Reject' }).click();
        await page.waitForURL(/\/back/);
        await page.goto(app.base + usedLink);
      },
    },
    { name: 'not found', open: go('/me/no-such-page') },
    { name: 'after deleting a store', open: go('/me/goodbye') },
    {
      name: 'a link for another member',
      open: async (page) => {
        // Signed in as the other member (from the consent steps), with a link made for this one.
        await page.goto(app.base + (await linkFor({ mydexid: m.mydexid, return_to: `${site.url}/back` })));
        await page.getByRole('heading', { name: 'This link is for another member' }).waitFor();
      },
    },
    // The dashboard, as the connected member (the other member's session forgotten first).
    {
      name: 'dashboard',
      open: async (page) => {
        await page.context().clearCookies();
        await page.goto(`${app.base}/me`);
        await signIn(page, m.mydexid, m.password);
        await page.getByRole('heading', { level: 1 }).waitFor();
      },
    },
    { name: 'my data, locked', open: go('/me/data') },
    {
      name: 'my data, wrong Private Key',
      open: async (page) => {
        await page.goto(`${app.base}/me/data`);
        await page.getByLabel('Private Key').fill('not the private key');
        await page.getByRole('button', { name: 'Show my data' }).click();
        await page.getByRole('alert').waitFor();
      },
    },
    {
      name: 'my data, unlocked, every disclosure open',
      open: async (page) => {
        await page.goto(`${app.base}/me/data`);
        await page.getByLabel('Private Key').fill(m.privateKey);
        await page.getByRole('button', { name: 'Show my data' }).click();
        await page.getByRole('button', { name: 'Lock my data' }).waitFor();
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
      },
    },
    {
      name: 'my data, a refused edit',
      open: async (page) => {
        const section = page.getByRole('region', { name: 'Personal details' });
        await section.getByLabel('Email address').fill('not an email');
        await section.getByRole('button', { name: 'Save changes' }).click();
        await page.getByRole('alert').waitFor();
      },
    },
    { name: 'connections', open: go('/me/connections') },
    { name: 'remove a connection', open: go(`/me/connections/${sub.nid}/revoke`) },
    { name: 'apps', open: go('/me/apps') },
    { name: 'linked accounts', open: go('/me/identities') },
    { name: 'activity', open: go('/me/activity') },
    { name: 'account', open: go('/me/account') },
    { name: 'change password', open: go('/me/password') },
    {
      name: 'change password, errors',
      open: async (page) => {
        await page.goto(`${app.base}/me/password`);
        await page.getByRole('button', { name: /Change/ }).click();
        await page.getByRole('alert').waitFor();
      },
    },
    { name: 'change Private Key', open: go('/me/private-key') },
    { name: 'download', open: go('/me/export') },
    { name: 'delete', open: go('/me/delete') },
  ];
}

// The pages' markup and styles do not depend on the database, and the walk is the suite's longest
// file (about 3 minutes): it runs in the SQLite pass of `npm test` only. The PostgreSQL pass still
// drives every journey in Chromium (member-journey, member-pages, keyboard, oidc, idaas).
describe.skipIf(TEST_PG_URL !== undefined)('axe-core on every page (WCAG 2.1 A and AA)', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    app = await startApp();
    site = await new SubscriberSite().start();
    sub = await createSubscriber(app.t, ['ds_personal_details:rw', 'ds_contact_details:r', 'ds_events:rw']);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.stop();
    await app?.t.close();
  });

  it(`finds no violation on any page at ${AXE_VIEWS.map((v) => `${v.width} px ${v.colorScheme}`).join(', ')}`, async () => {
    // One walk through the app; each page, once reached, is checked in all four views.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const found: string[] = [];
    let pages = 0;
    try {
      for (const visit of await visits('all')) {
        await visit.open(page);
        found.push(...(await axeViolations(page, visit.name)));
        pages++;
      }
    } finally {
      await context.close();
    }
    expect(found).toEqual([]);
    expect(pages).toBeGreaterThan(30);
  }, 600_000);

  it('reports a violation when a page has one (the control: the check can fail)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${app.base}/login`);
      // Faint text, and a field whose label is gone: two WCAG AA failures in every view.
      await page.evaluate(() => {
        // Through the CSSOM: the page's CSP refuses inline style attributes.
        const h1 = document.querySelector('h1');
        if (h1) Object.assign(h1.style, { color: '#ddd', background: '#fff' });
        document.querySelectorAll('label').forEach((l) => l.remove());
      });
      const found = await axeViolations(page, 'broken login');
      expect(found.filter((f) => f.includes(': color-contrast:'))).toHaveLength(AXE_VIEWS.length);
      expect(found.some((f) => f.includes(': label:'))).toBe(true);
    } finally {
      await context.close();
    }
  });
});
