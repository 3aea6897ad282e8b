/**
 * `npm run screenshots`: regenerates the member pages' pictures in docs/screenshots/ (shown in the
 * README's member section). It starts a real sandbox (`openpdx start`, SQLite in a scratch folder,
 * the demo data seeded), gives demo.alice some data, has the demo organisation ask demo.bob to
 * connect, then photographs the main pages in Debian's Chromium on a 390 px phone and a 1280 px
 * screen. Everything it starts is stopped and deleted after.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import type { SandboxCredentials } from '../src/admin/seed.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;
const sha512 = (s: string) => createHash('sha512').update(s).digest('hex');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed at ${CHROMIUM}: install it with \`apt-get install -y chromium\`.`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'openpdx-screenshots-'));
  const port = await freePort();
  const base = `http://localhost:${port}`;
  say(`starting a sandbox at ${base} (data in ${dir})`);
  const server = spawn('node', ['bin/openpdx.js', 'start'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH ?? '',
      OPENPDX_DATA_DIR: dir,
      OPENPDX_DATABASE_URL: join(dir, 'openpdx.sqlite'),
      OPENPDX_PORT: String(port),
      OPENPDX_PUBLIC_URL: base,
      OPENPDX_LOG_LEVEL: 'warn',
      OPENPDX_SEED: 'auto',
    },
  });
  let output = '';
  server.stdout.on('data', (c: Buffer) => (output += c.toString()));
  server.stderr.on('data', (c: Buffer) => (output += c.toString()));
  try {
    for (let waited = 0; !/listening on/.test(output); waited += 100) {
      if (server.exitCode !== null || waited > 60_000) throw new Error(`the sandbox did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const creds = JSON.parse(readFileSync(join(dir, 'sandbox-credentials.json'), 'utf8')) as SandboxCredentials;
    const [alice, bob] = creds.members;
    if (!alice || !bob) throw new Error('the sandbox seeded fewer than two members');
    const token = await accessToken(creds);
    say('giving demo.alice some data');
    await api(`${base}/api/pds/pds/${alice.uid}.json?${memberQuery(alice, 'ds_personal_details')}&instance=0`, token, 'PUT', {
      ds_personal_details: { field_personal_fname: 'Alice', field_personal_faname: 'Example', field_personal_title: 'Ms' },
    });
    await api(`${base}/api/pds/pds/${alice.uid}.json?${memberQuery(alice, 'ds_personal_details')}`, token, 'GET');
    say('asking demo.bob to connect again (a consent page)');
    const link = await connectionLink(base, creds, token, bob.mydexid);

    mkdirSync(OUT, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      for (const [width, height] of [
        [390, 844],
        [1280, 800],
      ] as const) {
        const context = await browser.newContext({ viewport: { width, height } });
        const page = await context.newPage();
        const shot = async (name: string) => {
          const path = join(OUT, `${name}-${width}.jpg`);
          await page.screenshot({ path, type: 'jpeg', quality: 70 });
          say(`  ${path}`);
        };
        say(`photographing at ${width} px`);
        await page.goto(`${base}/`);
        await shot('home');
        await page.goto(`${base}/me`);
        await signIn(page, alice.mydexid, alice.password);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await shot('dashboard');
        await page.goto(`${base}/me/data`);
        await page.getByLabel('Private Key').fill(alice.private_key);
        await page.getByRole('button', { name: 'Show my data' }).click();
        await page.getByRole('button', { name: 'Lock my data' }).waitFor();
        await shot('my-data');
        await page.goto(`${base}/me/connections`);
        await shot('connections');
        await page.goto(`${base}/me/activity`);
        await shot('activity');
        await context.clearCookies();
        await page.goto(link);
        await signIn(page, bob.mydexid, bob.password);
        await page.getByRole('heading', { name: 'Your decision' }).waitFor();
        await shot('consent');
        await context.close();
      }
    } finally {
      await browser.close();
    }
    say(`done: docs/screenshots/ (commit the changed pictures with the change that made them)`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

function memberQuery(m: SandboxCredentials['members'][number], dataset: string): string {
  return new URLSearchParams({ key: m.key, con_id: m.con_id, source_type: 'connection', dataset }).toString();
}

async function signIn(page: Page, mydexid: string, password: string): Promise<void> {
  await page.getByLabel('MydexID').fill(mydexid);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: /^Sign in/ }).click();
}

async function accessToken(creds: SandboxCredentials): Promise<string> {
  const { client_id, client_secret, scope } = creds.client;
  const res = await fetch(creds.token_url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function api(url: string, token: string, method: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The subscriber's first-time connection call (contract §4.2), as Mydex's examples make it. */
async function connectionLink(base: string, creds: SandboxCredentials, token: string, mydexid: string): Promise<string> {
  const { nid, token: connectionToken } = creds.connection;
  const satRes = await fetch(`${base}/access-token/${nid}`);
  const sat = (await satRes.json()) as string;
  const res = await fetch(`${base}/api/connection`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'short-access-token': sat,
      authentication: sha512(sat + connectionToken),
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      connection_nid: String(nid),
      connection_token_hash: sha512(connectionToken),
      mydexid,
      return_to: `${base}/dev/callback`,
    }),
  });
  if (!res.ok) throw new Error(`connection link: ${res.status} ${await res.text()}`);
  return (await res.json()) as string;
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
