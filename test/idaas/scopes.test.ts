/**
 * Contract §3 for IDaaS: each route needs exactly the scope its operation names in the reference
 * (mydex:pdx for /ftc/setup and /identify, mydex:identifiers, mydex:myaccount, mydex:scotaccount).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDAAS_OPERATIONS } from '../../src/idaas/idaas-routes.ts';
import { connectMember, createMember, createSubscriber, tokenFor, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ACCESS_DENIED, IDAAS_SCOPES, idaas, inviteBody, inviteContext, linkBody, notifyBody } from './helpers.ts';
import { OPERATIONS } from './openapi.ts';

const SUB = '123e4567-e89b-12d3-a456-426614174000';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
let inviteCode: string;
let notification: string;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw'], IDAAS_SCOPES);
  m = await connectMember(t.ctx, sub, 'idaas-scopes');
  await createMember(t.ctx, 'idaas.scopes.mapped');
  await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'svt-scopes', mydexid: 'idaas.scopes.mapped' });
  await t.ctx.idaas.identities.map({ provider: 'scotaccount', externalId: SUB, mydexid: 'idaas.scopes.mapped' });
  inviteCode = String((await idaas(t, sub, 'POST', '/members/invite', { body: inviteBody(sub, m) })).data.invite_url_code);
  notification = String((await idaas(t, sub, 'POST', '/members/notify', { body: notifyBody(sub, m) })).data.identifier);
});
afterAll(() => t.close());

/** A request each operation accepts, so that only the credentials can fail: [concrete URL, body]. */
function valid(method: string, path: string): [string, unknown] {
  switch (`${method} ${path}`) {
    case 'POST /ftc/setup':
    case 'POST /identify':
      return [path, linkBody(sub)];
    case 'POST /members/notify':
      return [path, notifyBody(sub, m)];
    case 'PATCH /members/notify/status':
      return [path, { identifier: notification }];
    case 'POST /members/invite':
      return [path, inviteBody(sub, m, { item_id: 'scope-item' })];
    case 'GET /members/invite/{invite}':
      return [`/members/invite/${inviteCode}`, undefined];
    case 'POST /members/invite/status':
      return [path, inviteContext(sub, m)];
    case 'GET /members/myaccount/{svt}':
      return ['/members/myaccount/svt-scopes', undefined];
    case 'GET /members/scotaccount/{sub}':
      return [`/members/scotaccount/${SUB}`, undefined];
    default:
      throw new Error(`no valid request for ${method} ${path}`);
  }
}

const as = (scopes: string[]) => tokenFor(t, sub.clientId, sub.clientSecret, scopes.join(' '));
type Verb = 'GET' | 'POST' | 'PATCH';

describe('IDaaS route scopes (contract §3, the reference security requirements)', () => {
  it('serves exactly the operations of the reference, each with the scope the reference names', () => {
    const ours = IDAAS_OPERATIONS.map(([method, path, scope]) => ({ method, path, scopes: [scope] }));
    expect(ours).toEqual(OPERATIONS.map(({ method, path, scopes }) => ({ method, path, scopes })));
  });

  for (const [method, path, scope] of IDAAS_OPERATIONS) {
    describe(`${method} ${path}`, () => {
      const others = IDAAS_SCOPES.filter((s) => s !== scope);

      it(`is refused with 403 without ${scope}, even with every other IDaaS scope`, async () => {
        const [url, body] = valid(method, path);
        const res = await idaas(t, sub, method as Verb, url, { body, token: await as(others) }, path);
        expect(res.statusCode).toBe(403);
        expect(res.data).toEqual(ACCESS_DENIED);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
      });

      if (scope !== 'mydex:pdx') {
        it('needs no mydex:pdx: its own scope alone lets the call through', async () => {
          const [url, body] = valid(method, path);
          const res = await idaas(t, sub, method as Verb, url, { body, token: await as([scope]) }, path);
          expect(res.statusCode).toBe(200);
        });
      } else {
        it('lets mydex:pdx alone through', async () => {
          const [url, body] = valid(method, path);
          const res = await idaas(t, sub, method as Verb, url, { body, token: await as([scope]) }, path);
          expect(res.statusCode).toBe(201);
        });
      }

      it('is refused with 401 and the AuthErrorResponse body without a token, or with a malformed one', async () => {
        const [url, body] = valid(method, path);
        for (const authorization of [undefined, 'Bearer', 'Basic abc', `Bearer ${sub.accessToken}x`]) {
          const res = await t.app.inject({
            method: method as Verb,
            url,
            headers: {
              ...(authorization && { authorization }),
              ...(body !== undefined && { 'content-type': 'application/json' }),
            },
            ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
          });
          expect(res.statusCode, String(authorization)).toBe(401);
          expect(res.json()).toEqual(ACCESS_DENIED);
          expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
        }
      });
    });
  }
});
