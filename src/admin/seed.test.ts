import { readFileSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.ts';
import { sha512Hex } from '../crypto/hash.ts';
import { formatSandboxCredentials, sandboxCredentialsPath, seedSandbox } from './seed.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), text: () => lines.join('') };
}

describe('seedSandbox', () => {
  it('creates a working demo subscriber, client, connection and two connected members', async () => {
    const log = capturingLogger();
    t = await createTestApp({ logger: log.logger });
    const creds = await seedSandbox(t.ctx);
    if (!creds) throw new Error('expected a fresh seed');

    expect(creds).toMatchObject({
      environment: 'sandbox',
      token_url: 'http://localhost:8080/oauth2/token',
      organisation: { name: 'OpenPDX Demo Subscriber' },
      client: { scope: 'mydex:pdx' },
      connection: {
        nid: 40000,
        callback_url: 'http://localhost:8080/dev/callback',
        grants: ['ds_personal_details:rw', 'ds_referrals:rw'],
      },
    });
    expect(creds.members.map((m) => [m.mydexid, m.con_id])).toEqual([
      ['demo.alice', `${creds.members[0]!.uid}-40000`],
      ['demo.bob', `${creds.members[1]!.uid}-40000`],
    ]);

    const dssa = await t.ctx.connections.latestDssa(40000);
    expect(Object.keys(dssa?.permissions ?? {})).toEqual(['ds_personal_details', 'ds_referrals']);

    // The client gets a mydex:pdx token, and the connection token passes the §4 verifier.
    const basic = Buffer.from(`${creds.client.client_id}:${creds.client.client_secret}`).toString('base64');
    const token = await t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&scope=mydex%3Apdx',
    });
    expect(token.statusCode).toBe(200);
    const principal = await t.ctx.oauth.verifyAccessToken(token.json<{ access_token: string }>().access_token);
    const sat = await t.ctx.connections.issueShortAccessToken(creds.connection.nid);
    await expect(
      t.ctx.connections.verifyConnectionRequest({
        principal: principal!,
        nid: creds.connection.nid,
        sat,
        authentication: sha512Hex(sat + creds.connection.token),
        connectionTokenHash: sha512Hex(creds.connection.token),
      }),
    ).resolves.toMatchObject({ nid: 40000 });

    const file = sandboxCredentialsPath(t.ctx.config);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(creds);

    const secrets = [
      creds.client.client_secret,
      creds.connection.token,
      ...creds.members.flatMap((m) => [m.password, m.private_key, m.key]),
    ];
    for (const secret of secrets) expect(log.text()).not.toContain(secret);
  });

  it('does nothing the second time', async () => {
    t = await createTestApp();
    expect(await seedSandbox(t.ctx)).toBeDefined();
    expect(await seedSandbox(t.ctx)).toBeUndefined();
    expect(await t.ctx.connections.listOrganisations()).toHaveLength(1);
  });

  it('refuses to run in live', async () => {
    t = await createTestApp({ env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org' } });
    await expect(seedSandbox(t.ctx)).rejects.toThrow('sandboxes only');
    expect(await t.ctx.connections.listOrganisations()).toEqual([]);
  });
});

describe('formatSandboxCredentials', () => {
  it('shows every secret a developer needs', () => {
    const text = formatSandboxCredentials(
      {
        environment: 'sandbox',
        api_url: 'http://x',
        token_url: 'http://x/oauth2/token',
        access_token_url: 'http://x/access-token/40000',
        organisation: { org_id: 1, name: 'Demo' },
        client: { client_id: 'cid', client_secret: 'csecret', scope: 'mydex:pdx' },
        connection: { nid: 40000, token: 'ctoken', callback_url: 'http://x/dev/callback', grants: ['ds_referrals:rw'] },
        members: [
          { uid: 3, mydexid: 'demo.alice', email: 'a@x', password: 'pw', private_key: 'pk', con_id: '3-40000', key: 'mk' },
        ],
      },
      '/data/sandbox-credentials.json',
    );
    for (const s of [
      'http://x/oauth2/token',
      'cid',
      'csecret',
      '40000',
      'ctoken',
      'demo.alice',
      'pw',
      'pk',
      '3-40000',
      'mk',
      '/data/sandbox-credentials.json',
    ]) {
      expect(text).toContain(s);
    }
  });
});
