/**
 * Reads the bodies of the three dedicated-connection calls (contract §4.1–4.3) into typed
 * requests. Every problem is collected; the first is the message, all of them the reason.
 */
import { ValidationError } from '../errors.ts';
import type { WireFields } from '../wire.ts';
import { registrationProblems } from '../members/member-rules.ts';
import { checkReturnTo, type ReturnToPolicy } from './return-to.ts';
import { MAX_ID, wholeNumber } from '../ids.ts';

/** Decided (§4.1): the platform can send the link to the member itself. */
export type Notify = { channel: 'email' } | { channel: 'sms'; phone: string };

export interface RegistrationRequest {
  mydexid: string;
  /** lower-cased, as members are stored */
  email: string;
  password: string;
  returnTo: string;
  notify: Notify | undefined;
}

export interface ConnectionRequest {
  mydexid: string | undefined;
  returnTo: string;
  notify: Notify | undefined;
}

export interface UpdateRequest {
  mydexid: string;
  version: number;
  returnTo: string;
  notify: Notify | undefined;
}

// ITU-T E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
const E164 = /^\+[1-9][0-9]{6,14}$/;
export function parseRegistration(body: WireFields, policy: ReturnToPolicy): RegistrationRequest {
  const mydexid = text(body.mydexid);
  const email = text(body.email);
  // Not trimmed: the member types the same password at login, spaces included.
  const password = raw(body.password);
  // The Private Key is chosen later on the link page; its rules are checked there.
  const problems = registrationProblems({ mydexid, email, password });
  const common = commonFields(body, policy, problems);
  fail(problems);
  return { mydexid, email: email.toLowerCase(), password, ...common };
}

export function parseConnection(body: WireFields, policy: ReturnToPolicy): ConnectionRequest {
  const problems: string[] = [];
  const mydexid = text(body.mydexid);
  const common = commonFields(body, policy, problems);
  fail(problems);
  return { mydexid: mydexid === '' ? undefined : mydexid, ...common };
}

export function parseUpdate(body: WireFields, policy: ReturnToPolicy): UpdateRequest {
  const problems: string[] = [];
  const mydexid = text(body.mydexid);
  if (mydexid === '') problems.push('Mydexid is required.');
  const version = parseVersion(body.version, problems);
  const common = commonFields(body, policy, problems);
  fail(problems);
  return { mydexid, version, ...common };
}

function commonFields(
  body: WireFields,
  policy: ReturnToPolicy,
  problems: string[],
): { returnTo: string; notify: Notify | undefined } {
  const returnTo = checkReturnTo(text(body.return_to), policy);
  if ('problem' in returnTo) problems.push(returnTo.problem);
  return { returnTo: 'url' in returnTo ? returnTo.url : '', notify: parseNotify(body, problems) };
}

function parseVersion(value: unknown, problems: string[]): number {
  const v = text(value);
  if (v === '') problems.push('Version is required.');
  else if (wholeNumber(v, 1) === undefined) problems.push(`Version must be a whole number from 1 to ${MAX_ID}.`);
  return Number(v);
}

function parseNotify(body: WireFields, problems: string[]): Notify | undefined {
  const channel = text(body.notify).toLowerCase();
  if (channel === '') return undefined;
  if (channel === 'email') return { channel };
  if (channel !== 'sms') {
    problems.push('Notify must be "email" or "sms".');
    return undefined;
  }
  const phone = text(body.phone).replace(/[\s-]/g, '');
  if (phone === '') problems.push('Phone is required when notify is sms.');
  else if (!E164.test(phone)) problems.push('Phone must be in E.164 form, for example +447700900123.');
  return { channel, phone };
}

function fail(problems: string[]): void {
  if (problems.length) throw new ValidationError(problems[0]!, problems.join(' '));
}

/** A string field, trimmed; numbers become strings (contract §4); anything else is missing. */
function text(value: unknown): string {
  return raw(value).trim();
}

function raw(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}
