/**
 * LG-03 / MX-06: logs carry no secret: no member key, token, client secret, password, one-time
 * code in a path, filter value or personal value, from real requests on every surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDAAS_SCOPES } from '../idaas/helpers.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { captureLogs } from '../log-capture.ts';
import { csrfFor } from '../web/helpers.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

const { logger, lines } = captureLogs('trace');

const INVITE_CODE = 'INVITE-canary-7f3a';
const SVT = 'SVT-canary-19bd';
const SCOT_SUB = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const LINK_TOKEN = 'pdx_ln_canary_link_token_2c41';
const FILTER_VALUE = 'Filter-canary-value';
const EMAIL = 'logged.registrant@example.org';
const REGISTRANT_PASSWORD = 'registrant password canary';
const REGISTRANT_PRIVATE_KEY = 'registrant private key canary';
const WRONG_PASSWORD = 'wrong-password-canary';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp({ logger });
  sub = await createSubscriber(t, ['ds_personal_details:rw', 'ds_referrals:rw'], IDAAS_SCOPES);
  m = await connectMember(t.ctx, sub, 'logged');
  const base = `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_personal_details`;
  await t.app.inject({
    method: 'POST',
    url: base,
    headers: { ...bearer(sub), 'connection-token': m.key },
    payload: { ds_personal_details: { field_personal_fname: 'Loggable-Name' } },
  });
  await t.app.inject({ method: 'GET', url: base, headers: bearer(sub) });
  await t.app.inject({ method: 'GET', url: base.replace(m.key, 'W'.repeat(32)), headers: bearer(sub) });
  await t.app.inject({ method: 'GET', url: `${base}&access_token=${sub.accessToken}` });
  await t.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${sub.clientId}&client_secret=${sub.clientSecret}x`,
  });
  // Codes that are bearer secrets in a path: IDaaS invites, MyAccount SVTs, ScotAccount subs, links.
  for (const url of [
    `/members/invite/${INVITE_CODE}`,
    `/members/myaccount/${SVT}`,
    `/members/scotaccount/${SCOT_SUB}`,
    `/ftc/begin/${sub.nid}/${LINK_TOKEN}/1`,
    `/members/invite/${INVITE_CODE}/not-a-route`,
  ])
    await t.app.inject({ method: 'GET', url, headers: bearer(sub) });
  // A filter value is the caller's data, in a query string.
  await t.app.inject({
    method: 'GET',
    url: `/api/pds/transaction/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_referrals&filters[memo][operator]=LIKE&filters[memo][value]=${FILTER_VALUE}`,
    headers: bearer(sub),
  });
  // A member signing in with a wrong password, and registering with an email address.
  const page = await t.app.inject({ method: 'GET', url: '/register' });
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const form = { cookie, 'content-type': 'application/x-www-form-urlencoded' };
  await t.app.inject({
    method: 'POST',
    url: '/register',
    headers: form,
    payload: new URLSearchParams({
      csrf: csrfFor(page.body, '/register'),
      mydexid: 'logged.registrant',
      email: EMAIL,
      password: REGISTRANT_PASSWORD,
      private_key: REGISTRANT_PRIVATE_KEY,
      private_key_confirm: REGISTRANT_PRIVATE_KEY,
    }).toString(),
  });
  await t.app.inject({
    method: 'POST',
    url: '/login',
    headers: form,
    payload: `mydexid=${m.mydexid}&password=${WRONG_PASSWORD}`,
  });
});
afterAll(() => t.close());

describe('logging', () => {
  it('logs every request with its URL redacted', () => {
    const requests = lines.filter((l) => l.includes('"msg":"request"'));
    expect(requests.length).toBeGreaterThanOrEqual(15);
    expect(requests.some((l) => l.includes('key=[redacted]'))).toBe(true);
    const urls = requests.map((l) => (JSON.parse(l) as { url: string }).url);
    expect(urls).toContain('/members/invite/[redacted]');
    expect(urls).toContain('/members/myaccount/[redacted]');
    expect(urls).toContain(`/ftc/begin/${sub.nid}/[redacted]/1`);
    expect(urls).toContain('/members/invite/[redacted]/[redacted]');
    expect(urls.some((u) => u.includes('filters[memo][operator]=LIKE&filters[memo][value]=[redacted]'))).toBe(true);
  });

  it('never writes a member key, access token, client secret, connection token, password or personal value', () => {
    const all = lines.join('\n');
    for (const secret of [
      m.key,
      sub.accessToken,
      sub.clientSecret,
      sub.connectionToken,
      m.password,
      m.privateKey,
      'Loggable-Name',
      INVITE_CODE,
      SVT,
      SCOT_SUB,
      LINK_TOKEN,
      FILTER_VALUE,
      EMAIL,
      REGISTRANT_PASSWORD,
      REGISTRANT_PRIVATE_KEY,
      WRONG_PASSWORD,
    ]) {
      expect(all.includes(secret), `log contains ${secret.slice(0, 8)}…`).toBe(false);
    }
  });
});
