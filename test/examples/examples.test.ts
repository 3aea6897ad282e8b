/**
 * Every script in examples/ against a booted sandbox (`openpdx start`, seeded, on this run's
 * database): each registers a new member, the member completes the link in Chromium, and the
 * script receives the member key by the callback, then writes and reads the member's data. The
 * scripts' output is what the README shows. And each fails loudly on a wrong client secret.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/browser-harness.ts';
import { TEST_PG_URL } from '../harness.ts';
import { freePort } from '../private-postgres.ts';
import { startServerProcess, until, type ServerProcess } from '../reliability/server-process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPTS = {
  typescript: [process.execPath, ['--import', 'tsx', join(ROOT, 'examples', 'connect-member.ts')]],
  curl: ['bash', [join(ROOT, 'examples', 'connect-member.sh')]],
} as const;

let server: ServerProcess;
let browser: Browser;
let database: { url: string; drop: () => Promise<void> } | undefined;

/** A database of the sandbox's own on the suite's PostgreSQL server (a spawned process cannot use the suite's private schema). */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `examples_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(TEST_PG_URL!);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

interface Run {
  output: () => string;
  exited: Promise<number | null>;
}

function runScript(kind: keyof typeof SCRIPTS, mydexid: string, credentials: string): Run {
  const [command, args] = SCRIPTS[kind];
  const child = spawn(command, [...args, mydexid], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', OPENPDX_CREDENTIALS: credentials },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return { output: () => out, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

beforeAll(async () => {
  const port = await freePort();
  database = TEST_PG_URL ? await freshDatabase() : undefined;
  browser = await launchChromium();
  server = await startServerProcess({
    workers: 1,
    ...(database ? { databaseUrl: database.url } : {}),
    // The public URL is where the member's browser opens links and where the callback goes.
    env: { OPENPDX_PORT: String(port), OPENPDX_PUBLIC_URL: `http://localhost:${port}` },
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  server?.close();
  await database?.drop();
});

it('starts quietly: the seeded first start logs no warning or error (its callbacks wait until it listens)', async () => {
  // The seed's two consent callbacks go to the sandbox's own /dev/callback once it listens.
  await until('the seed callbacks', async () => {
    const received = (await (await fetch(`${server.creds.api_url}/dev/callbacks`)).json()) as unknown[];
    return received.length >= 2;
  });
  const { out, err } = server.output();
  const logged = `${out}\n${err}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
  expect(logged.filter((l) => l.level >= 40)).toEqual([]);
});

describe.each(Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[])('examples/connect-member (%s)', (kind) => {
  it('registers a member who consents in Chromium, then writes and reads their data', async () => {
    const mydexid = `example-${kind}`;
    const run = runScript(kind, mydexid, join(server.dir, 'sandbox-credentials.json'));
    const link = await until(
      'the registration link',
      () => /^ {3}(http:\/\/localhost:\d+\/ftc\/begin\/\S+)$/m.exec(run.output())?.[1],
      60_000,
    );

    const page = await (await browser.newContext()).newPage();
    await page.goto(link);
    await page.getByRole('button', { name: 'These are my details, continue' }).click();
    await page.getByLabel('Password', { exact: true }).fill(`${mydexid} password`);
    await page.getByLabel('Password again').fill(`${mydexid} password`);
    await page.getByLabel('Private Key', { exact: true }).fill(`${mydexid} private key`);
    await page.getByLabel('Private Key again').fill(`${mydexid} private key`);
    await page.getByRole('button', { name: 'Create my Personal Data Store and approve' }).click();
    await page.waitForURL(`${server.creds.api_url}/?status=connected`);
    await page.context().close();

    expect(await run.exited, run.output()).toBe(0);
    const lines = run.output().trimEnd().split('\n');
    const base = server.creds.api_url;
    expect(lines).toEqual([
      expect.stringMatching(/^1\. Access token: ok/),
      '2. Short access token for connection 40000: ok',
      `3. Registration link for ${mydexid} (open it in a browser and complete it as the member):`,
      `   ${link}`,
      `4. Waiting for the member's consent (the callback, shown at ${base}/dev/callbacks) …`,
      expect.stringMatching(/^ {3}Member (\d+) consented: con_id \1-40000, member key received$/),
      '5. Wrote ds_personal_details: {"success":1}',
      '6. Read back: field_personal_fname = "Ada"',
    ]);
  }, 120_000);

  it('stops at the first failing step and shows what the server said', async () => {
    const creds = { ...server.creds, client: { ...server.creds.client, client_secret: 'not-the-secret' } };
    const file = join(server.dir, `wrong-secret-${kind}.json`);
    writeFileSync(file, JSON.stringify(creds));
    const run = runScript(kind, `wrong-${kind}`, file);
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toContain('"error":"invalid_client"');
    expect(run.output()).not.toContain('2. Short access token');
  }, 60_000);
});
