/**
 * /docs is Swagger UI, served from this package: in Chromium it loads under its CSP with no error,
 * shows every operation of /openapi.json, and in a sandbox "Authorize" gets a token with the
 * client's credentials and "Try it out" reads a member's data. In live it offers no "Try it out".
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createSubscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { freePort } from '../private-postgres.ts';
import { launchChromium } from './browser-harness.ts';

let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  // The document's server and token URL are the public URL: it must be where the app listens.
  const port = await freePort();
  base = `http://localhost:${port}`;
  t = await createTestApp({ env: { OPENPDX_PUBLIC_URL: base } });
  await t.app.listen({ port, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Opens /docs, collecting every console error and CSP violation. */
async function openDocs(): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser.newContext()).newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${base}/docs`);
  // The first build of the document and a 1.4 MB bundle: slow on a busy 2-core machine.
  await page.locator('.opblock').first().waitFor({ timeout: 60_000 });
  return { page, problems };
}

/**
 * Swagger UI virtualizes a long document (150 tags and operations or more, as this one has): only
 * the operations near the viewport are in the page. Scrolls from the top to the bottom a screen at
 * a time, collecting the id of every operation rendered on the way, until `stopAt` is rendered.
 */
async function scrollThrough(page: Page, stopAt?: string): Promise<Set<string>> {
  const seen = new Set<string>();
  await page.evaluate(() => window.scrollTo(0, 0));
  for (let step = 0; step < 500; step++) {
    for (const id of await page.locator('.opblock').evaluateAll((els) => els.map((e) => e.id))) seen.add(id);
    if (stopAt && (await page.locator(stopAt).count())) break;
    const atBottom = await page.evaluate(() => {
      const before = window.scrollY;
      window.scrollBy(0, window.innerHeight / 2);
      return window.scrollY === before;
    });
    if (atBottom) break;
    await page.waitForTimeout(50);
  }
  return seen;
}

describe('/docs (Swagger UI)', () => {
  it('shows every operation of /openapi.json, with no error or CSP violation', { timeout: 120_000 }, async () => {
    const { page, problems } = await openDocs();
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(operations).toBeGreaterThan(100);
    expect((await scrollThrough(page)).size).toBe(operations);
    await page.evaluate(() => window.scrollTo(0, 0));
    // An operation opens on its example response, generated from the schema.
    await page.locator('#operations-OAuth2-postOAuthToken').click();
    await expect(page.locator('#operations-OAuth2-postOAuthToken .responses-table').first().innerText()).resolves.toContain(
      'access_token',
    );
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it(
    'authorizes with client credentials and reads a member’s data with "Try it out" (sandbox)',
    { timeout: 120_000 },
    async () => {
      const sub = await createSubscriber(t, ['ds_personal_details:rw']);
      const m = await connectMember(t.ctx, sub, 'docs.member');
      await t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_fname: 'Grace' });
      const { page, problems } = await openDocs();

      // Swagger UI's buttons carry aria-labels ("Apply credentials"…): found by their text.
      await page.locator('.auth-wrapper button.authorize').click();
      const dialog = page.locator('.modal-ux');
      await dialog.getByLabel('client_id:').fill(sub.clientId);
      await dialog.getByLabel('client_secret:').fill(sub.clientSecret);
      await dialog.locator('label[for="mydex:pdx-clientCredentials-checkbox-oauth2"]').click();
      await dialog.locator('button.authorize').first().click(); // the oauth2 scheme's, listed first
      await dialog.locator('button:has-text("Logout")').first().waitFor();
      await dialog.locator('button:has-text("Close")').first().click();

      await scrollThrough(page, '#operations-Datasets-getMetadata');
      const op = page.locator('#operations-Datasets-getMetadata');
      await op.locator('.opblock-summary').click();
      await op.getByRole('button', { name: 'Try it out' }).click();
      const fill = (name: string, value: string) => op.locator(`tr[data-param-name="${name}"] input`).first().fill(value);
      await fill('file', `${m.uid}.json`);
      await fill('key', m.key);
      await fill('con_id', m.conId);
      await fill('dataset', 'ds_personal_details');
      await op.getByRole('button', { name: 'Execute' }).click();
      const live = op.locator('.live-responses-table');
      await live.waitFor();
      await expect(live.locator('tbody .response-col_status').first().innerText()).resolves.toBe('200');
      await expect(live.locator('tbody .response-col_description').first().innerText()).resolves.toContain('"value": "Grace"');
      expect(problems).toEqual([]);
      await page.context().close();
    },
  );
});

describe('/docs in live', () => {
  it('offers no "Try it out"', async () => {
    const live = await createTestApp({
      env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org', OPENPDX_TRUST_PROXY: '127.0.0.1' },
    });
    try {
      const page = (await live.app.inject({ method: 'GET', url: '/docs' })).body;
      expect(page).toContain(
        '<script type="application/json" id="docs-settings">{"documentUrl":"/openapi.json","tryItOut":false}</script>',
      );
    } finally {
      await live.close();
    }
  });
});
