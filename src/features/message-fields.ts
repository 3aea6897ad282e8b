/**
 * Secure messages block ↔ ds_secure_messages, as data: request fields (OpenAPI
 * SecureMessageSendRequest / SecureMessageReceiveRequest, plus the newer SDK's
 * `service_identifier`) and the response views. The block sets `status` and the time itself.
 */
import type { WriteSpec } from './request-fields.ts';
import { field, type ViewSpec } from './wire-view.ts';

export const MESSAGE_DATASET = 'ds_secure_messages';
const MESSAGE_STATUSES = ['sent', 'received'] as const;

const COMMON = {
  conversation_id: 'conversation_id',
  message_content: 'message_content',
  service_identifier: 'service_identifier',
} as const;

export const SEND_MESSAGE: WriteSpec = {
  fields: { ...COMMON, message_to: 'message_to' },
  required: ['conversation_id', 'message_content', 'message_to'],
};

export const RECEIVE_MESSAGE: WriteSpec = {
  fields: { ...COMMON, message_from: 'message_from' },
  required: ['conversation_id', 'message_content', 'message_from'],
};

/** OpenAPI SecureMessage. */
export const SECURE_MESSAGE_VIEW: ViewSpec = {
  id: field('id'),
  conversation_id: field('conversation_id'),
  message_to: field('message_to'),
  message_from: field('message_from'),
  time_sent: field('time_sent'),
  time_received: field('time_received'),
  message_content: field('message_content'),
  status: field('status', 'string', MESSAGE_STATUSES),
  service_identifier: field('service_identifier'),
};

/** OpenAPI TimelineResponse_timeline_inner_oneOf_1; the time fields are added by the timeline. */
export const MESSAGE_TIMELINE_VIEW: ViewSpec = {
  id: field('id', 'integer'),
  feature_block_id: field('id'),
  created_timestamp: field('created_timestamp', 'integer'),
  message_from: field('message_from'),
  message_to: field('message_to'),
  message_content: field('message_content'),
  service_identifier: field('service_identifier'),
};

/** OpenAPI TimelineItemSecureMessage; the time fields are added by the timeline. */
export const MESSAGE_ITEM_VIEW: ViewSpec = {
  feature_block_id: field('id', 'integer'),
  created_timestamp: field('created_timestamp', 'integer'),
  updated_timestamp: field('updated_timestamp', 'integer'),
  conversation_id: field('conversation_id'),
  time_sent: field('time_sent'),
  time_received: field('time_received'),
  message_from: field('message_from'),
  message_to: field('message_to'),
  message_content: field('message_content'),
  service_identifier: field('service_identifier'),
};
