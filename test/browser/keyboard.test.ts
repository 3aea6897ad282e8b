/**
 * The member's main journeys with the keyboard alone (WCAG 2.1.1): registration and consent from
 * a subscriber's link, editing data, and removing a connection. Nothing here clicks or fills:
 * every step is Tab to the control, then typing, Enter or Space, and each control reached shows a
 * visible focus indicator (WCAG 2.4.7). Addresses are typed as a person types one in the address bar.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubscriber, type Subscriber } from '../fixtures.ts';
import { requestLink } from '../web/helpers.ts';
import { launchChromium, startApp, SubscriberSite, type BrowserApp } from './browser-harness.ts';

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
  sub = await createSubscriber(app.t, ['ds_personal_details:rw']);
  orgName = (await app.t.ctx.connections.getOrganisation(sub.orgId))!.name;
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await site?.stop();
  await app?.t.close();
});

/** What a screen reader would call the focused control (near enough for these pages), and whether focus shows. */
function focused(p: Page) {
  return p.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: '', visible: false };
    const labelled = (el as HTMLInputElement).labels?.[0]?.textContent;
    const name = (el.getAttribute('aria-label') ?? labelled ?? el.textContent ?? '').replace(/\s+/g, ' ').trim();
    const style = getComputedStyle(el);
    const visible = (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none';
    return { name, visible };
  });
}

/** Presses Tab until the control named `name` has focus (failing after `max` presses). */
async function tabTo(name: string | RegExp, max = 80): Promise<void> {
  const wanted = (n: string) => (typeof name === 'string' ? n === name : name.test(n));
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    seen.push(f.name);
    if (wanted(f.name)) {
      expect(f.visible, `focus on "${f.name}" is visible`).toBe(true);
      return;
    }
  }
  throw new Error(`Tab never reached "${String(name)}"; it reached: ${seen.slice(0, 40).join(' | ')}`);
}

async function typeInto(name: string | RegExp, text: string): Promise<void> {
  await tabTo(name);
  await page.keyboard.type(text);
}

/** Opens an address as a person would, then starts tabbing from the top of the page. */
async function visit(path: string): Promise<void> {
  await page.goto(path.startsWith('http') ? path : app.base + path);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

describe('keyboard only', () => {
  it('registers and consents from a link, edits data, and removes the connection', async () => {
    // Registration and consent, from the link the subscriber's registration call made.
    const link = await requestLink(app.t, sub, '/api/pds', {
      mydexid: 'keyboard.member',
      email: 'keyboard.member@example.org',
      password: 'subscriber-chosen password',
      return_to: `${site.url}/back/keyboard`,
    });
    await visit(link);
    await tabTo('These are my details, continue');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your decision' }).waitFor();
    await typeInto('Password', 'keyboard password');
    await typeInto('Password again', 'keyboard password');
    await typeInto('Private Key', 'keyboard private key');
    await typeInto('Private Key again', 'keyboard private key');
    await tabTo('Create my Personal Data Store and approve');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${site.url}/back/keyboard?status=connected`, { timeout: 10_000 });
    const member = await app.t.ctx.members.accounts.getMember({ mydexid: 'keyboard.member' });
    expect(await app.t.ctx.members.grants.activeGrants(member!.uid)).toHaveLength(1);

    // Sign in and edit data.
    await visit('/me/data');
    await typeInto('MydexID', 'keyboard.member');
    await typeInto('Password', 'keyboard password');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your data' }).waitFor();
    await typeInto('Private Key', 'keyboard private key');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Lock my data' }).waitFor();
    // A new member has recorded nothing yet: Personal details is under "More kinds of data".
    await tabTo(/^More kinds of data/);
    await page.keyboard.press('Enter');
    await tabTo('Change Personal details');
    await page.keyboard.press('Space');
    await typeInto('First name', 'Grace');
    await tabTo('Save changes');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your changes have been saved.');
    const [content] = (await app.t.ctx.memberData.view(member!.uid, 'keyboard private key')).filter(
      (d) => d.name === 'ds_personal_details',
    );
    expect(content!.instances['0']?.field_personal_fname).toBe('Grace');

    // Remove the connection.
    await visit('/me/connections');
    await tabTo(`Remove this connection to ${orgName}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await tabTo('Yes, remove the connection');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').textContent()).resolves.toContain('The connection has been removed.');
    expect(await app.t.ctx.members.grants.activeGrants(member!.uid)).toEqual([]);
  }, 120_000);
});
