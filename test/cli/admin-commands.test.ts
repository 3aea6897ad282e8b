import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCli, type TestCli } from './cli-harness.ts';

let cli: TestCli;
beforeEach(() => {
  cli = createTestCli();
});
afterEach(async () => {
  await cli.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function orgAndConnection(): Promise<{ orgId: number; nid: number }> {
  const { org_id } = (await cli.json(['admin', 'org', 'create', '--name', 'Acme Health'])) as { org_id: number };
  const { nid } = (await cli.json([
    'admin',
    'connection',
    'create',
    '--org',
    String(org_id),
    '--callback',
    'https://acme.example/cb',
    '--grant',
    'ds_personal_details:rw',
  ])) as { nid: number };
  return { orgId: org_id, nid };
}

describe('openpdx admin org', () => {
  it('creates an organisation and prints {"org_id"}', async () => {
    const r = await cli.run(['admin', 'org', 'create', '--name', 'Acme Health', '--json']);
    expect(r).toEqual({ code: 0, stdout: '{"org_id":1}\n', stderr: '' });
  });

  it('lists organisations as JSON and as a table', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme Health']);
    expect(await cli.json(['admin', 'org', 'list'])).toEqual([
      { org_id: 1, name: 'Acme Health', created_at: expect.any(Number) },
    ]);
    const text = await cli.run(['admin', 'org', 'list']);
    expect(text.stdout).toMatch(/^org_id +name +created\n1 +Acme Health +\d{4}-\d\d-\d\dT/);
  });
});

describe('openpdx admin connection', () => {
  it('creates a connection and prints {"nid","token"}', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme']);
    const out = await cli.json([
      'admin',
      'connection',
      'create',
      '--org',
      '1',
      '--callback',
      'http://localhost:9000/cb',
      '--notifications',
      '--grant',
      'ds_personal_details:r:field_personal_fname,field_personal_faname',
      '--grant',
      'ds_referrals:rw',
      '--name',
      'Acme referrals',
      '--purpose',
      'Referrals',
      '--gdpr',
      'Art. 6(1)(a)',
    ]);
    expect(Object.keys(out as object)).toEqual(['nid', 'token']);
    expect(out).toEqual({ nid: 40000, token: expect.stringMatching(/^pdx_ct_/) });
    expect(await cli.json(['admin', 'connection', 'list'])).toEqual([
      {
        nid: 40000,
        org_id: 1,
        name: 'Acme referrals',
        callback_url: 'http://localhost:9000/cb',
        notifications: true,
        dssa_version: 1,
        created_at: expect.any(Number),
      },
    ]);
  });

  it('publishes a new DSSA version and prints {"version"}', async () => {
    const { nid } = await orgAndConnection();
    const r = await cli.run([
      'admin',
      'connection',
      'dssa',
      '--nid',
      String(nid),
      '--grant',
      'ds_personal_details:rw',
      'ds_events:r',
      '--json',
    ]);
    expect(r).toEqual({ code: 0, stdout: '{"version":2}\n', stderr: '' });
  });

  it('explains a bad grant spec, an unknown organisation and an unknown NID on stderr with exit 1', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme']);
    const bad = await cli.run([
      'admin',
      'connection',
      'create',
      '--org',
      '1',
      '--callback',
      'https://a.example/cb',
      '--grant',
      'ds_nope:rw',
    ]);
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'error: Invalid grant: grant "ds_nope:rw": unknown dataset ds_nope\n' });
    const org = await cli.run([
      'admin',
      'connection',
      'create',
      '--org',
      '7',
      '--callback',
      'https://a.example/cb',
      '--grant',
      'ds_referrals:rw',
    ]);
    expect(org).toEqual({ code: 1, stdout: '', stderr: 'error: Unknown organisation: Organisation 7 does not exist.\n' });
    const nid = await cli.run(['admin', 'connection', 'dssa', '--nid', '40404', '--grant', 'ds_referrals:rw']);
    expect(nid).toEqual({ code: 1, stdout: '', stderr: 'error: Unknown connection: Connection 40404 does not exist.\n' });
  });
});

