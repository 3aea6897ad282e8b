/** Shared by the feature-block tests: requests as a subscriber for a member, and response checks. */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { routeScopeOf } from '../../src/oauth/principal.ts';
import { FEATURE_ROUTES } from '../../src/features/feature-routes.ts';
import type { ConnectedMember, Subscriber } from '../fixtures.ts';
import type { TestApp } from '../harness.ts';
import { definedStatuses, schemaErrors } from './openapi.ts';

export const ALL_BLOCK_GRANTS = ['ds_events:rw', 'ds_referrals:rw', 'ds_secure_messages:rw'];
export const ALL_BLOCK_SCOPES = ['mydex:pdx', ...FEATURE_ROUTES.map(([method, path]) => routeScopeOf(method, path))];

/** Contract §3, exactly. */
export const ACCESS_DENIED = {
  error: {
    message: 'Access denied',
    reason: 'Unable to authorize the request. Please make sure you send an OAuth2.0 bearer token or an API key.',
  },
};

export interface BlockRequest {
  query?: Record<string, string | number>;
  body?: unknown;
  /** form-encode the body instead of JSON */
  form?: boolean;
  headers?: Record<string, string>;
}

/** A feature-block call for `m` by `sub`: Connection-Token, uid and con_id as the OpenAPI places them. */
export async function block(
  t: TestApp,
  sub: Subscriber,
  m: ConnectedMember,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  req: BlockRequest = {},
): Promise<LightMyRequestResponse> {
  const query = new URLSearchParams({ uid: String(m.uid), con_id: m.conId });
  for (const [k, v] of Object.entries(req.query ?? {})) query.set(k, String(v));
  const headers: Record<string, string> = {
    authorization: `Bearer ${sub.accessToken}`,
    'connection-token': m.key,
    ...req.headers,
  };
  let payload: string | undefined;
  if (req.body !== undefined) {
    if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(req.body as Record<string, string>).toString();
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(req.body);
    }
  }
  return t.app.inject({ method, url: `${path}?${query.toString()}`, headers, ...(payload !== undefined ? { payload } : {}) });
}

/**
 * The response matches the reference OpenAPI schema for its status. Statuses the reference does
 * not define for the operation (403, 404) must carry the contract's own bodies instead.
 */
export function expectConforms(res: LightMyRequestResponse, method: string, path: string): unknown {
  const body: unknown = res.json();
  if (definedStatuses(method, path).includes(res.statusCode)) {
    expect(schemaErrors(method, path, res.statusCode, body), `${method} ${path} ${res.statusCode}: ${res.body}`).toBeNull();
  } else if (res.statusCode === 403) {
    expect(body).toEqual({ error: { message: 'Access denied', reason: expect.any(String) } });
  } else {
    expect(body).toEqual({ success: 0, message: expect.any(String) });
  }
  return body;
}
