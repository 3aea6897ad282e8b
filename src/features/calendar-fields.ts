/**
 * Calendar block ↔ ds_events, as data: request fields of each operation (OpenAPI
 * CalendarEvent*RequestBody) and response fields of each view (CalendarEvent, timeline items).
 *
 * Decided: events and appointments share ds_events. An appointment is a row whose `type` is
 * `Appointment`, made within a context (`context_name`, `context_id`, e.g. referral 123).
 * get-events lists every row (an appointment is an event too); get-appointments lists the
 * appointments of one context.
 */
import type { WriteSpec } from './request-fields.ts';
import { field, type ViewSpec } from './wire-view.ts';

export const CALENDAR_DATASET = 'ds_events';
export const APPOINTMENT_TYPE = 'Appointment';

const COMMON = {
  title: 'title',
  description: 'description',
  start_timestamp: 'start_timestamp',
  end_timestamp: 'end_timestamp',
  status: 'status',
  organiser: 'organiser',
  attendee: 'attendee',
  location: 'location',
} as const;

const REQUIRED = ['title', 'start_timestamp', 'end_timestamp', 'status'] as const;

export const ADD_EVENT: WriteSpec = {
  fields: { ...COMMON, type: 'type' },
  required: REQUIRED,
  choices: { type: [APPOINTMENT_TYPE] },
};

/** `type` is set to Appointment by the block itself. */
export const ADD_APPOINTMENT: WriteSpec = {
  fields: { ...COMMON, context: 'context_name', context_id: 'context_id' },
  required: [...REQUIRED, 'context', 'context_id'],
  choices: { context: ['referral'] },
};

/** `id` names the row; at least one other field must come with it. */
export const UPDATE_EVENT: WriteSpec = { fields: COMMON };

/** OpenAPI CalendarEvent (get-events, get-appointments): every value a string. */
export const CALENDAR_EVENT_VIEW: ViewSpec = {
  id: field('id'),
  instance: field('instance'),
  source: field('source'),
  created_timestamp: field('created_timestamp'),
  updated_timestamp: field('updated_timestamp'),
  external_uid: field('external_uid', 'nullable'),
  title: field('title', 'nullable'),
  description: field('description', 'nullable'),
  start_timestamp: field('start_timestamp'),
  end_timestamp: field('end_timestamp'),
  organiser: field('organiser', 'nullable'),
  attendee: field('attendee', 'nullable'),
  status: field('status', 'nullable'),
  location: field('location', 'nullable'),
  type: field('type', 'nullable'),
  tags: field('tags', 'nullable'),
  trigger: field('trigger', 'nullable'),
  action: field('action', 'nullable'),
  reminder_description: field('reminder_description', 'nullable'),
  context_name: field('context_name', 'nullable'),
};

/** OpenAPI TimelineResponse_timeline_inner_oneOf_2; times and duration are added by the timeline. */
export const CALENDAR_TIMELINE_VIEW: ViewSpec = {
  id: field('id', 'integer'),
  feature_block_id: field('id'),
  title: field('title'),
  location: field('location'),
  organiser: field('organiser'),
  description: field('description'),
  status: field('status'),
};

/** OpenAPI TimelineItemCalendarEvent; times and duration are added by the timeline. */
export const CALENDAR_ITEM_VIEW: ViewSpec = {
  feature_block_id: field('id', 'integer'),
  instance: field('instance'),
  source: field('source'),
  created_timestamp: field('created_timestamp'),
  updated_timestamp: field('updated_timestamp'),
  external_uid: field('external_uid', 'nullable'),
  title: field('title', 'nullable'),
  description: field('description', 'nullable'),
  organiser: field('organiser', 'nullable'),
  attendee: field('attendee', 'nullable'),
  status: field('status', 'nullable'),
  location: field('location', 'nullable'),
  type: field('type', 'nullable'),
  tags: field('tags', 'nullable'),
  trigger: field('trigger', 'nullable'),
  action: field('action', 'nullable'),
  reminder_description: field('reminder_description', 'nullable'),
};
