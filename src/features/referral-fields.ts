/**
 * Referrals block ↔ ds_referrals, as data: request fields (OpenAPI ReferralCommonRequestBodyFields,
 * plus the newer SDK's `service_identifier`) and the response views. `contact_number` is the
 * service's number, served as `service_contact_number` in the list.
 */
import type { WriteSpec } from './request-fields.ts';
import { field, type ViewSpec } from './wire-view.ts';

export const REFERRAL_DATASET = 'ds_referrals';
const REFERRAL_STATUSES = ['Referred', 'In Progress', 'Accepted', 'Rejected'] as const;
export const SELF_REFERRED = 'Self Referred';
/** Decided: the type of a referral made for the member by one service to another (`/referrals/add`). */
export const SERVICE_REFERRAL = 'Referral';
/** OpenAPI: "If not provided, defaults to empty AM/PM arrays." */
export const NO_AVAILABILITY = { AM: [], PM: [] };

const COMMON = {
  service_id: 'service_id',
  service_identifier: 'service_identifier',
  referree_background: 'referree_background',
  referree_requirements: 'referree_requirements',
  referree_availability: 'referree_availability',
  referrer_name: 'referrer_name',
  service_name: 'service_name',
  service_description: 'service_description',
  service_url: 'service_url',
  service_email: 'service_email',
  contact_number: 'contact_number',
  memo: 'memo',
  start_time: 'start_time',
} as const;

/** The block sets `type` (Self Referred) and `status` (Referred). */
export const SELF_REFER: WriteSpec = { fields: COMMON, required: ['service_id'] };

/** `referral_data` of `/referrals/add` (contract §7): the same fields, `service_identifier` required. */
export const ADD_REFERRAL: WriteSpec = { fields: COMMON, required: ['service_identifier'] };

export const UPDATE_STATUS: WriteSpec = {
  fields: { status: 'status' },
  required: ['status'],
  choices: { status: REFERRAL_STATUSES },
};

const status = field('status', 'string', REFERRAL_STATUSES);

/** OpenAPI ReferralListResponse_referrals_inner. */
export const REFERRAL_LIST_VIEW: ViewSpec = {
  id: field('id', 'integer'),
  created_timestamp: field('created_timestamp', 'integer'),
  service_id: field('service_id', 'integer'),
  service_identifier: field('service_identifier'),
  service_name: field('service_name'),
  service_description: field('service_description'),
  service_contact_number: field('contact_number'),
  service_email: field('service_email'),
  service_url: field('service_url'),
  type: field('type'),
  status,
};

/** OpenAPI ReferralSingleResponse_referral. */
export const REFERRAL_SINGLE_VIEW: ViewSpec = {
  id: field('id', 'integer'),
  created_timestamp: field('created_timestamp', 'integer'),
  service_id: field('service_id', 'integer'),
  service_identifier: field('service_identifier'),
  type: field('type'),
  status,
  memo: field('memo'),
};

/** OpenAPI TimelineResponse_timeline_inner_oneOf; the time fields are added by the timeline. */
export const REFERRAL_TIMELINE_VIEW: ViewSpec = {
  id: field('id', 'integer'),
  feature_block_id: field('id'),
  service_identifier: field('service_identifier'),
  service_description: field('service_description'),
  service_name: field('service_name'),
  contact_name: field('contact_name'),
  contact_title: field('contact_title'),
  memo: field('memo'),
  status: field('status'),
};

/** OpenAPI TimelineItemReferral; `start_timestamp` is added by the timeline. */
export const REFERRAL_ITEM_VIEW: ViewSpec = {
  feature_block_id: field('id', 'integer'),
  instance: field('instance'),
  source: field('source'),
  created_timestamp: field('created_timestamp', 'integer'),
  updated_timestamp: field('updated_timestamp', 'integer'),
  service_id: field('service_id', 'integer'),
  service_identifier: field('service_identifier'),
  service_name: field('service_name'),
  service_description: field('service_description'),
  service_url: field('service_url'),
  service_email: field('service_email'),
  contact_name: field('contact_name'),
  contact_title: field('contact_title'),
  contact_number: field('contact_number'),
  referrer_name: field('referrer_name'),
  status,
  external_id: field('external_id'),
  start_time: field('start_time', 'integer'),
  end_time: field('end_time', 'integer'),
  is_processed: field('is_processed', 'boolean'),
  complete_time: field('complete_time', 'integer'),
  memo: field('memo'),
  duration: field('duration'),
  referree_background: field('referree_background'),
  referree_requirements: field('referree_requirements'),
  referree_availability: field('referree_availability', 'object'),
  type: field('type'),
};
