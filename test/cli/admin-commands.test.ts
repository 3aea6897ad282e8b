import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCli, memberArgs, type TestCli } from './cli-harness.ts';

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

  it('creates private_key_jwt clients from a JWK Set file or URL, with no secret, and explains a bad file', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme']);
    const { publicKey } = await generateKeyPair('ES256');
    const jwksFile = join(cli.dir, 'client-keys.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }));
    const args = ['admin', 'client', 'create', '--org', '1', '--scope', 'mydex:pdx'];
    const fromFile = (await cli.json([...args, '--jwks', jwksFile])) as Record<string, string>;
    expect(Object.keys(fromFile)).toEqual(['client_id']);
    const text = await cli.run([...args, '--jwks-uri', 'https://app.example.org/jwks.json']);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain('Client created with no secret: it authenticates with private_key_jwt');
    const listed = (await cli.json(['admin', 'client', 'list'])) as Record<string, unknown>[];
    expect(listed.find((c) => c.client_id === fromFile.client_id)).toMatchObject({ auth: 'private_key_jwt' });
    expect(listed.find((c) => c.auth === 'private_key_jwt' && c.client_id !== fromFile.client_id)).toMatchObject({
      jwks_uri: 'https://app.example.org/jwks.json',
    });
    const rotate = await cli.run(['admin', 'client', 'rotate-secret', '--client', fromFile.client_id!]);
    expect(rotate).toMatchObject({ code: 1, stderr: expect.stringContaining('This client has no secret') });

    const missing = await cli.run([...args, '--jwks', join(cli.dir, 'nope.json')]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('Cannot read the JWK Set file') });
    writeFileSync(jwksFile, '{"keys": [');
    expect(await cli.run([...args, '--jwks', jwksFile])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is not JSON'),
    });
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(jwksFile, JSON.stringify({ keys: [await exportJWK(privateKey)] }));
    expect(await cli.run([...args, '--jwks', jwksFile])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('holds private or symmetric key material (d)'),
    });
    const both = await cli.run([...args, '--jwks', jwksFile, '--jwks-uri', 'https://app.example.org/jwks.json']);
    expect(both).toMatchObject({ code: 1 });
  });

  it('creates DPoP-bound clients with --dpop, and refuses --dpop for a public client', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme']);
    const created = (await cli.json(['admin', 'client', 'create', '--org', '1', '--scope', 'mydex:pdx', '--dpop'])) as Record<
      string,
      string
    >;
    expect(Object.keys(created)).toEqual(['client_id', 'client_secret']);
    const listed = (await cli.json(['admin', 'client', 'list'])) as Record<string, unknown>[];
    expect(listed.find((c) => c.client_id === created.client_id)).toMatchObject({ dpop: true });
    const args = ['admin', 'client', 'create', '--org', '1', '--scope', 'openid', '--redirect-uri', 'https://app.example.org/cb'];
    expect(await cli.run([...args, '--public', '--dpop'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('DPoP binds client-credentials tokens; a public client has none'),
    });
  });

  it('refuses an unknown scope, suggesting the closest and saying where the valid ones are listed', async () => {
    await cli.json(['admin', 'org', 'create', '--name', 'Acme']);
    const r = await cli.run(['admin', 'client', 'create', '--org', '1', '--scope', 'mydex:pdx get:/api/pds/mamm']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: Unknown scope: get:\/api\/pds\/mamm is not a scope of this server\. Did you mean get:\/api\/pds\/mam\? Valid scopes are .*mydex:pdx, .*openid, mydexid, offline_access, and \d+ route scopes \(<method>:<path>\); openpdx admin client scopes lists them all\.\n$/,
    );
    expect(await cli.json(['admin', 'client', 'list'])).toEqual([]);
  });

  it('lists every scope a client may be given, with what each allows', async () => {
    const scopes = (await cli.json(['admin', 'client', 'scopes'])) as { scope: string; description: string }[];
    const byName = new Map(scopes.map((s) => [s.scope, s.description]));
    expect(byName.get('mydex:pdx')).toBe('Global access scope for connections endpoints');
    expect(byName.get('get:/api/pds/mam')).toBe('Route scope of GET /api/pds/mam');
    expect(byName.get('post:/calendar/add-event')).toBeDefined();
    expect(byName.get('openid')).toMatch(/^Sign members in/);
    const text = await cli.run(['admin', 'client', 'scopes']);
    expect(text.stdout).toMatch(/^scope +description\n(mydex:\w+ +.*\n)+get:\/api\//);
  });

  it('with --json, reports failures as one line of JSON on stderr with a non-zero exit', async () => {
    const unknownOrg = await cli.run(['admin', 'client', 'create', '--org', '5', '--scope', 'mydex:pdx', '--json']);
    expect(unknownOrg).toEqual({
      code: 1,
      stdout: '',
      stderr: '{"error":{"code":"not_found","message":"Unknown organisation","reason":"Organisation 5 does not exist."}}\n',
    });
    const usage = await cli.run(['admin', 'client', 'create', '--scope', 'mydex:pdx', '--json']);
    expect(usage).toEqual({
      code: 2,
      stdout: '',
      stderr: `${JSON.stringify({ error: { code: 'usage', message: "required option '--org <id>' not specified" } })}\n`,
    });
  });

  it('refuses a client for an unknown organisation', async () => {
    const r = await cli.run(['admin', 'client', 'create', '--org', '5', '--scope', 'mydex:pdx']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: Unknown organisation: Organisation 5 does not exist.\n' });
  });
});

