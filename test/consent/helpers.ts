/**
 * The subscriber side of registration, FTC and connection update, done as Mydex's example scripts
 * do it (developer-api-examples, pdx-api/{registration,first-time-connection,update-connection}):
 * GET /access-token/{nid} → a bare JSON string SAT; `Authentication: sha512(SAT + connection
 * token)` and `connection_token_hash: sha512(connection token)`, both lower-case hex; the bearer
 * token from the fixtures. Hashes are computed here with node:crypto, not with the code under test.
 */
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import qs from 'qs';
import { expect } from 'vitest';
import type { Subscriber } from '../fixtures.ts';
import type { TestApp } from '../harness.ts';

export const REGISTER = '/api/pds';
export const CONNECT = '/api/connection';
export const UPDATE = '/api/connection/update';
export type LinkPath = typeof REGISTER | typeof CONNECT | typeof UPDATE;

export const RETURN_TO = 'https://subscriber.example.org/hello-world';
export const ACCESS_DENIED = {
  error: {
    message: 'Access denied',
    reason: 'Unable to authorize the request. Please make sure you send an OAuth2.0 bearer token or an API key.',
  },
};
const LINK_URL = /^http:\/\/localhost:8080\/ftc\/begin\/(\d+)\/(pdx_ln_[A-Za-z0-9_-]{43})\/(\d+)$/;

export function sha512(s: string): string {
  return createHash('sha512').update(s).digest('hex');
}

let address = 0;

/** GET /access-token/{nid}. Each from its own loopback address: the route allows 60 a minute per address. */
export async function requestSat(t: TestApp, nid: number | string): Promise<string> {
  address++;
  const res = await t.app.inject({
    method: 'GET',
    url: `/access-token/${nid}`,
    headers: { 'content-type': 'application/json' },
    remoteAddress: `127.0.${Math.floor(address / 250) % 250}.${(address % 250) + 1}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  const sat: unknown = res.json();
  expect(typeof sat).toBe('string');
  return sat as string;
}

export interface CallOptions {
  /**
   * json: Python's `requests.post(json=…)`; php-json: PHP's `json_encode` sent by curl with its
   * default form content type; form: `http_build_query`.
   */
  encoding?: 'json' | 'php-json' | 'form';
  /** a SAT already fetched (for replay tests); default a fresh one */
  sat?: string;
  /** header overrides; `undefined` leaves the header out */
  headers?: Record<string, string | undefined>;
  /** the bearer token to send instead of the subscriber's own */
  bearer?: string;
}

/** One dedicated-connection call, with every credential right unless `body` or `options` say otherwise. */
export async function linkCall(
  t: TestApp,
  sub: Subscriber,
  path: LinkPath,
  body: Record<string, unknown>,
  options: CallOptions = {},
): Promise<LightMyRequestResponse> {
  const sat = options.sat ?? (await requestSat(t, sub.nid));
  const payload = { connection_nid: String(sub.nid), connection_token_hash: sha512(sub.connectionToken), ...body };
  const encoding = options.encoding ?? 'json';
  const headers: Record<string, string | undefined> = {
    authorization: `Bearer ${options.bearer ?? sub.accessToken}`,
    'short-access-token': sat,
    authentication: sha512(sat + sub.connectionToken),
    'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    ...options.headers,
  };
  return t.app.inject({
    method: 'POST',
    url: path,
    headers: Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined)),
    payload: encoding === 'form' ? qs.stringify(payload) : JSON.stringify(payload),
  });
}

/** The one-time URL of a successful call, checked for shape, with its parts. */
export function linkOf(res: LightMyRequestResponse): { url: string; nid: number; token: string; version: number } {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  const url: unknown = res.json();
  expect(url).toMatch(LINK_URL);
  const m = LINK_URL.exec(url as string)!;
  return { url: url as string, nid: Number(m[1]), token: m[2]!, version: Number(m[3]) };
}

export function registration(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { mydexid: name, email: `${name}@example.com`, password: `This-Is-${name}-Password`, return_to: RETURN_TO, ...extra };
}
