/**
 * Numbers past what a 32-bit integer column holds, and NUL characters, are refused at the edge with
 * a 400/404 in each route's own format: never a 500, on SQLite or PostgreSQL, and never left to the
 * database's own refusal (which the error handler would log as `edge_validation_gap`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES } from '../features/helpers.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { captureLogs } from '../log-capture.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

const { logger, lines: logs } = captureLogs('warn');
let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
const BIG = '99999999999';
const JUST_OVER = '2147483648';

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false, logger });
  sub = await createSubscriber(t, ['ds_personal_details:rw', ...ALL_BLOCK_GRANTS], ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, sub, 'edge.values');
});
afterAll(() => t.close());

function send(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: string | object,
  headers: Record<string, string> = {},
) {
  return t.app.inject({ method, url, headers: { ...bearer(sub), ...headers }, ...(payload === undefined ? {} : { payload }) });
}

const q = (extra: string) => `key=${m.key}&con_id=${m.conId}&source_type=connection&${extra}`;

describe('numbers past 2^31 − 1', () => {
  it.each([
    ['GET', `/access-token/999999999999999`, 404],
    ['GET', `/access-token/${JUST_OVER}`, 404],
    ['GET', () => `/api/pds/pds/${m.uid}.json?${q(`dataset=ds_personal_details&instance=${JUST_OVER}`)}`, 400],
    ['GET', () => `/api/pds/pds/${BIG}.json?${q('dataset=ds_personal_details')}`, 404],
    ['GET', () => `/api/pds/transaction/${m.uid}.json?${q(`dataset=ds_referrals&id=${BIG}`)}`, 400],
    ['GET', () => `/api/pds/transaction/${m.uid}.json?${q(`dataset=ds_referrals&limit=${BIG}`)}`, 400],
    ['GET', () => `/api/pds/transaction/${m.uid}.json?${q(`dataset=ds_referrals&offset=${JUST_OVER}`)}`, 400],
    ['GET', () => `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${BIG}-${sub.nid}&dataset=ds_personal_details`, 403],
    ['GET', () => `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.uid}-${BIG}&dataset=ds_personal_details`, 403],
    ['GET', () => `/referrals/read-single?uid=${m.uid}&con_id=${m.conId}&key=${m.key}&id=${BIG}`, 400],
    ['GET', () => `/referrals/read-single?uid=${BIG}&con_id=${m.conId}&key=${m.key}&id=1`, 400],
  ] as const)('%s %s answers %i', async (method, url, status) => {
    const res = await send(method, typeof url === 'function' ? url() : url);
    expect(res.statusCode, res.body).toBe(status);
  });

  it('refuses a big instance with a message that gives the range', async () => {
    const res = await send('GET', `/api/pds/pds/${m.uid}.json?${q(`dataset=ds_personal_details&instance=${JUST_OVER}`)}`);
    expect(res.json()).toEqual({
      error: { message: 'Invalid parameter', reason: 'instance must be a whole number from 0 to 2147483647.' },
    });
  });

  it.each([
    ['/api/connection', { connection_nid: Number(BIG), mydexid: 'someone' }],
    ['/api/connection/update', { connection_nid: BIG, mydexid: 'someone', version: BIG }],
    ['/ftc/setup', { connection_nid: JUST_OVER, connection_token_hash: 'a'.repeat(128), return_to: 'https://x.example/' }],
  ])('refuses big numbers in the body of POST %s without a 500', async (url, body) => {
    const res = await send('POST', url, body);
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, res.body).toBeLessThan(500);
  });

  it('refuses a big uid in the query of a row insert', async () => {
    const res = await send('POST', `/api/pds/transaction?uid=${BIG}&${q('dataset=ds_referrals')}`, {
      ds_referrals: { contact_name: 'x' },
    });
    expect(res.statusCode, res.body).toBe(400);
  });
});

describe('NUL characters', () => {
  it('refuses %00 in the query or path with a 400 in the route format', async () => {
    const res = await send('GET', `/api/pds/pds/${m.uid}.json?${q('dataset=ds_personal%00_details')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.reason).toContain('NUL character');
    const oauth = await t.app.inject({ method: 'POST', url: '/oauth2/token?x=%00', payload: '' });
    expect(oauth.statusCode).toBe(400);
    expect(oauth.json().error).toBe('invalid_request');
  });

  it('refuses a NUL in a client_id, sent with HTTP Basic or in the form', async () => {
    const basic = Buffer.from(`${sub.clientId}\0x:${sub.clientSecret}`).toString('base64');
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const viaBasic = await t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { ...form, authorization: `Basic ${basic}` },
      payload: 'grant_type=client_credentials',
    });
    expect(viaBasic.statusCode).toBe(400);
    const viaForm = await t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: form,
      payload: `grant_type=client_credentials&client_id=a%00b&client_secret=x`,
    });
    expect(viaForm.statusCode).toBe(400);
  });

  it('refuses a NUL in a JSON or form body, and stores nothing', async () => {
    const url = `/api/pds/pds/${m.uid}.json?${q('dataset=ds_personal_details&instance=0')}`;
    const json = await send('POST', url, '{"ds_personal_details":{"field_personal_fname":"A\\u0000B"}}', {
      'content-type': 'application/json',
    });
    expect(json.statusCode).toBe(400);
    const form = await send('POST', url, 'ds_personal_details[field_personal_fname]=A%00B', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.statusCode).toBe(400);
    const read = await send('GET', `/api/pds/pds/${m.uid}.json?${q('dataset=ds_personal_details')}`);
    expect(read.json().ds_personal_details.instance_0.field_personal_fname.value).toBeNull();
  });

  it('refuses a NUL in a member form with the HTML error page', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'mydexid=a%00b&password=x',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
  });
});

describe('the database never has to refuse a value', () => {
  it('logged no edge_validation_gap in this file', () => {
    expect(logs.filter((l) => l.includes('edge_validation_gap'))).toEqual([]);
  });
});