describe('openpdx admin client', () => {
  it('creates, rotates, disables and lists clients with the documented JSON shapes', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme']);
    const created = (await cli.json([
      'admin',
      'client',
      'create',
      '--org',
      '1',
      '--scope',
      'mydex:pdx get:/api/pds/mam',
      '--name',
      'Acme backend',
    ])) as Record<string, string>;
    expect(Object.keys(created)).toEqual(['client_id', 'client_secret']);
    expect(created.client_id).toMatch(UUID);
    expect(created.client_secret).toMatch(/^pdx_cs_/);

    const rotated = (await cli.json([
      'admin',
      'client',
      'rotate-secret',
      '--client',
      created.client_id!,
      '--grace',
      '60',
    ])) as Record<string, string>;
    expect(rotated).toEqual({ client_id: created.client_id, client_secret: expect.stringMatching(/^pdx_cs_/) });
    expect(rotated.client_secret).not.toBe(created.client_secret);

    expect(await cli.json(['admin', 'client', 'disable', '--client', created.client_id!])).toEqual({
      client_id: created.client_id,
      disabled: true,
    });
    expect(await cli.json(['admin', 'client', 'list'])).toEqual([
      {
        client_id: created.client_id,
        org_id: 1,
        name: 'Acme backend',
        scopes: 'mydex:pdx get:/api/pds/mam',
        disabled: true,
        created_at: expect.any(Number),
      },
    ]);
  });

  it('creates sign-in clients: --redirect-uri (repeatable), and --public without a secret', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme']);
    const args = ['admin', 'client', 'create', '--org', '1', '--scope', 'openid mydexid'];
    const uris = ['--redirect-uri', 'https://app.example.org/cb', '--redirect-uri', 'http://localhost:5555/callback'];
    const confidential = (await cli.json([...args, ...uris])) as Record<string, string>;
    expect(Object.keys(confidential)).toEqual(['client_id', 'client_secret']);
    const pub = (await cli.json([...args, ...uris.slice(0, 2), '--public'])) as Record<string, string>;
    expect(Object.keys(pub)).toEqual(['client_id']);
    const listed = (await cli.json(['admin', 'client', 'list'])) as Record<string, unknown>[];
    expect(listed.find((c) => c.client_id === confidential.client_id)).toMatchObject({
      redirect_uris: 'https://app.example.org/cb http://localhost:5555/callback',
    });
    expect(listed.find((c) => c.client_id === confidential.client_id)).not.toHaveProperty('public');
    expect(listed.find((c) => c.client_id === pub.client_id)).toMatchObject({
      redirect_uris: 'https://app.example.org/cb',
      public: true,
    });
    const noUri = await cli.run([...args, '--public']);
    expect(noUri).toMatchObject({ code: 1, stderr: expect.stringContaining('A public client needs at least one redirect URI.') });
    const plain = await cli.run([...args, '--redirect-uri', 'ftp://app.example.org/cb']);
    expect(plain).toMatchObject({ code: 1, stderr: expect.stringContaining('must use https') });
  });

  it('refuses a client for an unknown organisation', async () => {
    const r = await cli.run(['admin', 'client', 'create', '--org', '5', '--scope', 'mydex:pdx']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: Unknown organisation: Organisation 5 does not exist.\n' });
  });
});

describe('openpdx admin member and connect', () => {
  it('creates a member and connects them in sandbox', async () => {
    const { nid } = await orgAndConnection();
    const member = [
      '--mydexid',
      'jo.bloggs',
      '--email',
      'jo@example.org',
      '--password',
      'correct horse',
      '--private-key',
      'battery staple',
    ];
    expect(await cli.json(['admin', 'member', 'create', ...member])).toEqual({ uid: 1 });
    const connected = await cli.json([
      'admin',
      'connect',
      '--mydexid',
      'jo.bloggs',
      '--nid',
      String(nid),
      '--private-key',
      'battery staple',
    ]);
    expect(Object.keys(connected as object)).toEqual(['uid', 'con_id', 'key']);
    expect(connected).toEqual({ uid: 1, con_id: `1-${nid}`, key: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
  });

  it('refuses to connect a member in live', async () => {
    const live = { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org', OPENPDX_TRUST_PROXY: '127.0.0.1' };
    const r = await cli.run(['admin', 'connect', '--mydexid', 'jo.bloggs', '--nid', '40000', '--private-key', 'battery staple'], {
      env: live,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: admin connect is only available in sandbox: in live, members consent through the FTC journey.\n',
    );
  });
});

describe('openpdx admin keys rotate', () => {
  it('prints the new key id as {"kid"}', async () => {
    const out = await cli.json(['admin', 'keys', 'rotate']);
    expect(out).toEqual({ kid: expect.any(String) });
  });
});
