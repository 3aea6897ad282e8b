import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { ManualClock } from '../../src/clock.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES, block, expectConforms } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
const clock = new ManualClock(1774459015);

beforeAll(async () => {
  t = await createTestApp({ clock });
  sub = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, sub, 'message-member');
});
afterAll(() => t.close());

describe('secure messages feature block', () => {
  it('stores a message sent from the member with its sending time', async () => {
    const res = await block(t, sub, m, 'POST', '/secure-messages/send', {
      body: { conversation_id: 'referral-102', message_content: 'Hello', message_to: 'Amanda123' },
    });
    expect(res.statusCode).toBe(200);
    expect(expectConforms(res, 'POST', '/secure-messages/send')).toEqual({ success: 1, last_insert_id: expect.any(Number) });
  });

  it('stores a message received by the member with its receipt time and service identifier', async () => {
    clock.advance(60);
    const res = await block(t, sub, m, 'POST', '/secure-messages/receive', {
      body: {
        conversation_id: 'referral-102',
        message_content: 'Hello back',
        message_from: 'Eric789',
        service_identifier: '0b8f5d0e-52b4-4c34-8a43-0c1f8a3e2d11',
      },
    });
    expect(res.statusCode).toBe(200);
    expectConforms(res, 'POST', '/secure-messages/receive');
    clock.advance(60);
    await block(t, sub, m, 'POST', '/secure-messages/send', {
      body: { conversation_id: 'referral-999', message_content: 'Elsewhere', message_to: 'Someone' },
    });
  });

  it('reads one conversation, oldest first, as the OpenAPI SecureMessage shape', async () => {
    const res = await block(t, sub, m, 'GET', '/secure-messages/conversation', { query: { conversation_id: 'referral-102' } });
    expect(res.statusCode).toBe(200);
    const body = expectConforms(res, 'GET', '/secure-messages/conversation') as { messages: Record<string, unknown>[] };
    expect(body).not.toHaveProperty('success');
    expect(body.messages).toEqual([
      {
        id: expect.any(String),
        conversation_id: 'referral-102',
        message_to: 'Amanda123',
        time_sent: '1774459015',
        message_content: 'Hello',
        status: 'sent',
      },
      {
        id: expect.any(String),
        conversation_id: 'referral-102',
        message_from: 'Eric789',
        time_received: '1774459075',
        message_content: 'Hello back',
        status: 'received',
        service_identifier: '0b8f5d0e-52b4-4c34-8a43-0c1f8a3e2d11',
      },
    ]);
  });

  it('refuses a message without content', async () => {
    const res = await block(t, sub, m, 'POST', '/secure-messages/send', { body: { conversation_id: 'c', message_to: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(expectConforms(res, 'POST', '/secure-messages/send')).toEqual({ success: 0, message: 'message_content is required.' });
  });

  it('refuses a received message without a sender', async () => {
    const res = await block(t, sub, m, 'POST', '/secure-messages/receive', {
      body: { conversation_id: 'c', message_content: 'x' },
    });
    expect(res.statusCode).toBe(400);
    expect(expectConforms(res, 'POST', '/secure-messages/receive')).toEqual({ success: 0, message: 'message_from is required.' });
  });

  it('refuses a recipient on a received message: the OpenAPI has none there', async () => {
    const res = await block(t, sub, m, 'POST', '/secure-messages/receive', {
      body: { conversation_id: 'c', message_content: 'x', message_from: 'z', message_to: 'y' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ success: 0, message: 'Unknown field: message_to.' });
  });

  it('refuses a conversation read without conversation_id', async () => {
    const res = await block(t, sub, m, 'GET', '/secure-messages/conversation');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ success: 0, message: 'conversation_id is required.' });
  });
});
