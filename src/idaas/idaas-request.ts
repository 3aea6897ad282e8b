/**
 * Reads the IDaaS request bodies (Mydex's IDaaS OpenAPI: FtcSetupRequestBody, IdentifyRequestBody,
 * NotifyMemberRequestBody, UpdateNotificationStatusRequestBody, InviteRequestBody,
 * InviteStatusRequestBody) into typed inputs. Every problem is collected and reported together in
 * one 400. As everywhere in the PDX API (contract §4), a number is accepted where the reference
 * says string (e.g. `connection_nid: 123`) and a numeric string where it says integer.
 */
import { parseNid } from '../connections/nid.ts';
import { ValidationError } from '../errors.ts';
import type { WireFields } from '../wire.ts';
import { UUID } from './identifier.ts';
import { MAX_ID, wholeNumber } from '../ids.ts';

/** Longest accepted text of an identifier-like field (ids, types, tokens). */
const MAX_TEXT_ID = 255;
/** Longest URL (as return_to, contract §4). */
const MAX_URL = 2048;
/** Message bodies: an email of a few pages; an SMS of ten segments. */
const MAX_EMAIL_MESSAGE = 10_000;
const MAX_SMS_MESSAGE = 1_600;
export interface LinkSetupInput {
  nid: number;
  /** connection_token_hash as sent: hex(sha512(connection token)) */
  tokenHash: string;
  /** unchecked: the connection's return_to policy is applied once the connection is known */
  returnTo: string;
  linkingToken: string | null;
}

export interface FtcSetupInput extends LinkSetupInput {
  mydexid: string | null;
  /** undefined: the connection's latest DSSA version */
  version: number | undefined;
}

/** The optional auth context of a notification (IdentifierAuthObject). */
interface NotifyInput {
  parentUuid: string;
  nid: number | undefined;
  appUrl: string | null;
  projectId: string | null;
  itemId: string | null;
  type: string | null;
  messageEmail: string;
  messageSms: string | null;
}

export interface InviteStatusInput {
  parentUuid: string;
  nid: number;
  appUrl: string;
  clientId: string;
  orgId: string;
  projectId: string;
  itemId: string;
  type: string;
}

export interface InviteInput extends InviteStatusInput {
  messageEmail: string;
  messageSms: string | null;
}

/** Collects problems as fields are read; `done()` throws them as one 400. */
class Reader {
  readonly problems: string[] = [];

  constructor(
    private readonly body: WireFields,
    private readonly prefix = '',
  ) {}

  private name(field: string): string {
    return `${this.prefix}${field}`;
  }

  /** A string field (numbers become strings), trimmed; undefined when absent, null or empty. */
  text(field: string, max = MAX_TEXT_ID): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value !== 'string') {
      this.problems.push(`${this.name(field)} must be a string.`);
      return undefined;
    }
    const trimmed = value.trim();
    if (trimmed.length > max) {
      this.problems.push(`${this.name(field)} must be at most ${max} characters.`);
      return undefined;
    }
    return trimmed === '' ? undefined : trimmed;
  }

  required(field: string, max = MAX_TEXT_ID): string {
    const value = this.text(field, max);
    if (value === undefined && this.isAbsent(field)) this.problems.push(`${this.name(field)} is required.`);
    return value ?? '';
  }

  /** Message bodies keep their inner whitespace and line breaks; only the ends are trimmed. */
  message(field: string, max: number, required: boolean): string | null {
    const value = required ? this.required(field, max) : this.text(field, max);
    return value === undefined || value === '' ? null : value;
  }

  nid(field: string, required: boolean): number | undefined {
    const raw = required ? this.required(field) : this.text(field);
    if (raw === undefined || raw === '') return undefined;
    const nid = parseNid(raw);
    if (nid === undefined) this.problems.push(`${this.name(field)} must be a connection NID (a positive whole number).`);
    return nid;
  }

  uuid(field: string, required: boolean): string | undefined {
    const raw = required ? this.required(field) : this.text(field);
    if (raw === undefined || raw === '') return undefined;
    if (!UUID.test(raw)) {
      this.problems.push(`${this.name(field)} must be a UUID.`);
      return undefined;
    }
    return raw.toLowerCase();
  }

  version(field: string): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    const version = wholeNumber(value, 1);
    if (version === undefined) this.problems.push(`${this.name(field)} must be a whole number from 1 to ${MAX_ID}.`);
    return version;
  }

  object(field: string): WireFields | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      this.problems.push(`${this.name(field)} is required.`);
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problems.push(`${this.name(field)} must be an object.`);
      return undefined;
    }
    return value as WireFields;
  }

  private isAbsent(field: string): boolean {
    const value = this.body[field];
    return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
  }
}

