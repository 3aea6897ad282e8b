/**
 * Every refused credential, lock-out and refused form is one structured log line an operator can
 * alert on: level warn, `"security":true`, a stable `event`, and no secret or personal value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEventName } from '../../src/security-events.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { captureLogs } from '../log-capture.ts';
import { FormClient } from '../web/helpers.ts';

const { logger, lines } = captureLogs('warn');
let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false, logger });
  sub = await createSubscriber(t, ['ds_personal_details:rw']);
  m = await connectMember(t.ctx, sub, 'events.member');
});
afterAll(() => t.close());

type Event = Record<string, unknown> & { event: SecurityEventName; security: true; level: number };

/** The security events logged while `fn` ran. */
async function eventsOf(fn: () => Promise<unknown>): Promise<Event[]> {
  const start = lines.length;
  await fn();
  return lines
    .slice(start)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e): e is Event => e.security === true);
}

const tokenForm = (clientId: string, secret: string, remoteAddress = '127.0.0.1') =>
  t.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'mydex:pdx',
      client_id: clientId,
      client_secret: secret,
    }).toString(),
  });

describe('security events', () => {
  it('auth.client_failed, then auth.client_throttled past the limit', async () => {
    const failed = await eventsOf(() => tokenForm(sub.clientId, 'pdx_cs_wrong-canary', '192.0.2.1'));
    expect(failed).toEqual([
      expect.objectContaining({ level: 40, event: 'auth.client_failed', clientId: sub.clientId, remoteAddress: '192.0.2.1' }),
    ]);
    const throttled = await eventsOf(async () => {
      for (let i = 0; i < 21; i++) await tokenForm(sub.clientId, 'pdx_cs_wrong-canary', '192.0.2.2');
    });
    expect(throttled.at(-1)).toMatchObject({
      event: 'auth.client_throttled',
      clientId: sub.clientId,
      remoteAddress: '192.0.2.2',
    });
  });

  it('auth.client_disabled', async () => {
    const other = await createSubscriber(t, ['ds_personal_details:r']);
    await t.ctx.oauth.disableClient(other.clientId);
    const events = await eventsOf(() => tokenForm(other.clientId, other.clientSecret));
    expect(events.map((e) => e.event)).toEqual(['auth.client_disabled']);
  });

  it.each([
    ['missing', undefined],
    ['malformed_header', 'Token abc'],
    ['malformed', 'Bearer not.a.jwt'],
    ['invalid', 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln'],
  ])('auth.bearer_refused (%s)', async (reason, authorization) => {
    const events = await eventsOf(() =>
      t.app.inject({ method: 'GET', url: '/api/pds/pds/1.json', headers: authorization ? { authorization } : {} }),
    );
    expect(events).toEqual([expect.objectContaining({ event: 'auth.bearer_refused', reason, path: '/api/pds/pds/:file' })]);
  });

  it('auth.bearer_refused names the missing scope and the client', async () => {
    const events = await eventsOf(() => t.app.inject({ method: 'GET', url: '/api/pds/mam', headers: bearer(sub) }));
    expect(events).toEqual([
      expect.objectContaining({
        event: 'auth.bearer_refused',
        reason: 'insufficient_scope',
        clientId: sub.clientId,
        missingScope: 'get:/api/pds/mam',
      }),
    ]);
  });

  it('auth.connection_credentials_failed', async () => {
    const events = await eventsOf(() =>
      t.app.inject({ method: 'POST', url: '/api/connection', headers: bearer(sub), payload: { connection_nid: sub.nid } }),
    );
    expect(events.map((e) => e.event)).toEqual(['auth.connection_credentials_failed']);
  });

  it('auth.login_failed, then auth.login_locked', async () => {
    const c = new FormClient(t.app);
    const events = await eventsOf(async () => {
      for (let i = 0; i < 6; i++) await c.submit('/login', '/login', { mydexid: m.mydexid, password: 'wrong-password-canary' });
    });
    expect(events.map((e) => e.event)).toEqual([
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_locked',
      'auth.login_locked',
    ]);
    expect(events[0]).toMatchObject({ remoteAddress: '127.0.0.1' });
  });

  it('auth.private_key_failed, then auth.private_key_locked', async () => {
    const other = await connectMember(t.ctx, sub, 'events.pk');
    const c = new FormClient(t.app);
    await c.login(other.mydexid, other.password);
    const events = await eventsOf(async () => {
      for (let i = 0; i < 6; i++) await c.submit('/me/data', '/me/data', { private_key: 'wrong-private-key-canary' });
    });
    expect(events.map((e) => e.event)).toEqual([
      'auth.private_key_failed',
      'auth.private_key_failed',
      'auth.private_key_failed',
      'auth.private_key_failed',
      'auth.private_key_locked',
      'auth.private_key_locked',
    ]);
    expect(events[0]).toMatchObject({ uid: other.uid });
  });

  it('csrf.refused', async () => {
    const c = new FormClient(t.app);
    const events = await eventsOf(() => c.post('/login', { mydexid: m.mydexid, password: m.password }));
    expect(events).toEqual([expect.objectContaining({ event: 'csrf.refused', path: '/login', crossSite: false })]);
  });

  it('never logs a secret or personal value with them', () => {
    const all = lines.join('\n');
    for (const value of [
      'wrong-canary',
      'wrong-password-canary',
      'wrong-private-key-canary',
      m.password,
      m.mydexid,
      sub.clientSecret,
    ]) {
      expect(all.includes(value), value).toBe(false);
    }
  });
});
