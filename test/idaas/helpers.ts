/** Shared by the IDaaS tests: a subscriber holding every IDaaS scope, requests, and the reference bodies. */
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { identifierFor } from '../../src/idaas/identifier.ts';
import type { ConnectedMember, Subscriber } from '../fixtures.ts';
import type { TestApp } from '../harness.ts';
import { expectConforms } from './openapi.ts';

export const IDAAS_SCOPES = ['mydex:pdx', 'mydex:identifiers', 'mydex:myaccount', 'mydex:scotaccount'];

/** Contract §3, exactly. */
export const ACCESS_DENIED = {
  error: {
    message: 'Access denied',
    reason: 'Unable to authorize the request. Please make sure you send an OAuth2.0 bearer token or an API key.',
  },
};

export function sha512(s: string): string {
  return createHash('sha512').update(s).digest('hex');
}

export interface IdaasCall {
  body?: unknown;
  token?: string;
  /** raw payload instead of JSON.stringify(body) */
  payload?: string;
}

/**
 * One IDaaS request by `sub`, checked against the reference: `path` is the concrete URL, `ref` the
 * path as the reference writes it (defaults to `path`).
 */
export async function idaas(
  t: TestApp,
  sub: Subscriber,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  call: IdaasCall = {},
  ref = path,
): Promise<LightMyRequestResponse & { data: Record<string, unknown> & unknown }> {
  const headers: Record<string, string> = { authorization: `Bearer ${call.token ?? sub.accessToken}` };
  const payload = call.payload ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await t.app.inject({ method, url: path, headers, ...(payload !== undefined ? { payload } : {}) });
  const data = expectConforms(res, method, ref) as Record<string, unknown>;
  return Object.assign(res, { data });
}

/** A valid /ftc/setup or /identify body for `sub`'s connection. */
export function linkBody(sub: Subscriber, returnTo = 'https://subscriber.example.org/back', extra: Record<string, unknown> = {}) {
  return {
    connection_nid: String(sub.nid),
    connection_token_hash: sha512(sub.connectionToken),
    return_to: returnTo,
    ...extra,
  };
}

export function identifierOf(m: ConnectedMember, sub: Subscriber): string {
  return identifierFor({ uid: m.uid, nid: sub.nid });
}

/** A valid InviteRequestBody / InviteStatusRequestBody for `m` through `sub`. */
export function inviteContext(sub: Subscriber, m: ConnectedMember, extra: Record<string, unknown> = {}) {
  return {
    identifier: identifierOf(m, sub),
    app_url: 'https://subscriber.example.org/invites',
    client_id: sub.clientId,
    con_nid: String(sub.nid),
    org_id: String(sub.orgId),
    project_id: 'proj123',
    item_id: 'item456',
    type: 'identifier',
    ...extra,
  };
}

export function inviteBody(sub: Subscriber, m: ConnectedMember, extra: Record<string, unknown> = {}) {
  return { ...inviteContext(sub, m), message_email: 'Please complete your registration', ...extra };
}

/** A valid NotifyMemberRequestBody for `m` through `sub`. */
export function notifyBody(
  sub: Subscriber,
  m: ConnectedMember,
  auth: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    identifier_auth: {
      parent_uuid: identifierOf(m, sub),
      app_url: 'https://subscriber.example.org/app',
      client_id: sub.clientId,
      con_nid: String(sub.nid),
      org_id: String(sub.orgId),
      project_id: 'proj123',
      item_id: 'item456',
      type: 'notification',
      ...auth,
    },
    message_email: 'Please verify your identity',
    ...extra,
  };
}

/** The one-time token of a `/ftc/begin/{nid}/{token}/{version}` URL. */
export function linkTokenOf(url: string): string {
  return new URL(url).pathname.split('/')[4]!;
}