describe('openpdx admin member and connect', () => {
  it('creates a member and connects them in sandbox', async () => {
    const { nid } = await orgAndConnection();
    expect(await cli.json(memberArgs('jo.bloggs', 'jo@example.org'))).toEqual({ uid: 1 });
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

  it('lists members a page at a time and shows one with its connections', async () => {
    const { nid } = await orgAndConnection();
    for (const name of ['ann.one', 'bob.two', 'cat.three']) {
      await cli.json(memberArgs(name));
    }
    await cli.json(['admin', 'connect', '--mydexid', 'bob.two', '--nid', String(nid), '--private-key', 'battery staple']);
    const first = (await cli.json(['admin', 'member', 'list', '--limit', '2'])) as { uid: number; mydexid: string }[];
    expect(first.map((m) => m.mydexid)).toEqual(['ann.one', 'bob.two']);
    expect(first[0]).toEqual({ uid: 1, mydexid: 'ann.one', email: 'ann.one@example.org', created_at: expect.any(Number) });
    const rest = (await cli.json(['admin', 'member', 'list', '--after', '2', '--limit', '2'])) as { mydexid: string }[];
    expect(rest.map((m) => m.mydexid)).toEqual(['cat.three']);
    const page = await cli.run(['admin', 'member', 'list', '--limit', '2']);
    expect(page.stdout).toMatch(/^uid +mydexid +email +created_at\n1 +ann\.one .*\n2 +bob\.two .*\nNext page: --after 2\n$/);
    expect((await cli.run(['admin', 'member', 'list', '--limit', '0'])).stderr).toBe(
      'error: Invalid limit: --limit must be from 1 to 1000.\n',
    );

    const bob = await cli.json(['admin', 'member', 'show', '--mydexid', 'bob.two']);
    expect(bob).toEqual({
      uid: 2,
      mydexid: 'bob.two',
      email: 'bob.two@example.org',
      created_at: expect.any(Number),
      connections: [
        {
          nid,
          con_id: `2-${nid}`,
          subscriber: 'Acme Health',
          dssa_version: 1,
          since: expect.any(Number),
          last_read: null,
          last_change: null,
        },
      ],
    });
    const text = await cli.run(['admin', 'member', 'show', '--uid', '2']);
    expect(text.stdout).toMatch(
      /^Member 2\n  mydexid +bob\.two\n[\s\S]*Connections:\nnid +con_id +subscriber .*\n40000 +2-40000 +Acme Health +1 /,
    );
    expect((await cli.run(['admin', 'member', 'show', '--uid', '9'])).stderr).toBe(
      'error: Unknown member: There is no member 9.\n',
    );
    expect((await cli.run(['admin', 'member', 'show'])).stderr).toBe('error: Name one member: Give either --uid or --mydexid.\n');
  });

  it('shows a connection: DSSA versions as grant specs, the clients of its organisation, its members', async () => {
    const { orgId, nid } = await orgAndConnection();
    await cli.json([
      'admin',
      'connection',
      'dssa',
      '--nid',
      String(nid),
      '--grant',
      'ds_personal_details:r:field_personal_fname',
      '--grant',
      'ds_referrals:rw',
    ]);
    const { client_id } = (await cli.json([
      'admin',
      'client',
      'create',
      '--org',
      String(orgId),
      '--scope',
      'mydex:pdx',
      '--name',
      'Backend',
    ])) as { client_id: string };
    await cli.json(memberArgs('jo.bloggs'));
    await cli.json(['admin', 'connect', '--mydexid', 'jo.bloggs', '--nid', String(nid), '--private-key', 'battery staple']);
    const shown = (await cli.json(['admin', 'connection', 'show', '--nid', String(nid)])) as Record<string, unknown>;
    expect(shown).toMatchObject({
      nid,
      org_id: orgId,
      organisation: 'Acme Health',
      callback_url: 'https://acme.example/cb',
      dssa_version: 2,
      active_members: 1,
      clients: [{ client_id, name: 'Backend', scopes: 'mydex:pdx', disabled: false }],
    });
    expect((shown.dssa_versions as { version: number; grants: string[] }[]).map((d) => [d.version, d.grants])).toEqual([
      [1, ['ds_personal_details:rw']],
      [2, ['ds_personal_details:r:field_personal_fname', 'ds_referrals:rw']],
    ]);
    const text = await cli.run(['admin', 'connection', 'show', '--nid', String(nid)]);
    expect(text.stdout).toContain('DSSA versions (members consent to the latest):');
    expect(text.stdout).toMatch(/\n2 +\d{4}-\d\d-\d\dT\S+ +ds_personal_details:r:field_personal_fname ds_referrals:rw/);
    expect((await cli.run(['admin', 'connection', 'show', '--nid', '40404'])).stderr).toBe(
      'error: Unknown connection: Connection 40404 does not exist.\n',
    );
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
