/**
 * Contract §3–§4 and MX-01, MX-02, MX-05: every credential of the three dedicated-connection calls
 * is checked, over HTTP, exactly as Mydex's example scripts send them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import {
  ACCESS_DENIED,
  CONNECT,
  linkCall,
  linkOf,
  REGISTER,
  registration,
  requestSat,
  RETURN_TO,
  sha512,
  UPDATE,
  type LinkPath,
} from './helpers.ts';

let t: TestApp;
let clock: ManualClock;
let sub: Subscriber;
let other: Subscriber;
let member: ConnectedMember;
let names = 0;

beforeAll(async () => {
  clock = new ManualClock();
  t = await createTestApp({ clock });
  sub = await createSubscriber(t);
  other = await createSubscriber(t);
  member = await connectMember(t.ctx, sub, 'auth.member');
  // Versions 1 (accepted), 2 (the update asks for it) and 3 (latest, what an FTC offers).
  for (let i = 0; i < 2; i++) {
    await t.ctx.connections.addDssaVersion(sub.nid, { permissions: parseGrantSpecs(['ds_personal_details:r'], t.ctx.catalogue) });
  }
});
afterAll(() => t.close());

/** A body that succeeds for the call (registration names are fresh each time). */
function valid(path: LinkPath): Record<string, unknown> {
  if (path === REGISTER) return registration(`auth${++names}`);
  if (path === CONNECT) return { mydexid: member.mydexid, return_to: RETURN_TO };
  return { mydexid: member.mydexid, version: '2', return_to: RETURN_TO };
}

function denied(reason: string) {
  return { error: { message: 'Access denied', reason } };
}

