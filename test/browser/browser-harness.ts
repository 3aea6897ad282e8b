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
import { chromium, type Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../harness.ts';

const CHROMIUM = '/usr/bin/chromium';

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
