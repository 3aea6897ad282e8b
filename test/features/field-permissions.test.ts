import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES, block, expectConforms } from './helpers.ts';

let t: TestApp;
let full: Subscriber;
let partial: Subscriber;
let asFull: ConnectedMember;
let asPartial: ConnectedMember;
let eventId: number;

const denied = (reason: string) => ({ error: { message: 'Access denied', reason } });

beforeAll(async () => {
  t = await createTestApp();
  full = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  // ds_events: four fields read and write, location read only, nothing else; no ds_referrals.
  partial = await createSubscriber(
    t,
    ['ds_events:rw:title,start_timestamp,end_timestamp,status', 'ds_events:r:location'],
    ALL_BLOCK_SCOPES,
  );
  asFull = await connectMember(t.ctx, full, 'permissions-member');
  const c = await t.ctx.members.grants.consent({ uid: asFull.uid, nid: partial.nid, privateKey: asFull.privateKey });
  asPartial = { ...asFull, conId: c.conId, key: c.memberKey };
  const res = await block(t, full, asFull, 'POST', '/calendar/add-event', {
    body: {
      title: 'Review',
      description: 'Private notes',
      location: 'Room 4',
      organiser: 'Sam',
      start_timestamp: 10,
      end_timestamp: 20,
      status: 'INVITED',
    },
  });
  eventId = res.json().last_insert_id;
});
afterAll(() => t.close());

describe('field permissions on feature blocks, as on the dataset API', () => {
  it('does not return a field the connection may not read', async () => {
    const res = await block(t, partial, asPartial, 'GET', '/calendar/get-events');
    expect(res.statusCode).toBe(200);
    const [event] = (expectConforms(res, 'GET', '/calendar/get-events') as { events: Record<string, unknown>[] }).events;
    expect(event).toMatchObject({ id: String(eventId), title: 'Review', location: 'Room 4' });
    expect(event).not.toHaveProperty('description');
    expect(event).not.toHaveProperty('organiser');
  });

  it('leaves unreadable fields out of timeline items too', async () => {
    const res = await block(t, partial, asPartial, 'GET', '/timeline/single-item', {
      query: { feature_block: 'calendar', feature_block_id: eventId },
    });
    const item = (expectConforms(res, 'GET', '/timeline/single-item') as { timeline_item: Record<string, unknown> })
      .timeline_item;
    expect(item.title).toBe('Review');
    expect(item).not.toHaveProperty('description');
  });

  it('refuses to write a field the DSSA does not grant, and writes nothing', async () => {
    const res = await block(t, partial, asPartial, 'POST', '/calendar/add-event', {
      body: { title: 'Mine', description: 'not allowed', start_timestamp: 1, end_timestamp: 2, status: 'INVITED' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(denied('This connection may not write: description. Nothing was written.'));
    const events = (await block(t, full, asFull, 'GET', '/calendar/get-events')).json().events as { title: string }[];
    expect(events.map((e) => e.title)).toEqual(['Review']);
  });

  it('refuses to write a field granted for reading only', async () => {
    const res = await block(t, partial, asPartial, 'PUT', '/calendar/update-event', {
      body: { id: eventId, location: 'Room 5' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(denied('This connection may not write: location. Nothing was written.'));
  });

  it('refuses to delete an event holding fields the connection may not write', async () => {
    const res = await block(t, partial, asPartial, 'DELETE', '/calendar/delete-event', { body: { id: eventId } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toBe('Access denied');
  });

  it('refuses a block whose dataset is not granted with 403', async () => {
    const res = await block(t, partial, asPartial, 'GET', '/referrals/read-all');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(denied('This connection may not read ds_referrals.'));
    const write = await block(t, partial, asPartial, 'POST', '/referrals/self-refer', { body: { service_id: 1 } });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toEqual(denied('This connection may not write ds_referrals.'));
  });

  it("refuses another subscriber's member key for this connection", async () => {
    const res = await block(t, partial, { ...asPartial, key: asFull.key }, 'GET', '/calendar/get-events');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(denied('The connection credentials are not valid for this member.'));
  });
});
