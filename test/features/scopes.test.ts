import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_ROUTES } from '../../src/features/feature-routes.ts';
import { routeScopeOf } from '../../src/oauth/principal.ts';
import { connectMember, createSubscriber, tokenFor, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ACCESS_DENIED, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES, block, expectConforms, type BlockRequest } from './helpers.ts';
import { definedStatuses } from './openapi.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, sub, 'scope-member');
});
afterAll(() => t.close());

const event = { title: 'x', start_timestamp: 1, end_timestamp: 2, status: 'INVITED' };
/** A request each route accepts as far as its parameters go, so only the credentials can fail. */
const VALID: Record<string, BlockRequest> = {
  '/calendar/add-event': { body: event },
  '/calendar/add-appointment': { body: { ...event, context: 'referral', context_id: 1 } },
  '/calendar/get-appointments': { query: { context: 'referral', context_id: 1 } },
  '/calendar/update-event': { body: { id: 1, title: 'y' } },
  '/calendar/delete-event': { body: { id: 1 } },
  '/referrals/self-refer': { body: { service_id: 1 } },
  '/referrals/add': {
    body: {
      remote_dssa_uuid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      member_present: true,
      return_to: 'https://example.org/back',
      referral_data: { service_identifier: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' },
    },
  },
  '/referrals/read-single': { query: { id: 1 } },
  '/referrals/update-status': { body: { id: 1, status: 'Accepted' } },
  '/secure-messages/send': { body: { conversation_id: 'c', message_content: 'x', message_to: 'y' } },
  '/secure-messages/receive': { body: { conversation_id: 'c', message_content: 'x', message_from: 'y' } },
  '/secure-messages/conversation': { query: { conversation_id: 'c' } },
  '/timeline/single-item': { query: { feature_block: 'calendar', feature_block_id: 1 } },
};

const as = (scopes: string[]) => tokenFor(t, sub.clientId, sub.clientSecret, scopes.join(' '));

describe('feature-block route scopes (contract §3)', () => {
  for (const [method, path] of FEATURE_ROUTES) {
    const scope = routeScopeOf(method, path);
    const verb = method as 'GET' | 'POST' | 'PUT' | 'DELETE';

    describe(`${method} ${path}`, () => {
      it(`is refused with 403 without ${scope}, even with every other scope`, async () => {
        const accessToken = await as(ALL_BLOCK_SCOPES.filter((s) => s !== scope));
        const res = await block(t, { ...sub, accessToken }, m, verb, path, { body: {} });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(ACCESS_DENIED);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
      });

      it('is refused with 403 without mydex:pdx, even with its route scope', async () => {
        const accessToken = await as([scope]);
        const res = await block(t, { ...sub, accessToken }, m, verb, path, { body: {} });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(ACCESS_DENIED);
      });

      it('lets mydex:pdx with its route scope through', async () => {
        const accessToken = await as(['mydex:pdx', scope]);
        const res = await block(t, { ...sub, accessToken }, m, verb, path, { body: {} });
        expect([401, 403]).not.toContain(res.statusCode);
      });

      it('is refused with 401 and the AuthErrorResponse body without a token', async () => {
        const res = await block(t, { ...sub, accessToken: 'not-a-token' }, m, verb, path, { body: {} });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual(ACCESS_DENIED);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
        if (definedStatuses(method, path).includes(401)) expectConforms(res, method, path);
      });

      it('is refused with 403 when the member key is wrong', async () => {
        const res = await block(t, sub, { ...m, key: 'A'.repeat(32) }, verb, path, VALID[path] ?? {});
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({
          error: { message: 'Access denied', reason: 'The connection credentials are not valid for this member.' },
        });
      });

      it('is refused with 403 when uid names another member than con_id', async () => {
        const res = await block(t, sub, m, verb, path, { ...VALID[path], query: { ...VALID[path]?.query, uid: m.uid + 1000 } });
        expect(res.statusCode).toBe(403);
        expect(res.json().error.reason).toBe('The connection credentials are not valid for this member.');
      });
    });
  }
});
