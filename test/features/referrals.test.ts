import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES, block, expectConforms } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

const SERVICE = '7f1c6a52-3c1e-4f7e-9a39-0c7f4f1a2b3c';
const referral = {
  service_id: 1,
  service_identifier: SERVICE,
  referree_background: 'Client has a history of...',
  referree_requirements: 'Needs support with...',
  referree_availability: { AM: ['Mon'], PM: [] },
  referrer_name: 'John Doe',
  service_name: 'Community Support',
  service_description: 'Provides support for...',
  service_url: 'https://example.com',
  service_email: 'service@example.com',
  contact_number: '+441234567890',
  memo: 'Additional notes',
  start_time: 1754289000,
};

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, sub, 'referral-member');
});
afterAll(() => t.close());

describe('referrals feature block', () => {
  let id: number;

  it('self-refers: a row of type Self Referred with status Referred', async () => {
    const res = await block(t, sub, m, 'POST', '/referrals/self-refer', { body: referral });
    expect(res.statusCode).toBe(200);
    expect(expectConforms(res, 'POST', '/referrals/self-refer')).toEqual({ success: 1, last_insert_id: expect.any(Number) });
    id = res.json().last_insert_id;
  });

  it('defaults the availability to empty AM and PM lists', async () => {
    const res = await block(t, sub, m, 'POST', '/referrals/self-refer', { body: { service_id: 2, service_name: 'Second' } });
    expect(res.statusCode).toBe(200);
    const single = await block(t, sub, m, 'GET', '/timeline/single-item', {
      query: { feature_block: 'referrals', feature_block_id: res.json().last_insert_id },
    });
    expect(single.json().timeline_item.referree_availability).toEqual({ AM: [], PM: [] });
  });

  it('reads every referral with the OpenAPI types: integers, the status enum, the service contact number', async () => {
    const res = await block(t, sub, m, 'GET', '/referrals/read-all');
    expect(res.statusCode).toBe(200);
    const body = expectConforms(res, 'GET', '/referrals/read-all') as { referrals: Record<string, unknown>[] };
    expect(body.referrals).toHaveLength(2);
    expect(body.referrals[0]).toEqual({
      id,
      created_timestamp: expect.any(Number),
      service_id: 1,
      service_identifier: SERVICE,
      service_name: 'Community Support',
      service_description: 'Provides support for...',
      service_contact_number: '+441234567890',
      service_email: 'service@example.com',
      service_url: 'https://example.com',
      type: 'Self Referred',
      status: 'Referred',
    });
  });

  it('reads a single referral by id', async () => {
    const res = await block(t, sub, m, 'GET', '/referrals/read-single', { query: { id } });
    expect(res.statusCode).toBe(200);
    expect(expectConforms(res, 'GET', '/referrals/read-single')).toEqual({
      success: 1,
      referral: {
        id,
        created_timestamp: expect.any(Number),
        service_id: 1,
        service_identifier: SERVICE,
        type: 'Self Referred',
        status: 'Referred',
        memo: 'Additional notes',
      },
    });
  });

  it('answers 404 for a referral that does not exist', async () => {
    const res = await block(t, sub, m, 'GET', '/referrals/read-single', { query: { id: 999999 } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ success: 0, message: 'No referral with id 999999.' });
  });

  it('updates the status', async () => {
    const res = await block(t, sub, m, 'PUT', '/referrals/update-status', { body: { id, status: 'Accepted' } });
    expect(res.statusCode).toBe(200);
    expect(expectConforms(res, 'PUT', '/referrals/update-status')).toEqual({ success: 1 });
    const single = await block(t, sub, m, 'GET', '/referrals/read-single', { query: { id } });
    expect(single.json().referral.status).toBe('Accepted');
  });

  it('leaves out a stored status the OpenAPI enum does not allow rather than break a strict client', async () => {
    const raw = await t.app.inject({
      method: 'PUT',
      url: `/api/pds/transaction/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_referrals&id=${id}`,
      headers: { authorization: `Bearer ${sub.accessToken}` },
      payload: { status: 'open' },
    });
    expect(raw.statusCode).toBe(200);
    const res = await block(t, sub, m, 'GET', '/referrals/read-single', { query: { id } });
    const body = expectConforms(res, 'GET', '/referrals/read-single') as { referral: Record<string, unknown> };
    expect(body.referral).not.toHaveProperty('status');
  });

  describe('bad requests (400, OpenAPI ErrorResponse)', () => {
    it('refuses a self-referral without service_id', async () => {
      const res = await block(t, sub, m, 'POST', '/referrals/self-refer', { body: { service_name: 'x' } });
      expect(res.statusCode).toBe(400);
      expect(expectConforms(res, 'POST', '/referrals/self-refer')).toEqual({ success: 0, message: 'service_id is required.' });
    });

    it('refuses a service_identifier that is not a UUID', async () => {
      const res = await block(t, sub, m, 'POST', '/referrals/self-refer', {
        body: { service_id: 1, service_identifier: 'nope' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ success: 0, message: 'Invalid value: service_identifier must be a UUID.' });
    });

    it('refuses a status outside the enum', async () => {
      const res = await block(t, sub, m, 'PUT', '/referrals/update-status', { body: { id, status: 'Done' } });
      expect(res.statusCode).toBe(400);
      expect(expectConforms(res, 'PUT', '/referrals/update-status')).toEqual({
        success: 0,
        message: 'status must be one of: Referred, In Progress, Accepted, Rejected.',
      });
    });

    it('refuses a status update without an id', async () => {
      const res = await block(t, sub, m, 'PUT', '/referrals/update-status', { body: { status: 'Accepted' } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ success: 0, message: 'id is required.' });
    });
  });
});
