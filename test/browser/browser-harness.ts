/**
 * Real Chromium for the member pages. Never downloads a browser: the Debian package at
 * /usr/bin/chromium must be installed (.ci/run installs it). Missing Chromium fails the suite
 * with a clear message instead of skipping it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../harness.ts';

const CHROMIUM = '/usr/bin/chromium';
/** axe-core's browser build, read once per test file. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// Without the background-networking flags Chromium reaches out to Google services.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}; install it with ` +
        '`apt-get install -y chromium` (.ci/run does). They fail rather than skip without it.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export interface BrowserApp {
  t: TestApp;
  /** http://localhost:<port>: Chromium treats localhost (not 127.0.0.1) as secure, so __Host- cookies work */
  base: string;
}

export async function startApp(): Promise<BrowserApp> {
  const t = await createTestApp();
  const listening = new URL(await t.listen());
  return { t, base: `http://localhost:${listening.port}` };
}

/** The subscriber's site the member returns to: it records every path it is sent to. */
export class SubscriberSite {
  readonly visits: string[] = [];
  private readonly server = http.createServer((req, res) => {
    this.visits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Subscriber</title><h1>Welcome back to the subscriber</h1></html>');
  });
  url = '';

  async start(): Promise<this> {
    this.url = await listenLocally(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

/** Listens on a free port of 127.0.0.1; the server's base URL. */
export async function listenLocally(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export function screenshotPath(name: string): string {
  const dir = join(tmpdir(), 'openpdx-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The four views every member page is checked in: a phone and a wide screen, light and dark. */
export const AXE_VIEWS = [390, 1280].flatMap((width) =>
  (['light', 'dark'] as const).map((colorScheme) => ({ width, colorScheme })),
);

/**
 * axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now, in each of AXE_VIEWS
 * (resized and re-themed in place, as a phone turned round or a system theme would), as readable
 * lines; the page is left at 1280 px, light. Also fails loudly if axe did not really run.
 */
export async function axeViolations(page: Page, name: string): Promise<string[]> {
  const found: string[] = [];
  // axe-core is put into the page once and run in each view: @axe-core/playwright's analyze()
  // injects its ~550 KB source again on every call, which cost most of the walk's time.
  await page.evaluate(AXE_SOURCE); // through DevTools, so the page's CSP (no inline script) does not apply
  for (const view of AXE_VIEWS) {
    await page.setViewportSize({ width: view.width, height: 900 });
    await page.emulateMedia({ colorScheme: view.colorScheme });
    // Passing rules come back without their nodes: several times faster.
    const result = await page.evaluate(
      (tags) =>
        (window as unknown as { axe: typeof axe }).axe.run(document, {
          runOnly: { type: 'tag', values: tags },
          resultTypes: ['violations'],
        }),
      WCAG_AA,
    );
    const rules = new Set([...result.passes, ...result.violations, ...result.incomplete].map((r) => r.id));
    if (!rules.has('color-contrast') || !rules.has('document-title')) found.push(`${name}: axe did not run`);
    for (const v of result.violations) {
      const where = v.nodes.map((n) => n.target.join(' ')).slice(0, 3);
      found.push(
        `${name} (${new URL(page.url()).pathname}, ${view.width} px ${view.colorScheme}): ${v.id}: ${v.help} at ${where.join(', ')}`,
      );
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}