describe.each([REGISTER, CONNECT, UPDATE] as const)('POST %s', (path) => {
  it('answers a one-time URL on the member web app for the connection and the right DSSA version', async () => {
    const link = linkOf(await linkCall(t, sub, path, valid(path)));
    expect(link.nid).toBe(sub.nid);
    expect(link.version).toBe(path === UPDATE ? 2 : 3);
  });

  it('makes a different token every time', async () => {
    const a = linkOf(await linkCall(t, sub, path, valid(path)));
    const b = linkOf(await linkCall(t, sub, path, valid(path)));
    expect(a.token).not.toBe(b.token);
  });

  it('refuses an expired short access token with 401', async () => {
    const sat = await requestSat(t, sub.nid);
    clock.advance(t.ctx.config.satTtl);
    const res = await linkCall(t, sub, path, valid(path), { sat });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(denied('The short access token has expired; request a new one.'));
  });

  it('refuses a short access token that was already used with 401', async () => {
    const sat = await requestSat(t, sub.nid);
    linkOf(await linkCall(t, sub, path, valid(path), { sat }));
    const res = await linkCall(t, sub, path, valid(path), { sat });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(denied('The short access token is unknown or has already been used; request a new one.'));
  });

  it('spends the short access token even when the body is refused', async () => {
    const sat = await requestSat(t, sub.nid);
    expect((await linkCall(t, sub, path, { ...valid(path), return_to: '' }, { sat })).statusCode).toBe(400);
    expect((await linkCall(t, sub, path, valid(path), { sat })).statusCode).toBe(401);
  });

  it('refuses a missing short access token with 401', async () => {
    const res = await linkCall(t, sub, path, valid(path), { headers: { 'short-access-token': undefined } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(denied('Send the Short-Access-Token header with a token from GET /access-token/{nid}.'));
  });

  it('refuses a wrong Authentication header with 401', async () => {
    const sat = await requestSat(t, sub.nid);
    const res = await linkCall(t, sub, path, valid(path), { sat, headers: { authentication: sha512(`${sat}not-the-token`) } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('Access denied');
    expect(res.json().error.reason).toMatch(/^The Authentication header must be/);
  });

  it('refuses a wrong connection_token_hash with 401', async () => {
    const res = await linkCall(t, sub, path, { ...valid(path), connection_token_hash: sha512(other.connectionToken) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(denied('connection_token_hash must be the lower-case hex SHA-512 of the connection token.'));
  });

  it("refuses another organisation's client with 403 (MX-02)", async () => {
    const res = await linkCall(t, sub, path, valid(path), { bearer: other.accessToken });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(denied('This connection does not belong to your organisation.'));
  });

  it("refuses the subscriber's token with another organisation's complete connection credentials (MX-02)", async () => {
    const sat = await requestSat(t, other.nid);
    const res = await linkCall(
      t,
      sub,
      path,
      { ...valid(path), connection_nid: other.nid, connection_token_hash: sha512(other.connectionToken) },
      {
        sat,
        headers: { authentication: sha512(sat + other.connectionToken) },
      },
    );
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(denied('This connection does not belong to your organisation.'));
  });

  it('refuses an unknown NID exactly like a foreign one', async () => {
    const unknown = await linkCall(t, sub, path, { ...valid(path), connection_nid: '99999' });
    const foreign = await linkCall(t, sub, path, { ...valid(path), connection_nid: String(other.nid) });
    expect(unknown.statusCode).toBe(403);
    expect(unknown.json()).toEqual(foreign.json());
  });

  it('answers a call with only a bearer token with a 400 that lists every missing credential', async () => {
    const res = await linkCall(
      t,
      sub,
      path,
      { ...valid(path), connection_nid: undefined, connection_token_hash: undefined },
      {
        headers: { 'short-access-token': undefined, authentication: undefined },
      },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        message: 'Missing parameter',
        reason:
          "This call needs your dedicated connection's credentials. Missing or not valid: connection_nid (your connection’s NID, " +
          'in the body); the Short-Access-Token header (from GET /access-token/{nid}); the Authentication header (lower-case hex ' +
          'SHA-512 of the short access token followed by the connection token); connection_token_hash (lower-case hex SHA-512 ' +
          'of the connection token).',
      },
    });
  });

  it('names only connection_nid when the rest was sent, and treats a malformed NID as missing', async () => {
    for (const nid of [undefined, 'forty', '-1']) {
      const res = await linkCall(t, sub, path, { ...valid(path), connection_nid: nid });
      expect(res.statusCode, String(nid)).toBe(400);
      expect(res.json().error.reason, String(nid)).toBe(
        "This call needs your dedicated connection's credentials. Missing or not valid: connection_nid (your connection’s NID, in the body).",
      );
    }
  });

  it('refuses a request without a bearer token with the exact 401 body', async () => {
    const res = await linkCall(t, sub, path, valid(path), { headers: { authorization: undefined } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(res.json()).toEqual(ACCESS_DENIED);
  });

  it('accepts connection_nid as a number and as a string', async () => {
    linkOf(await linkCall(t, sub, path, { ...valid(path), connection_nid: sub.nid }));
    linkOf(await linkCall(t, sub, path, { ...valid(path), connection_nid: String(sub.nid) }));
  });

  it('accepts a PHP form body and JSON sent with a form content type', async () => {
    linkOf(await linkCall(t, sub, path, valid(path), { encoding: 'form' }));
    linkOf(await linkCall(t, sub, path, valid(path), { encoding: 'php-json' }));
  });

  it('refuses a return_to that is not an absolute http(s) URL without credentials or fragment', async () => {
    const cases: Record<string, string> = {
      'javascript:alert(1)': 'return_to must be an absolute http or https URL.',
      '/hello-world': 'return_to must be an absolute http or https URL.',
      'https://subscriber.example.org/a b': 'return_to must be an absolute http or https URL.',
      'https://user:pw@subscriber.example.org/': 'return_to must not contain a user name or password.',
      'https://subscriber.example.org/#top': 'return_to must not contain a fragment.',
    };
    for (const [returnTo, message] of Object.entries(cases)) {
      const res = await linkCall(t, sub, path, { ...valid(path), return_to: returnTo });
      expect(res.statusCode, returnTo).toBe(400);
      expect(res.json().error.message, returnTo).toBe(message);
    }
  });
});
