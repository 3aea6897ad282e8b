/** Shared setup for the OAuth integration tests. */
import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SignJWT, type JWTPayload } from 'jose';
import * as oc from 'openid-client';
import type { AppContext } from '../../src/app-context.ts';
import { sql } from '../../src/storage/dialect.ts';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_UTF8 = 'application/json; charset=utf-8';
export const ISSUER = 'http://localhost:8080';
export const BASIC_CHALLENGE = `Basic realm="${ISSUER}"`;
export const CLIENT_AUTH_FAILED = { error: 'invalid_client', error_description: 'client authentication failed' };

export interface TestClient {
  clientId: string;
  clientSecret: string;
  orgId: number;
}

export async function createOrg(ctx: AppContext, name = 'Org'): Promise<number> {
  const org = await ctx.db.insertInto('organisations').values({ name, created_at: 0 }).returning('id').executeTakeFirstOrThrow();
  return org.id;
}

export async function createClient(
  ctx: AppContext,
  options: { scopes?: string[]; grantTypes?: string[]; orgId?: number } = {},
): Promise<TestClient> {
  const orgId = options.orgId ?? (await createOrg(ctx));
  const { clientId, clientSecret } = await ctx.oauth.createClient({
    orgId,
    scopes: options.scopes ?? ['mydex:pdx'],
    ...(options.grantTypes ? { grantTypes: options.grantTypes } : {}),
  });
  return { clientId, clientSecret, orgId };
}

/** RFC 6749 Appendix B: each part form-urlencoded, then base64. */
export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export function basicOf(c: TestClient): string {
  return basic(c.clientId, c.clientSecret);
}

export function postForm(
  app: FastifyInstance,
  url: string,
  body: string,
  headers: Record<string, string> = {},
  remoteAddress?: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': FORM, ...headers },
    payload: body,
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

export function tokenRequest(app: FastifyInstance, c: TestClient, body = 'grant_type=client_credentials&scope=mydex:pdx') {
  return postForm(app, '/oauth2/token', body, { authorization: basicOf(c) });
}

export async function issueToken(app: FastifyInstance, c: TestClient, scope = 'mydex:pdx'): Promise<string> {
  const res = await tokenRequest(app, c, `grant_type=client_credentials&scope=${encodeURIComponent(scope)}`);
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { access_token: string }).access_token;
}

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The private key of a signing key (or the current one), to forge tokens that are otherwise well signed. */
export async function signingKey(ctx: AppContext, kid?: string): Promise<{ kid: string; key: KeyObject }> {
  let q = ctx.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc');
  if (kid) q = q.where('kid', '=', kid);
  else q = q.where('retired_at', 'is', null);
  const row = await q.executeTakeFirstOrThrow();
  const jwk = JSON.parse(ctx.masterKeys.open(row.private_jwk_enc, `signing-key|${row.kid}`).toString('utf8')) as JsonWebKey;
  return { kid: row.kid, key: createPrivateKey({ key: jwk, format: 'jwk' }) };
}

/** A JWT with our claims shape, signed with `key`; every part can be overridden. */
export async function forgeToken(
  key: KeyObject | Uint8Array,
  header: Record<string, unknown>,
  claims: JWTPayload,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key);
}

export function validClaims(clientId: string, now: number): JWTPayload {
  return {
    iss: ISSUER,
    sub: clientId,
    aud: ISSUER,
    client_id: clientId,
    scope: 'mydex:pdx',
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
  };
}

/** The PostgreSQL schema a test context lives in (undefined on SQLite): a second context must join it. */
export async function pgSchemaOf(ctx: AppContext): Promise<string | undefined> {
  if (ctx.database.dialect.name !== 'postgres') return undefined;
  const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(ctx.db);
  return rows[0]?.s;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** openid-client's fetch, answered by the app in process (`app` read at each request). */
export function injectFetch(app: () => FastifyInstance): oc.CustomFetch {
  return async (url, options) => {
    const u = new URL(url);
    const res = await app().inject({
      method: options.method as 'GET' | 'POST',
      url: `${u.pathname}${u.search}`,
      headers: Object.fromEntries(new Headers(options.headers as HeadersInit)),
      ...(options.body !== undefined && options.body !== null ? { payload: String(options.body) } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers.set(name, String(value));
    return new Response(res.statusCode === 204 || res.statusCode === 304 ? null : new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers,
    });
  };
}

/** openid-client's configuration for `clientId` at the test issuer, its requests answered by `app`. */
export async function discoveredClient(
  app: () => FastifyInstance,
  clientId: string,
  auth: oc.ClientAuth,
): Promise<oc.Configuration> {
  const fetchInApp = injectFetch(app);
  const config = await oc.discovery(new URL(ISSUER), clientId, undefined, auth, {
    execute: [oc.allowInsecureRequests],
    [oc.customFetch]: fetchInApp,
    algorithm: 'oauth2',
  });
  config[oc.customFetch] = fetchInApp;
  return config;
}
