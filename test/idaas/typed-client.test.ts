/**
 * "Done when clients generated from Mydex's OpenAPI call every operation and get schema-valid
 * answers": a typed client generated from the reference (openapi-typescript types in
 * ./generated, openapi-fetch) calls every operation of a running server over HTTP, with a token
 * from the server's own token endpoint, including 400 and 401 answers.
 */
import createClient, { type Client } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import type { components, paths } from './generated/idaas-api.ts';
import { IDAAS_SCOPES, identifierOf, sha512 } from './helpers.ts';
import { OPERATIONS, schemaErrors } from './openapi.ts';

type Schemas = components['schemas'];
const SUB = '123e4567-e89b-12d3-a456-426614174000';

let t: TestApp;
let base: string;
let sub: Subscriber;
let m: ConnectedMember;
let api: Client<paths>;
let anonymous: Client<paths>;
const called = new Set<string>();

/** Every answer is checked against the reference schema for its status, and the operation recorded. */
async function checked<R extends { response: Response; data?: unknown; error?: unknown }>(
  method: string,
  path: string,
  call: Promise<R>,
): Promise<R> {
  const r = await call;
  called.add(`${method} ${path}`);
  const body = r.response.ok ? r.data : r.error;
  expect(r.response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(
    schemaErrors(method, path, r.response.status, body),
    `${method} ${path} ${r.response.status}: ${JSON.stringify(body)}`,
  ).toBeNull();
  return r;
}

beforeAll(async () => {
  t = await createTestApp();
  base = await t.listen();
  sub = await createSubscriber(t, ['ds_personal_details:rw'], IDAAS_SCOPES);
  m = await connectMember(t.ctx, sub, 'typed.client');
  await createMember(t.ctx, 'typed.mapped');
  await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'abc123xyz456', mydexid: 'typed.mapped' });
  await t.ctx.idaas.identities.map({ provider: 'scotaccount', externalId: SUB, mydexid: 'typed.mapped' });
  // The client credentials grant over HTTP, as a subscriber's backend does it (contract §2).
  const tokenRes = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${sub.clientId}:${sub.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: IDAAS_SCOPES.join(' ') }),
  });
  expect(tokenRes.status).toBe(200);
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  api = createClient<paths>({ baseUrl: base, headers: { authorization: `Bearer ${access_token}` } });
  anonymous = createClient<paths>({ baseUrl: base });
});
afterAll(() => t.close());

const linkBody = (): Schemas['FtcSetupRequestBody'] => ({
  connection_nid: String(sub.nid),
  connection_token_hash: sha512(sub.connectionToken),
  return_to: 'https://subscriber.example.org/callback',
  linking_token: 'unique_linking_token',
});

function inviteBody(itemId: string): Schemas['InviteRequestBody'] {
  return {
    identifier: identifierOf(m, sub),
    app_url: 'https://subscriber.example.org',
    client_id: sub.clientId,
    con_nid: String(sub.nid),
    org_id: String(sub.orgId),
    project_id: 'proj123',
    item_id: itemId,
    type: 'identifier',
    message_email: 'Please complete your registration',
    message_sms: null,
  };
}

