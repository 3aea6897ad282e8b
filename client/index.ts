/**
 * A typed TypeScript client for OpenPDX, and for Mydex's PDX API, which it matches: openapi-fetch
 * over the types generated from OpenPDX's OpenAPI document (./openpdx-api.ts, `npm run client`).
 * Every path, parameter, body and response is typed; a call answers `{ data }` or `{ error }`.
 *
 *   import { createOpenPdxClient, requestAccessToken } from 'openpdx/client';
 *   const { access_token } = await requestAccessToken({ baseUrl, clientId, clientSecret });
 *   const pdx = createOpenPdxClient(baseUrl, access_token);
 *   const { data, error } = await pdx.GET('/api/pds/pds/{file}', {
 *     params: { path: { file: `${uid}.json` }, query: { dataset: 'ds_personal_details', key, con_id: conId } },
 *   });
 */
import { createHash } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './openpdx-api.ts';

export type { components, operations, paths } from './openpdx-api.ts';
export type OpenPdxClient = Client<paths>;

/** A client whose every call carries the access token (omit it for the calls that need none). */
export function createOpenPdxClient(baseUrl: string, accessToken?: string): OpenPdxClient {
  return createClient<paths>({
    baseUrl,
    ...(accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } }),
  });
}

/** A refused call: its HTTP status, and the body the server sent (which says what to do). */
export class OpenPdxError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
    this.name = 'OpenPdxError';
  }
}

/** An access token by the client credentials grant (HTTP Basic); throws OpenPdxError when refused. */
export async function requestAccessToken(options: {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}): Promise<{ access_token: string; token_type: string; expires_in: number; scope: string }> {
  const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString(
    'base64',
  );
  const { data, error, response } = await createOpenPdxClient(options.baseUrl).POST('/oauth2/token', {
    body: { grant_type: 'client_credentials', scope: options.scope ?? 'mydex:pdx' },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (!data) throw new OpenPdxError(response.status, error);
  return data;
}

const sha512 = (text: string) => createHash('sha512').update(text).digest('hex');

/**
 * The dedicated-connection credentials of a registration, first time connection or update call,
 * from a short access token (GET /access-token/{nid}) and the connection token: the two headers,
 * and the `connection_token_hash` for the body.
 */
export function connectionCredentials(
  shortAccessToken: string,
  connectionToken: string,
): { headers: { 'Short-Access-Token': string; Authentication: string }; connectionTokenHash: string } {
  return {
    headers: { 'Short-Access-Token': shortAccessToken, Authentication: sha512(shortAccessToken + connectionToken) },
    connectionTokenHash: sha512(connectionToken),
  };
}
