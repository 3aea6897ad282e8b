/** LG-03 / MX-06: logs carry no secret: no member key, token, client secret or personal value. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    lines.push(String(chunk));
    cb();
  },
});

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp({ logger: createLogger('trace', sink) });
  sub = await createSubscriber(t, ['ds_personal_details:rw']);
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
});
afterAll(() => t.close());

describe('logging', () => {
  it('logs every request with its URL redacted', () => {
    const requests = lines.filter((l) => l.includes('"msg":"request"'));
    expect(requests.length).toBeGreaterThanOrEqual(5);
    expect(requests.some((l) => l.includes('key=[redacted]'))).toBe(true);
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
    ]) {
      expect(all.includes(secret), `log contains ${secret.slice(0, 8)}…`).toBe(false);
    }
  });
});
