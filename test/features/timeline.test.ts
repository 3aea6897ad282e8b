import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ALL_BLOCK_SCOPES, block, expectConforms, ALL_BLOCK_GRANTS } from './helpers.ts';

// 26th March 2026, 3:52:11 pm UTC, as in Mydex's own timeline example.
const REFERRED_AT = 1774540331;
const clock = new ManualClock(REFERRED_AT - 100);
let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
const ids: Record<string, number> = {};

const event = (title: string, start: number) => ({
  title,
  start_timestamp: start,
  end_timestamp: start + 3600,
  status: 'CONFIRMED',
});

beforeAll(async () => {
  t = await createTestApp({ clock });
  sub = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, sub, 'timeline-member');
  const post = async (path: string, body: unknown) =>
    (await block(t, sub, m, 'POST', path, { body })).json().last_insert_id as number;
  ids.future = await post('/calendar/add-event', { ...event('Future review', REFERRED_AT + 5000), location: 'Room 1' });
  clock.advance(100);
  ids.referral = await post('/referrals/self-refer', { service_id: 2, service_name: 'Grad Careers UK', memo: 'Follow up' });
  clock.advance(100);
  ids.message = await post('/secure-messages/receive', {
    conversation_id: 'referral-1',
    message_content: 'Hi',
    message_from: 'Emily',
  });
  clock.advance(100);
  ids.past = await post('/calendar/add-event', event('Past meeting', REFERRED_AT - 100000));
});
afterAll(() => t.close());

describe('timeline', () => {
  it('merges events, referrals and messages, newest item time first', async () => {
    const res = await block(t, sub, m, 'GET', '/timeline');
    expect(res.statusCode).toBe(200);
    const body = expectConforms(res, 'GET', '/timeline') as { success: number; timeline: Record<string, unknown>[] };
    expect(body.success).toBe(1);
    expect(body.timeline.map((i) => [i.feature_block, i.id])).toEqual([
      ['calendar', ids.future],
      ['secure_messages', ids.message],
      ['referrals', ids.referral],
      ['calendar', ids.past],
    ]);
    const times = body.timeline.map((i) => i.item_timestamp as number);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('gives list items ISO times, a string feature_block_id and an event duration', async () => {
    const timeline = (await block(t, sub, m, 'GET', '/timeline')).json().timeline as Record<string, unknown>[];
    expect(timeline[0]).toEqual({
      id: ids.future,
      feature_block: 'calendar',
      feature_block_id: String(ids.future),
      start_timestamp: '2026-03-26T17:15:31Z',
      item_timestamp: REFERRED_AT + 5000,
      end_timestamp: '2026-03-26T18:15:31Z',
      title: 'Future review',
      location: 'Room 1',
      status: 'CONFIRMED',
      duration_string: '1 hour',
      duration_of_event: 1 / 24,
    });
    expect(timeline[2]).toEqual({
      id: ids.referral,
      feature_block: 'referrals',
      feature_block_id: String(ids.referral),
      start_timestamp: '2026-03-26T15:52:11Z',
      item_timestamp: REFERRED_AT,
      service_name: 'Grad Careers UK',
      memo: 'Follow up',
      status: 'Referred',
    });
  });

  describe('single item', () => {
    const single = (feature_block: string, feature_block_id: number | string) =>
      block(t, sub, m, 'GET', '/timeline/single-item', { query: { feature_block, feature_block_id } });

    it('returns a referral with integer id and timestamps, a boolean is_processed and a display time', async () => {
      const res = await single('referrals', ids.referral!);
      expect(res.statusCode).toBe(200);
      const body = expectConforms(res, 'GET', '/timeline/single-item') as { timeline_item: Record<string, unknown> };
      expect(body.timeline_item).toEqual({
        feature_block: 'referrals',
        feature_block_id: ids.referral,
        instance: '0',
        source: 'connection',
        created_timestamp: REFERRED_AT,
        updated_timestamp: REFERRED_AT,
        service_id: 2,
        service_name: 'Grad Careers UK',
        status: 'Referred',
        memo: 'Follow up',
        referree_availability: { AM: [], PM: [] },
        type: 'Self Referred',
        start_timestamp: '26th March 2026, 3:52 pm',
      });
    });

    it('returns a calendar event with string timestamps, display times and its duration', async () => {
      const res = await single('calendar', ids.future!);
      expect(res.statusCode).toBe(200);
      const item = (expectConforms(res, 'GET', '/timeline/single-item') as { timeline_item: Record<string, unknown> })
        .timeline_item;
      expect(item).toMatchObject({
        feature_block: 'calendar',
        feature_block_id: ids.future,
        created_timestamp: String(REFERRED_AT - 100),
        start_timestamp: '26th March 2026, 5:15 pm',
        end_timestamp: '26th March 2026, 6:15 pm',
        duration_string: '1 hour',
        duration_of_event: 1 / 24,
        title: 'Future review',
        organiser: null,
      });
      expect(item).not.toHaveProperty('item_timestamp');
    });

    it('returns a secure message with its item time', async () => {
      const res = await single('secure_messages', ids.message!);
      expect(res.statusCode).toBe(200);
      const item = (expectConforms(res, 'GET', '/timeline/single-item') as { timeline_item: Record<string, unknown> })
        .timeline_item;
      expect(item).toMatchObject({
        feature_block: 'secure_messages',
        feature_block_id: ids.message,
        item_timestamp: REFERRED_AT + 100,
        time_received: String(REFERRED_AT + 100),
        message_from: 'Emily',
        conversation_id: 'referral-1',
      });
    });

    it('answers 404 when the id belongs to another block', async () => {
      const res = await single('calendar', ids.referral!);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ success: 0, message: `No calendar item with id ${ids.referral}.` });
    });

    it('refuses an unknown feature block with 400', async () => {
      const res = await single('photos', 1);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ success: 0, message: 'feature_block must be one of: calendar, referrals, secure_messages.' });
    });
  });

  describe('with only some datasets granted', () => {
    it('shows only the blocks the connection may read', async () => {
      const eventsOnly = await createSubscriber(t, ['ds_events:rw'], ALL_BLOCK_SCOPES);
      const member = await connectMember(t.ctx, eventsOnly, 'timeline-events-only');
      const res = await block(t, eventsOnly, member, 'GET', '/timeline');
      expect(res.statusCode).toBe(200);
      expect(expectConforms(res, 'GET', '/timeline')).toEqual({ success: 1, timeline: [] });
      await block(t, eventsOnly, member, 'POST', '/calendar/add-event', { body: event('Mine', REFERRED_AT) });
      const after = (await block(t, eventsOnly, member, 'GET', '/timeline')).json().timeline as { feature_block: string }[];
      expect(after.map((i) => i.feature_block)).toEqual(['calendar']);
    });

    it('is refused with 403 when the connection may read none of them', async () => {
      const none = await createSubscriber(t, ['ds_personal_details:rw'], ALL_BLOCK_SCOPES);
      const member = await connectMember(t.ctx, none, 'timeline-none');
      const res = await block(t, none, member, 'GET', '/timeline');
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: { message: 'Access denied', reason: 'This connection may not read ds_events, ds_referrals, ds_secure_messages.' },
      });
    });
  });
});
