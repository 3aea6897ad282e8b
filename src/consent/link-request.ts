/**
 * Reads the bodies of the three dedicated-connection calls (contract §4.1–4.3) into typed
 * requests. Every problem is collected; the first is the message, all of them the reason.
 *
 * The route reads the body (`parseRegistration`…) before anything is checked, but the problems
 * are raised only after the connection's credentials pass (a bad body from a caller without
 * credentials is a 401, as the contract orders it), and `return_to` can only be checked then,
 * against that connection's policy: so a read body is a `LinkBody`, its problems so far and its
 * `return_to` as sent, which `withReturnTo` completes into the request or the 400.
 */
import { ValidationError } from '../errors.ts';
import type { WireFields } from '../wire.ts';
import { registrationProblems } from '../members/member-rules.ts';
import { checkReturnTo, type ReturnToPolicy } from './return-to.ts';
import { MAX_ID, wholeNumber } from '../ids.ts';

/** Decided (§4.1): the platform can send the link to the member itself. */
export type Notify = { channel: 'email' } | { channel: 'sms'; phone: string };

interface Fields {
  notify: Notify | undefined;
}

export interface RegistrationFields extends Fields {
  mydexid: string;
  /** lower-cased, as members are stored */
  email: string;
  password: string;
}

export interface ConnectionFields extends Fields {
  mydexid: string | undefined;
}

export interface UpdateFields extends Fields {
  mydexid: string;
  version: number;
}

/** A call's body as read: its fields, their problems so far, and `return_to` still to check. */
export interface LinkBody<T extends Fields> {
  readonly fields: T;
  /** `return_to` as sent, trimmed */
  readonly returnTo: string;
  readonly problems: readonly string[];
  /** where `return_to`'s problem, if any, goes among `problems` (the order the fields are read in) */
  readonly returnToAt: number;
}

/** The request, once `return_to` passes the connection's policy; else every problem, as a 400. */
export function withReturnTo<T extends Fields>(body: LinkBody<T>, policy: ReturnToPolicy): T & { returnTo: string } {
  const checked = checkReturnTo(body.returnTo, policy);
  const problems = [...body.problems];
  if ('problem' in checked) problems.splice(body.returnToAt, 0, checked.problem);
  fail(problems);
  return { ...body.fields, returnTo: 'url' in checked ? checked.url : '' };
}

// ITU-T E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
const E164 = /^\+[1-9][0-9]{6,14}$/;
export function parseRegistration(body: WireFields): LinkBody<RegistrationFields> {
  const mydexid = text(body.mydexid);
  const email = text(body.email);
  // Not trimmed: the member types the same password at login, spaces included.
  const password = raw(body.password);
  // The Private Key is chosen later on the link page; its rules are checked there.
  const problems = registrationProblems({ mydexid, email, password });
  return linkBody(body, problems, (notify) => ({ mydexid, email: email.toLowerCase(), password, notify }));
}

export function parseConnection(body: WireFields): LinkBody<ConnectionFields> {
  const mydexid = text(body.mydexid);
  return linkBody(body, [], (notify) => ({ mydexid: mydexid === '' ? undefined : mydexid, notify }));
}

export function parseUpdate(body: WireFields): LinkBody<UpdateFields> {
  const problems: string[] = [];
  const mydexid = text(body.mydexid);
  if (mydexid === '') problems.push('Mydexid is required.');
  const version = parseVersion(body.version, problems);
  return linkBody(body, problems, (notify) => ({ mydexid, version, notify }));
}

/** The fields every call shares, read after the call's own: `return_to`, then `notify`. */
function linkBody<T extends Fields>(
  body: WireFields,
  problems: string[],
  fields: (notify: Notify | undefined) => T,
): LinkBody<T> {
  const returnToAt = problems.length;
  const notify = parseNotify(body, problems);
  return { fields: fields(notify), returnTo: text(body.return_to), problems, returnToAt };
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