function fail(problems: readonly string[]): void {
  if (problems.length) throw new ValidationError(problems.join(' '));
}

function linkSetup(r: Reader): LinkSetupInput {
  return {
    nid: r.nid('connection_nid', true) ?? 0,
    tokenHash: r.required('connection_token_hash', 256),
    returnTo: r.required('return_to', MAX_URL),
    linkingToken: r.text('linking_token') ?? null,
  };
}

export function parseFtcSetup(body: WireFields): FtcSetupInput {
  const r = new Reader(body);
  const input = { ...linkSetup(r), mydexid: r.text('mydexid', 64) ?? null, version: r.version('version') };
  fail(r.problems);
  return input;
}

export function parseIdentify(body: WireFields): LinkSetupInput {
  const r = new Reader(body);
  const input = linkSetup(r);
  fail(r.problems);
  return input;
}

/** NotifyMemberRequestBody; client_id and org_id of identifier_auth are returned for the caller to check. */
/** A NotifyMemberRequestBody, read. */
export type NotifyRequest = NotifyInput & { clientId: string | undefined; orgId: string | undefined };

export function parseNotify(body: WireFields): NotifyRequest {
  const r = new Reader(body);
  const auth = r.object('identifier_auth');
  const a = new Reader(auth ?? {}, 'identifier_auth.');
  const input = {
    parentUuid: auth ? (a.uuid('parent_uuid', true) ?? '') : '',
    nid: a.nid('con_nid', false),
    appUrl: a.text('app_url', MAX_URL) ?? null,
    clientId: a.text('client_id'),
    orgId: a.text('org_id'),
    projectId: a.text('project_id') ?? null,
    itemId: a.text('item_id') ?? null,
    type: a.text('type') ?? null,
    messageEmail: r.message('message_email', MAX_EMAIL_MESSAGE, true) ?? '',
    messageSms: r.message('message_sms', MAX_SMS_MESSAGE, false),
  };
  fail([...r.problems, ...a.problems]);
  return input;
}

export function parseNotificationStatus(body: WireFields): string {
  const r = new Reader(body);
  const identifier = r.uuid('identifier', true);
  fail(r.problems);
  return identifier ?? '';
}

function inviteStatusFields(r: Reader): InviteStatusInput {
  return {
    parentUuid: r.uuid('identifier', true) ?? '',
    appUrl: r.required('app_url', MAX_URL),
    clientId: r.required('client_id'),
    nid: r.nid('con_nid', true) ?? 0,
    orgId: r.required('org_id'),
    projectId: r.required('project_id'),
    itemId: r.required('item_id'),
    type: r.required('type'),
  };
}

export function parseInviteStatus(body: WireFields): InviteStatusInput {
  const r = new Reader(body);
  const input = inviteStatusFields(r);
  fail(r.problems);
  return input;
}

export function parseInvite(body: WireFields): InviteInput {
  const r = new Reader(body);
  const input = {
    ...inviteStatusFields(r),
    messageEmail: r.message('message_email', MAX_EMAIL_MESSAGE, true) ?? '',
    messageSms: r.message('message_sms', MAX_SMS_MESSAGE, false),
  };
  fail(r.problems);
  return input;
}
