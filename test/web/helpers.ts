/**
 * Helpers for the member web app tests: a tiny cookie-keeping client over app.inject, form token
 * extraction, and the subscriber's side of the one-time link calls (contract §4), made over
 * HTTP exactly as a subscriber makes them.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Subscriber } from '../fixtures.ts';
import type { TestApp } from '../harness.ts';

const FORM = 'application/x-www-form-urlencoded';

/** Keeps cookies like a browser would (host-only, no expiry handling needed in these tests). */
export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: FastifyInstance) {}

  private cookieHeader(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    const raw = res.headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { ...(cookie && { cookie }), ...headers } }));
  }

  async post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': FORM, ...(cookie && { cookie }), ...headers },
        payload: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** GETs `page`, then posts `fields` to `action` with the token from the form posting there. */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const res = await this.get(page);
    return this.post(action, { csrf: csrfFor(res.body, action), ...fields });
  }

  async login(mydexid: string, password: string): Promise<LightMyRequestResponse> {
    const res = await this.submit('/login', '/login', { mydexid, password });
    expect(res.statusCode, res.body).toBe(303);
    return res;
  }
}

/**
 * Markup with formatting whitespace removed (`> <` → `><`, `/>` → `>`, runs of spaces → one), so
 * tests can match fragments however the templates are formatted.
 */
export function squash(html: string): string {
  return html
    .replace(/\s*\/>/g, '>')
    .replace(/>\s+/g, '>')
    .replace(/\s+</g, '<')
    .replace(/\s+/g, ' ');
}

/** The anti-CSRF token of the form whose action is `action`. */
export function csrfFor(body: string, action: string): string {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`<form[^>]*action="${escaped}"[^>]*>(?:(?!</form>)[\\s\\S])*?name="csrf" value="([^"]+)"`).exec(body);
  if (!m) throw new Error(`no form posting to ${action} in:\n${body.slice(0, 2000)}`);
  return m[1]!;
}

function sha512(s: string): string {
  return createHash('sha512').update(s).digest('hex');
}

let address = 0;

/**
 * A subscriber's link call: GET /access-token/{nid}, then POST /api/pds, /api/connection or
 * /api/connection/update. Returns the one-time URL's path (the harness's public URL is fixed, the
 * listening port is not).
 */
export async function requestLink(
  t: TestApp,
  sub: Subscriber,
  path: '/api/pds' | '/api/connection' | '/api/connection/update',
  body: Record<string, unknown>,
): Promise<string> {
  address++;
  const remoteAddress = `127.1.${Math.floor(address / 250) % 250}.${(address % 250) + 1}`;
  const satRes = await t.app.inject({ method: 'GET', url: `/access-token/${sub.nid}`, remoteAddress });
  expect(satRes.statusCode, satRes.body).toBe(200);
  const sat = satRes.json() as string;
  const res = await t.app.inject({
    method: 'POST',
    url: path,
    headers: {
      authorization: `Bearer ${sub.accessToken}`,
      'short-access-token': sat,
      authentication: sha512(sat + sub.connectionToken),
      'content-type': 'application/json',
    },
    payload: JSON.stringify({ connection_nid: String(sub.nid), connection_token_hash: sha512(sub.connectionToken), ...body }),
  });
  expect(res.statusCode, res.body).toBe(200);
  const url = new URL(res.json() as string);
  return url.pathname;
}

/** One sign-in attempt from `remoteAddress`, with a fresh pre-login cookie and anti-CSRF token. */
export async function signInFrom(
  app: FastifyInstance,
  mydexid: string,
  password: string,
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  const page = await app.inject({ method: 'GET', url: '/login', remoteAddress });
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  return app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: csrfFor(page.body, '/login'), mydexid, password }).toString(),
  });
}
