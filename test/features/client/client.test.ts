/**
 * A typed client made from Mydex's feature-block reference (openapi-typescript types in
 * feature-blocks.ts, openapi-fetch) against a listening OpenPDX: every operation of the reference
 * once as it should work, once without and once with a bad bearer token (401), and once with a bad
 * body or parameter (400). Where the types themselves refuse the bad input, `@ts-expect-error`
 * proves it, so the generated types are as strict as the server. Every body is checked against the
 * reference schema for its status (test/features/openapi.ts).
 */
import createClient, { type Client } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../../fixtures.ts';
import { createTestApp, type TestApp } from '../../harness.ts';
import { ACCESS_DENIED, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES } from '../helpers.ts';
import { definedStatuses, doc as reference, schemaErrors } from '../openapi.ts';
import type { paths } from './feature-blocks.ts';

type FeatureBlocks = Client<paths>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
let baseUrl: string;
let api: FeatureBlocks;
/** ids made by earlier successful operations, read by later ones (a refused call leaves them be) */
const made = { event: 0, appointment: 0, referral: 0 };

const member = () => ({ header: { 'Connection-Token': m.key }, query: { uid: String(m.uid), con_id: m.conId } });
/** A member whose uid is empty: every block refuses the call before reading anything. */
const noUid = () => ({ header: { 'Connection-Token': m.key }, query: { uid: '', con_id: m.conId } });
const lunch = {
  title: 'Lunch with Ellen',
  start_timestamp: 1754289000,
  end_timestamp: 1754292600,
  status: 'INVITED' as const,
  organiser: 'Sally Adams',
  location: 'Main building',
};

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, sub, 'typed-client-member');
  baseUrl = await t.listen();
  api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${sub.accessToken}` } });
});
afterAll(() => t?.close());

interface Operation {
  method: Method;
  path: keyof paths;
  /** the call as it should work, made with `c` */
  ok(c: FeatureBlocks): Promise<Answer>;
  /** a call with a bad body or parameter, and the block's message for it */
  bad(c: FeatureBlocks): Promise<Answer>;
  badMessage: string;
}

/** In the reference's order: calendar (6), referrals (4), secure messages (3), timeline (2). */
const OPERATIONS: Operation[] = [
  {
    method: 'POST',
    path: '/calendar/add-event',
    ok: async (c) => {
      const r = await c.POST('/calendar/add-event', { params: member(), body: lunch });
      made.event = r.data?.last_insert_id ?? made.event;
      return r;
    },
    bad: (c) =>
      c.POST('/calendar/add-event', {
        params: member(),
        // @ts-expect-error the reference requires a title
        body: { ...lunch, title: undefined },
      }),
    badMessage: 'title is required.',
  },
  {
    method: 'POST',
    path: '/calendar/add-appointment',
    ok: async (c) => {
      const r = await c.POST('/calendar/add-appointment', {
        params: member(),
        body: { ...lunch, title: 'Assessment', context: 'referral', context_id: 123 },
      });
      made.appointment = r.data?.last_insert_id ?? made.appointment;
      return r;
    },
    bad: (c) =>
      c.POST('/calendar/add-appointment', {
        params: member(),
        // @ts-expect-error the reference's context is an enum
        body: { ...lunch, context: 'party', context_id: 1 },
      }),
    badMessage: 'context must be one of: referral.',
  },
  {
    method: 'GET',
    path: '/calendar/get-events',
    ok: (c) => c.GET('/calendar/get-events', { params: member() }),
    bad: (c) => c.GET('/calendar/get-events', { params: noUid() }),
    badMessage: 'uid is required.',
  },
  {
    method: 'GET',
    path: '/calendar/get-appointments',
    ok: (c) =>
      c.GET('/calendar/get-appointments', {
        params: { ...member(), query: { ...member().query, context: 'referral', context_id: 123 } },
      }),
    bad: (c) =>
      c.GET('/calendar/get-appointments', {
        params: { ...member(), query: { ...member().query, context: '', context_id: 123 } },
      }),
    badMessage: 'context is required.',
  },
  {
    method: 'PUT',
    path: '/calendar/update-event',
    ok: (c) => c.PUT('/calendar/update-event', { params: member(), body: { id: made.event, status: 'CONFIRMED' } }),
    bad: (c) =>
      c.PUT('/calendar/update-event', {
        params: member(),
        // @ts-expect-error the reference requires a status on every update
        body: { id: made.event },
      }),
    badMessage: 'At least one field other than id must be provided.',
  },
  {
    method: 'DELETE',
    path: '/calendar/delete-event',
    ok: (c) => c.DELETE('/calendar/delete-event', { params: member(), body: { id: made.event } }),
    bad: (c) =>
      c.DELETE('/calendar/delete-event', {
        params: member(),
        // @ts-expect-error the reference requires the id
        body: {},
      }),
    badMessage: 'id is required.',
  },
  {
    method: 'POST',
    path: '/referrals/self-refer',
    ok: async (c) => {
      const r = await c.POST('/referrals/self-refer', {
        params: member(),
        body: { service_id: 1, service_name: 'Community Support', referree_availability: { AM: ['Mon'], PM: [] }, memo: 'Typed' },
      });
      made.referral = r.data?.last_insert_id ?? made.referral;
      return r;
    },
    bad: (c) =>
      c.POST('/referrals/self-refer', {
        params: member(),
        // @ts-expect-error the reference requires service_id
        body: { service_name: 'x' },
      }),
    badMessage: 'service_id is required.',
  },
  {
    method: 'GET',
    path: '/referrals/read-all',
    ok: (c) => c.GET('/referrals/read-all', { params: member() }),
    bad: (c) => c.GET('/referrals/read-all', { params: noUid() }),
    badMessage: 'uid is required.',
  },
  {
    method: 'GET',
    path: '/referrals/read-single',
    ok: (c) =>
      c.GET('/referrals/read-single', { params: { ...member(), query: { ...member().query, id: String(made.referral) } } }),
    bad: (c) => c.GET('/referrals/read-single', { params: { ...member(), query: { ...member().query, id: 'first' } } }),
    badMessage: 'id must be a whole number from 0 to 2147483647.',
  },
  {
    method: 'PUT',
    path: '/referrals/update-status',
    ok: (c) => c.PUT('/referrals/update-status', { params: member(), body: { id: made.referral, status: 'Accepted' } }),
    bad: (c) =>
      c.PUT('/referrals/update-status', {
        params: member(),
        // @ts-expect-error the reference's status is an enum
        body: { id: made.referral, status: 'Done' },
      }),
    badMessage: 'status must be one of: Referred, In Progress, Accepted, Rejected.',
  },
  {
    method: 'POST',
    path: '/secure-messages/send',
    ok: (c) =>
      c.POST('/secure-messages/send', {
        params: member(),
        body: { conversation_id: 'referral-102', message_content: 'Hello', message_to: 'Amanda' },
      }),
    bad: (c) =>
      c.POST('/secure-messages/send', {
        params: member(),
        // @ts-expect-error the reference requires the message content
        body: { conversation_id: 'referral-102', message_to: 'Amanda' },
      }),
    badMessage: 'message_content is required.',
  },
  {
    method: 'POST',
    path: '/secure-messages/receive',
    ok: (c) =>
      c.POST('/secure-messages/receive', {
        params: member(),
        body: { conversation_id: 'referral-102', message_content: 'Hello back', message_from: 'Eric' },
      }),
    bad: (c) =>
      c.POST('/secure-messages/receive', {
        params: member(),
        // @ts-expect-error the reference requires the conversation
        body: { message_content: 'Hello back', message_from: 'Eric' },
      }),
    badMessage: 'conversation_id is required.',
  },
  {
    method: 'GET',
    path: '/secure-messages/conversation',
    ok: (c) =>
      c.GET('/secure-messages/conversation', {
        params: { ...member(), query: { ...member().query, conversation_id: 'referral-102' } },
      }),
    bad: (c) =>
      c.GET('/secure-messages/conversation', { params: { ...member(), query: { ...member().query, conversation_id: '' } } }),
    badMessage: 'conversation_id is required.',
  },
  {
    method: 'GET',
    path: '/timeline',
    ok: (c) => c.GET('/timeline', { params: member() }),
    bad: (c) => c.GET('/timeline', { params: noUid() }),
    badMessage: 'uid is required.',
  },
  {
    method: 'GET',
    path: '/timeline/single-item',
    ok: (c) =>
      c.GET('/timeline/single-item', {
        params: { ...member(), query: { ...member().query, feature_block: 'referrals', feature_block_id: made.referral } },
      }),
    bad: (c) =>
      c.GET('/timeline/single-item', {
        // @ts-expect-error the reference's feature_block is an enum
        params: { ...member(), query: { ...member().query, feature_block: 'parties', feature_block_id: made.referral } },
      }),
    badMessage: 'feature_block must be one of: calendar, referrals, secure_messages.',
  },
];

/** The body matches the reference schema for its status; for a 400 the reference leaves undefined, its ErrorResponse. */
function expectReferenceBody(op: Operation, status: number, body: unknown): void {
  const [method, path] = definedStatuses(op.method, op.path).includes(status)
    ? [op.method, op.path]
    : ['POST', '/calendar/add-event'];
  expect(schemaErrors(method, path, status, body), `${op.method} ${op.path} ${status}: ${JSON.stringify(body)}`).toBeNull();
}

describe('a typed client generated from the feature-block reference', () => {
  it('covers every operation of the reference, each once', () => {
    const operations = Object.entries(reference.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations).toHaveLength(15);
    expect(OPERATIONS.map((o) => `${o.method} ${o.path}`)).toEqual(operations);
  });

  describe.each(OPERATIONS.map((op) => [`${op.method} ${op.path}`, op] as const))('%s', (_name, op) => {
    it('succeeds with 200 and a body of the reference’s success schema', async () => {
      const { data, error, response } = await op.ok(api);
      expect(error, JSON.stringify(error)).toBeUndefined();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expectReferenceBody(op, 200, data);
    });

    it('is refused with 401 without a bearer token', async () => {
      const { data, error, response } = await op.ok(createClient<paths>({ baseUrl }));
      expect(data).toBeUndefined();
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(error).toEqual(ACCESS_DENIED);
      expectReferenceBody(op, 401, error);
    });

    it('is refused with 401 with a token that is not one of ours', async () => {
      const forged = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${sub.accessToken.slice(0, -4)}AAAA` } });
      const { error, response } = await op.ok(forged);
      expect(response.status).toBe(401);
      expect(error).toEqual(ACCESS_DENIED);
    });

    it(`is refused with 400 and the block’s message for a bad request`, async () => {
      const { data, error, response } = await op.bad(api);
      expect(data).toBeUndefined();
      expect(response.status).toBe(400);
      expect(error).toEqual({ success: 0, message: op.badMessage });
      expectReferenceBody(op, 400, error);
    });
  });
});