describe('a client generated from the IDaaS reference, against a running server', () => {
  it('postFtcSetup: 201 FtcUrlResponse; 400 ErrorResponse; 401 AuthErrorResponse', async () => {
    const ok = await checked(
      'POST',
      '/ftc/setup',
      api.POST('/ftc/setup', { body: { ...linkBody(), version: 1, mydexid: null } }),
    );
    expect(ok.response.status).toBe(201);
    expect(ok.data?.url).toMatch(new RegExp(`^http://localhost:8080/ftc/begin/${sub.nid}/pdx_ln_[^/]+/1$`));
    expect(ok.data?.qr).toMatch(/^data:image\/png;base64,/);
    const bad = await checked('POST', '/ftc/setup', api.POST('/ftc/setup', { body: { ...linkBody(), return_to: '' } }));
    expect(bad.response.status).toBe(400);
    expect(bad.error).toEqual({ success: 0, message: 'return_to is required.' });
    const unauthorised = await checked('POST', '/ftc/setup', anonymous.POST('/ftc/setup', { body: linkBody() }));
    expect(unauthorised.response.status).toBe(401);
    expect(unauthorised.error).toEqual({ error: { message: 'Access denied', reason: expect.any(String) } });
  });

  it('postIdentify: 201 IdentifyUrlResponse; 400; 401', async () => {
    const ok = await checked('POST', '/identify', api.POST('/identify', { body: linkBody() }));
    expect(ok.response.status).toBe(201);
    expect(ok.data?.url).toMatch(/\/ftc\/begin\//);
    const bad = await checked('POST', '/identify', api.POST('/identify', { body: { ...linkBody(), connection_nid: 'abc' } }));
    expect(bad.response.status).toBe(400);
    expect((await checked('POST', '/identify', anonymous.POST('/identify', { body: linkBody() }))).response.status).toBe(401);
  });

  it('postNotifyMemberViaIdentifier and patchNotifyStatus: 200 CreateIdentifierResponse; 400; 401', async () => {
    const body: Schemas['NotifyMemberRequestBody'] = {
      identifier_auth: { parent_uuid: identifierOf(m, sub), con_nid: String(sub.nid), type: 'notification' },
      message_email: 'Please verify your identity',
      message_sms: 'Please verify your identity',
    };
    const sent = await checked('POST', '/members/notify', api.POST('/members/notify', { body }));
    expect(sent.response.status).toBe(200);
    expect(sent.data?.success).toBe(1);
    const identifier = sent.data!.identifier!;
    const patched = await checked(
      'PATCH',
      '/members/notify/status',
      api.PATCH('/members/notify/status', { body: { identifier } }),
    );
    expect(patched.data).toEqual({ success: 1, identifier });
    const again = await checked('PATCH', '/members/notify/status', api.PATCH('/members/notify/status', { body: { identifier } }));
    expect(again.response.status).toBe(400);
    const unknown = await checked(
      'POST',
      '/members/notify',
      api.POST('/members/notify', {
        body: { ...body, identifier_auth: { parent_uuid: '550e8400-e29b-41d4-a716-446655440000' } },
      }),
    );
    expect(unknown.error).toEqual({ success: 0, message: 'Member does not exist.' });
    expect((await checked('POST', '/members/notify', anonymous.POST('/members/notify', { body }))).response.status).toBe(401);
    const noAuth = anonymous.PATCH('/members/notify/status', { body: { identifier } });
    expect((await checked('PATCH', '/members/notify/status', noAuth)).response.status).toBe(401);
  });

  it('postStoreAndSendIdentifierInvite, getIdentifierInvite and postInviteStatus: the invite lifecycle; 400; 401', async () => {
    const created = await checked('POST', '/members/invite', api.POST('/members/invite', { body: inviteBody('typed-item') }));
    expect(created.response.status).toBe(200);
    const code = created.data!.invite_url_code!;
    const { message_email: _e, message_sms: _s, ...context } = inviteBody('typed-item');
    const pending = await checked('POST', '/members/invite/status', api.POST('/members/invite/status', { body: context }));
    expect(pending.data).toEqual({ success: 1, status: 'pending' });
    const read = await checked(
      'GET',
      '/members/invite/{invite}',
      api.GET('/members/invite/{invite}', { params: { path: { invite: code } } }),
    );
    expect(read.data).toEqual(created.data);
    const used = await checked('POST', '/members/invite/status', api.POST('/members/invite/status', { body: context }));
    expect(used.data).toEqual({ success: 1, status: 'used' });
    const bad = await checked('POST', '/members/invite', api.POST('/members/invite', { body: { ...inviteBody('x'), type: '' } }));
    expect(bad.error).toEqual({ success: 0, message: 'type is required.' });
    expect(
      (await checked('POST', '/members/invite', anonymous.POST('/members/invite', { body: inviteBody('y') }))).response.status,
    ).toBe(401);
    const anonRead = anonymous.GET('/members/invite/{invite}', { params: { path: { invite: code } } });
    expect((await checked('GET', '/members/invite/{invite}', anonRead)).response.status).toBe(401);
    const anonStatus = anonymous.POST('/members/invite/status', { body: context });
    expect((await checked('POST', '/members/invite/status', anonStatus)).response.status).toBe(401);
  });

  it('getMydexIdFromMyAccountSvt and getMydexIdFromScotAccountSub: 200 string; 400; 401', async () => {
    const svt = await checked(
      'GET',
      '/members/myaccount/{svt}',
      api.GET('/members/myaccount/{svt}', { params: { path: { svt: 'abc123xyz456' } } }),
    );
    expect(svt.data).toBe('typed.mapped');
    const guid = await checked(
      'GET',
      '/members/scotaccount/{sub}',
      api.GET('/members/scotaccount/{sub}', { params: { path: { sub: SUB } } }),
    );
    expect(guid.data).toBe('typed.mapped');
    const unknown = await checked(
      'GET',
      '/members/myaccount/{svt}',
      api.GET('/members/myaccount/{svt}', { params: { path: { svt: 'nobody' } } }),
    );
    expect(unknown.response.status).toBe(400);
    expect(unknown.error).toEqual({ success: 0, message: 'Member does not exist.' });
    const notUuid = await checked(
      'GET',
      '/members/scotaccount/{sub}',
      api.GET('/members/scotaccount/{sub}', { params: { path: { sub: 'x' } } }),
    );
    expect(notUuid.response.status).toBe(400);
    const anonSvt = anonymous.GET('/members/myaccount/{svt}', { params: { path: { svt: 'abc123xyz456' } } });
    expect((await checked('GET', '/members/myaccount/{svt}', anonSvt)).response.status).toBe(401);
    const anonSub = anonymous.GET('/members/scotaccount/{sub}', { params: { path: { sub: SUB } } });
    expect((await checked('GET', '/members/scotaccount/{sub}', anonSub)).response.status).toBe(401);
  });

  it('has called every operation of the reference', () => {
    expect([...called].sort()).toEqual(OPERATIONS.map((o) => `${o.method} ${o.path}`).sort());
  });
});
