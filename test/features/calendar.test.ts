import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES, block, expectConforms } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

const lunch = {
  title: 'Lunch with Ellen',
  description: 'Meeting to discuss expectations',
  start_timestamp: 1754289000,
  end_timestamp: 1754292600,
  status: 'INVITED',
  organiser: 'Sally Adams',
  attendee: 'Ellen Munro',
  location: 'Main building',
};

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, sub, 'calendar-member');
});
afterAll(() => t.close());

async function addEvent(body: unknown) {
  const res = await block(t, sub, m, 'POST', '/calendar/add-event', { body });
  expectConforms(res, 'POST', '/calendar/add-event');
  return res;
}

describe('calendar feature block', () => {
  let eventId: number;
  let appointmentId: number;

  it('adds an event and answers with the new row id as an integer', async () => {
    const res = await addEvent(lunch);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: 1, last_insert_id: expect.any(Number) });
    eventId = res.json().last_insert_id;
  });

  it('adds an appointment within a referral context, stored as an event of type Appointment', async () => {
    const body = {
      ...lunch,
      title: 'Assessment',
      start_timestamp: 1754380000,
      end_timestamp: 1754383600,
      context: 'referral',
      context_id: 123,
    };
    const res = await block(t, sub, m, 'POST', '/calendar/add-appointment', { body });
    expectConforms(res, 'POST', '/calendar/add-appointment');
    expect(res.statusCode).toBe(200);
    appointmentId = res.json().last_insert_id;
    const rows = await t.app.inject({
      method: 'GET',
      url: `/api/pds/transaction/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_events&id=${appointmentId}`,
      headers: { authorization: `Bearer ${sub.accessToken}` },
    });
    const row = rows.json()[String(appointmentId)];
    expect(row).toMatchObject({ type: 'Appointment', context_name: 'referral', context_id: '123', title: 'Assessment' });
  });

  it('accepts a form-encoded body with numbers as strings', async () => {
    const res = await block(t, sub, m, 'POST', '/calendar/add-event', {
      form: true,
      body: { title: 'Form event', start_timestamp: '1754000000', end_timestamp: '1754003600', status: 'tentative' },
    });
    expectConforms(res, 'POST', '/calendar/add-event');
    expect(res.statusCode).toBe(200);
  });

  it('lists every event, appointments included, in start order with every value a string', async () => {
    const res = await block(t, sub, m, 'GET', '/calendar/get-events');
    expect(res.statusCode).toBe(200);
    const body = expectConforms(res, 'GET', '/calendar/get-events') as { events: Record<string, unknown>[] };
    expect(body.events.map((e) => e.title)).toEqual(['Form event', 'Lunch with Ellen', 'Assessment']);
    const lunchView = body.events.find((e) => e.id === String(eventId))!;
    expect(lunchView).toMatchObject({
      id: String(eventId),
      instance: '0',
      source: 'connection',
      title: 'Lunch with Ellen',
      start_timestamp: '1754289000',
      end_timestamp: '1754292600',
      status: 'INVITED',
      type: null,
      context_name: null,
    });
    // The catalogue normalises a lookup value to its option.
    expect(body.events[0]!.status).toBe('TENTATIVE');
  });

  it('lists the appointments of one context only', async () => {
    const res = await block(t, sub, m, 'GET', '/calendar/get-appointments', { query: { context: 'referral', context_id: 123 } });
    expect(res.statusCode).toBe(200);
    const body = expectConforms(res, 'GET', '/calendar/get-appointments') as { appointments: { id: string }[] };
    expect(body.appointments.map((a) => a.id)).toEqual([String(appointmentId)]);
    const other = await block(t, sub, m, 'GET', '/calendar/get-appointments', {
      query: { context: 'referral', context_id: 124 },
    });
    expect(other.json()).toEqual({ success: 1, appointments: [] });
  });

  it('refuses get-appointments without its context with 400 in the feature-block format', async () => {
    const res = await block(t, sub, m, 'GET', '/calendar/get-appointments', { query: { context: 'referral' } });
    expect(res.statusCode).toBe(400);
    expect(expectConforms(res, 'GET', '/calendar/get-appointments')).toEqual({ success: 0, message: 'context_id is required.' });
  });

  it('updates only the fields sent', async () => {
    const res = await block(t, sub, m, 'PUT', '/calendar/update-event', { body: { id: eventId, status: 'CONFIRMED' } });
    expect(res.statusCode).toBe(200);
    expect(expectConforms(res, 'PUT', '/calendar/update-event')).toEqual({ success: 1 });
    const events = (await block(t, sub, m, 'GET', '/calendar/get-events')).json().events as Record<string, unknown>[];
    expect(events.find((e) => e.id === String(eventId))).toMatchObject({ status: 'CONFIRMED', title: 'Lunch with Ellen' });
  });

  it('refuses an update with nothing but the id', async () => {
    const res = await block(t, sub, m, 'PUT', '/calendar/update-event', { body: { id: eventId } });
    expect(res.statusCode).toBe(400);
    expect(expectConforms(res, 'PUT', '/calendar/update-event')).toEqual({
      success: 0,
      message: 'At least one field other than id must be provided.',
    });
  });

  it('answers 404 for an event that does not exist', async () => {
    const res = await block(t, sub, m, 'PUT', '/calendar/update-event', { body: { id: 999999, title: 'x' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ success: 0, message: 'Not found: No ds_events row with id 999999.' });
  });

  it('deletes an event named in the body', async () => {
    const res = await block(t, sub, m, 'DELETE', '/calendar/delete-event', { body: { id: eventId } });
    expect(res.statusCode).toBe(200);
    expect(expectConforms(res, 'DELETE', '/calendar/delete-event')).toEqual({ success: 1 });
    const events = (await block(t, sub, m, 'GET', '/calendar/get-events')).json().events as { id: string }[];
    expect(events.map((e) => e.id)).not.toContain(String(eventId));
  });

  describe('bad requests (400, OpenAPI ErrorResponse)', () => {
    const cases: [string, unknown, string][] = [
      ['a missing title', { ...lunch, title: undefined }, 'title is required.'],
      ['several missing fields', { title: 'x' }, 'start_timestamp, end_timestamp, status are required.'],
      [
        'a status outside the enum',
        { ...lunch, status: 'MAYBE' },
        'Invalid value: status must be one of: INVITED, TENTATIVE, CONFIRMED, REJECTED, CANCELLED.',
      ],
      ['a type other than Appointment', { ...lunch, type: 'Party' }, 'type must be one of: Appointment.'],
      [
        'a start time that is not an integer',
        { ...lunch, start_timestamp: 'soon' },
        'Invalid value: start_timestamp must be an integer.',
      ],
      ['a field the OpenAPI does not have', { ...lunch, colour: 'red' }, 'Unknown field: colour.'],
      [
        'a misspelt field, naming the closest',
        { ...lunch, organizer: 'Sally' },
        'Unknown field: organizer. Did you mean organiser?',
      ],
    ];
    for (const [what, body, message] of cases) {
      it(`refuses ${what}`, async () => {
        const res = await addEvent(body);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ success: 0, message });
      });
    }

    it('refuses an appointment outside the referral context', async () => {
      const res = await block(t, sub, m, 'POST', '/calendar/add-appointment', {
        body: { ...lunch, context: 'party', context_id: 1 },
      });
      expect(res.statusCode).toBe(400);
      expect(expectConforms(res, 'POST', '/calendar/add-appointment')).toEqual({
        success: 0,
        message: 'context must be one of: referral.',
      });
    });

    it('refuses a delete without an id', async () => {
      const res = await block(t, sub, m, 'DELETE', '/calendar/delete-event', { body: {} });
      expect(res.statusCode).toBe(400);
      expect(expectConforms(res, 'DELETE', '/calendar/delete-event')).toEqual({ success: 0, message: 'id is required.' });
    });

    it('refuses a call without uid', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/calendar/get-events?con_id=${m.conId}`,
        headers: { authorization: `Bearer ${sub.accessToken}`, 'connection-token': m.key },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ success: 0, message: 'uid is required.' });
    });
  });
});
