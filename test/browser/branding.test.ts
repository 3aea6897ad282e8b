/** An operator's branding in Chromium at 390 and 1280 px: the logo and name fit, the footer links show. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { launchChromium } from './browser-harness.ts';

let browser: Browser;
let t: TestApp;
let base: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpdx-brand-'));
  const logo = join(dir, 'logo.svg');
  writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18"/></svg>');
  browser = await launchChromium();
  t = await createTestApp({
    env: {
      OPENPDX_SERVICE_NAME: 'Northshire Data Vault',
      OPENPDX_ID_NAME: 'Northshire ID',
      OPENPDX_LOGO_FILE: logo,
      OPENPDX_PRIVACY_URL: 'https://northshire.example/privacy',
      OPENPDX_SUPPORT_URL: 'https://northshire.example/help',
    },
  });
  base = `http://localhost:${new URL(await t.listen()).port}`;
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('branding in Chromium', () => {
  for (const width of [390, 1280]) {
    it(`shows the operator's name, logo and links at ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await expect(page.title()).resolves.toBe('Sign in – Northshire Data Vault');
      const logo = page.locator('img.site-header__logo');
      await expect(logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
      await expect(page.getByLabel('Northshire ID').isVisible()).resolves.toBe(true);
      await expect(page.getByRole('link', { name: 'Privacy notice' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('link', { name: 'Help and support' }).isVisible()).resolves.toBe(true);
      await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
      await context.close();
    });
  }
});
