/**
 * Contract §5 and MX-09 at the service level: the member opens a one-time link, approves with
 * their Private Key or rejects; links work once, expire, and are bound to a DSSA version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { LinkUnavailableError, LoginRequiredError } from '../../src/consent/consent-service.ts';
import { WrongPrivateKeyError } from '../../src/members/member-keys.ts';
import { connectMember, createMember, createSubscriber, tokenFor, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { CONNECT, linkCall, linkOf, REGISTER, registration, RETURN_TO, UPDATE } from './helpers.ts';

let t: TestApp;
let clock: ManualClock;
let sub: Subscriber;

beforeAll(async () => {
  clock = new ManualClock();
  t = await createTestApp({ clock });
  sub = await createSubscriber(t);
});
afterAll(() => t.close());

/** Moves time on; the subscriber fetches a new access token as a real one would after an hour. */
async function advance(seconds: number): Promise<void> {
  clock.advance(seconds);
  sub.accessToken = await tokenFor(t, sub.clientId, sub.clientSecret);
}

async function ftcLink(mydexid?: string, returnTo = RETURN_TO): Promise<string> {
  return linkOf(await linkCall(t, sub, CONNECT, { return_to: returnTo, ...(mydexid ? { mydexid } : {}) })).token;
}

async function callbacks(uid: number) {
  return t.ctx.db
    .selectFrom('outbox')
    .select(['kind', 'method', 'nid'])
    .where('uid', '=', uid)
    .where('kind', '=', 'callback')
    .execute();
}

async function grants(uid: number) {
  return t.ctx.db.selectFrom('grants').select(['dssa_version', 'revoked_at']).where('uid', '=', uid).execute();
}

async function linkRow(token: string) {
  const rows = await t.ctx.db.selectFrom('one_time_links').selectAll().execute();
  const { createHash } = await import('node:crypto');
  return rows.find((r) => r.token_hash === createHash('sha256').update(token).digest('hex'))!;
}

async function unavailable(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LinkUnavailableError);
  expect(err).toMatchObject({ status: 410, code: 'link_unavailable', message: 'This link has expired or was already used.' });
}

describe('first time connection', () => {
  it('shows the subscriber, the DSSA and the named member, and nothing more', async () => {
    const m = await createMember(t.ctx, 'view.member');
    const token = await ftcLink(m.mydexid);
    const view = await t.ctx.consent.viewLink(token);
    const org = await t.ctx.connections.getOrganisation(sub.orgId);
    expect(view).toMatchObject({ kind: 'ftc', nid: sub.nid, subscriberName: org!.name, mydexid: 'view.member', email: null });
    expect(view.dssa).toMatchObject({ nid: sub.nid, version: 1 });
    expect(view.previousDssa).toBeUndefined();
    expect(view.expiresAt).toBe(clock.now() + t.ctx.config.linkTtl);
  });

  it('approves with the Private Key: a grant, a POST callback in the outbox, and status=connected', async () => {
    const m = await createMember(t.ctx, 'ftc.member');
    const token = await ftcLink(m.mydexid, 'https://subscriber.example.org/done?ref=42');
    const result = await t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey });
    expect(result).toEqual({ redirect: 'https://subscriber.example.org/done?ref=42&status=connected', uid: m.uid });
    expect(await t.ctx.members.grants.activeGrants(m.uid)).toEqual([expect.objectContaining({ nid: sub.nid, dssaVersion: 1 })]);
    expect(await callbacks(m.uid)).toEqual([{ kind: 'callback', method: 'POST', nid: sub.nid }]);
    expect(await linkRow(token)).toMatchObject({ used_at: clock.now(), outcome: 'connected' });
  });

  it('refuses a second approval with LinkUnavailableError and grants nothing more', async () => {
    const m = await createMember(t.ctx, 'twice.member');
    const token = await ftcLink(m.mydexid);
    await t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey });
    await unavailable(t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey }));
    await unavailable(t.ctx.consent.viewLink(token));
    expect(await grants(m.uid)).toHaveLength(1);
    expect(await callbacks(m.uid)).toHaveLength(1);
  });

  it('lets only one of two simultaneous approvals through', async () => {
    const m = await createMember(t.ctx, 'race.member');
    const token = await ftcLink(m.mydexid);
    const results = await Promise.allSettled([
      t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey }),
      t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(LinkUnavailableError) });
    expect(await grants(m.uid)).toHaveLength(1);
    expect(await callbacks(m.uid)).toHaveLength(1);
  });

  it('leaves the link usable after a wrong Private Key', async () => {
    const m = await createMember(t.ctx, 'wrongkey.member');
    const token = await ftcLink(m.mydexid);
    await expect(t.ctx.consent.approve(token, { uid: m.uid, privateKey: 'not-the-private-key' })).rejects.toBeInstanceOf(
      WrongPrivateKeyError,
    );
    expect(await grants(m.uid)).toHaveLength(0);
    expect((await linkRow(token)).used_at).toBeNull();
    await expect(t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey })).resolves.toMatchObject({ uid: m.uid });
  });

  it('needs a logged-in member, and the one the link names', async () => {
    const named = await createMember(t.ctx, 'named.member');
    const intruder = await createMember(t.ctx, 'intruder.member');
    const token = await ftcLink(named.mydexid);
    await expect(t.ctx.consent.approve(token, { privateKey: named.privateKey })).rejects.toBeInstanceOf(LoginRequiredError);
    await expect(t.ctx.consent.approve(token, { uid: intruder.uid, privateKey: intruder.privateKey })).rejects.toMatchObject({
      status: 403,
      code: 'wrong_member',
    });
    expect(await grants(intruder.uid)).toHaveLength(0);
    expect((await linkRow(token)).used_at).toBeNull();
  });

  it('lets any logged-in member approve a link that names nobody', async () => {
    const m = await createMember(t.ctx, 'anyone.member');
    const token = await ftcLink();
    await expect(t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey })).resolves.toMatchObject({ uid: m.uid });
  });

  it('rejects: status=rejected, no grant, and the link is spent', async () => {
    const m = await createMember(t.ctx, 'reject.member');
    const token = await ftcLink(m.mydexid);
    expect(await t.ctx.consent.reject(token)).toEqual({ redirect: `${RETURN_TO}?status=rejected` });
    expect(await grants(m.uid)).toHaveLength(0);
    expect(await linkRow(token)).toMatchObject({ outcome: 'rejected', used_at: clock.now() });
    await unavailable(t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey }));
    expect(await t.ctx.consent.expiredRedirect(token)).toBe(`${RETURN_TO}?status=expired`);
  });
});

describe('connection update', () => {
  it('shows both versions and re-consents with a PUT callback to the version the link names', async () => {
    const m = await connectMember(t.ctx, sub, 'update.member');
    const { version } = await t.ctx.connections.addDssaVersion(sub.nid, {
      permissions: parseGrantSpecs(['ds_personal_details:r'], t.ctx.catalogue),
    });
    const { token } = linkOf(await linkCall(t, sub, UPDATE, { mydexid: m.mydexid, version, return_to: RETURN_TO }));
    const view = await t.ctx.consent.viewLink(token);
    expect(view).toMatchObject({ kind: 'update', mydexid: m.mydexid, dssa: { version }, previousDssa: { version: version - 1 } });
    // A newer version published meanwhile does not change what the member agreed to (MX-09).
    await t.ctx.connections.addDssaVersion(sub.nid, {
      permissions: parseGrantSpecs(['ds_personal_details:rw'], t.ctx.catalogue),
    });
    await t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey });
    expect(await t.ctx.members.grants.activeGrants(m.uid)).toEqual([
      expect.objectContaining({ nid: sub.nid, dssaVersion: version }),
    ]);
    // The first consent (connectMember) queued the POST; the re-consent is a PUT (contract §5.3).
    expect((await callbacks(m.uid)).map((c) => c.method)).toEqual(['POST', 'PUT']);
  });
});

describe('expiry', () => {
  it('refuses an expired link and sends the browser back with status=expired', async () => {
    const m = await createMember(t.ctx, 'late.member');
    const token = await ftcLink(m.mydexid);
    expect(await t.ctx.consent.expiredRedirect(token)).toBeUndefined();
    await advance(t.ctx.config.linkTtl - 1);
    await expect(t.ctx.consent.viewLink(token)).resolves.toMatchObject({ kind: 'ftc' });
    await advance(1);
    await unavailable(t.ctx.consent.viewLink(token));
    await unavailable(t.ctx.consent.approve(token, { uid: m.uid, privateKey: m.privateKey }));
    await unavailable(t.ctx.consent.reject(token));
    expect(await t.ctx.consent.expiredRedirect(token)).toBe(`${RETURN_TO}?status=expired`);
    expect(await grants(m.uid)).toHaveLength(0);
  });

  it('answers unknown tokens as unavailable, with no redirect', async () => {
    for (const token of ['', 'pdx_ln_unknown', 'x'.repeat(10_000)]) {
      await unavailable(t.ctx.consent.viewLink(token));
      expect(await t.ctx.consent.expiredRedirect(token)).toBeUndefined();
    }
  });

  it('frees the MydexID and email of a registration link once it has expired', async () => {
    linkOf(await linkCall(t, sub, REGISTER, registration('expiring.reg')));
    expect((await linkCall(t, sub, REGISTER, registration('expiring.reg'))).statusCode).toBe(409);
    await advance(t.ctx.config.linkTtl);
    linkOf(await linkCall(t, sub, REGISTER, registration('expiring.reg')));
  });
});

describe('emails to the member', () => {
  it('tells the member when a new organisation connects, and not when one already connected agrees again', async () => {
    const m = await createMember(t.ctx, 'mail.connect');
    const mails = async () =>
      (await t.ctx.outbox.listSandboxMessages()).filter((x) => x.recipient === `${m.mydexid}@example.org`);
    const first = linkOf(await linkCall(t, sub, CONNECT, { mydexid: m.mydexid, return_to: RETURN_TO }));
    await t.ctx.consent.approve(first.token, { uid: m.uid, privateKey: m.privateKey });
    const [mail] = await mails();
    expect(mail!.subject).toMatch(/ is now connected to your Personal Data Store$/);
    expect(mail!.body).toContain('/me/connections');
    const again = linkOf(await linkCall(t, sub, CONNECT, { mydexid: m.mydexid, return_to: RETURN_TO }));
    await t.ctx.consent.approve(again.token, { uid: m.uid, privateKey: m.privateKey });
    expect(await mails()).toHaveLength(1);
  });
});

describe('registration', () => {
  it('shows the MydexID and email the subscriber sent', async () => {
    const { token } = linkOf(await linkCall(t, sub, REGISTER, registration('reg.view')));
    expect(await t.ctx.consent.viewLink(token)).toMatchObject({
      kind: 'register',
      mydexid: 'reg.view',
      email: 'reg.view@example.com',
      previousDssa: undefined,
    });
  });

  it('refuses a short password or Private Key, or one equal to the other, and keeps the link', async () => {
    const body = registration('reg.rules');
    const { token } = linkOf(await linkCall(t, sub, REGISTER, body));
    await expect(t.ctx.consent.approve(token, { privateKey: 'short', password: 'my own password' })).rejects.toMatchObject({
      status: 400,
      message: 'Private Key must be at least 8 characters.',
    });
    await expect(t.ctx.consent.approve(token, { privateKey: 'a private key', password: 'short' })).rejects.toMatchObject({
      status: 400,
      message: 'Password must be at least 8 characters.',
    });
    await expect(
      t.ctx.consent.approve(token, { privateKey: 'the same words', password: 'the same words' }),
    ).rejects.toMatchObject({
      status: 400,
      message: 'Private Key must not be the same as the password.',
    });
    await expect(t.ctx.consent.viewLink(token)).resolves.toMatchObject({ kind: 'register' });
  });

  it('never compares the Private Key with the password the subscriber sent (no oracle for it)', async () => {
    const body = registration('reg.oracle');
    const { token } = linkOf(await linkCall(t, sub, REGISTER, body));
    const { uid } = await t.ctx.consent.approve(token, { privateKey: body.password as string, password: 'my own password' });
    // The subscriber's password does not sign in: the member's own does.
    expect(await t.ctx.members.accounts.authenticate('reg.oracle', body.password as string)).toBeUndefined();
    expect(await t.ctx.members.accounts.authenticate('reg.oracle', 'my own password')).toMatchObject({ uid });
  });

  it('forgets the password hash when the link is rejected', async () => {
    const { token } = linkOf(await linkCall(t, sub, REGISTER, registration('reg.reject')));
    expect((await linkRow(token)).password_hash).toMatch(/^\$argon2id\$/);
    await t.ctx.consent.reject(token);
    expect(await linkRow(token)).toMatchObject({ password_hash: null, outcome: 'rejected' });
    expect(await t.ctx.members.accounts.getMember({ mydexid: 'reg.reject' })).toBeUndefined();
  });

  it('creates the member with the password they chose, connects it, and forgets the subscriber’s hash', async () => {
    const body = registration('reg.approve');
    const { token } = linkOf(await linkCall(t, sub, REGISTER, body));
    const privateKey = 'A-New-Private-Key-123';
    const { redirect, uid } = await t.ctx.consent.approve(token, { privateKey, password: 'the member’s password' });
    expect(redirect).toBe(`${RETURN_TO}?status=connected`);
    expect(await t.ctx.members.accounts.getMember({ uid })).toMatchObject({
      mydexid: 'reg.approve',
      email: 'reg.approve@example.com',
    });
    expect(await t.ctx.members.accounts.authenticate('reg.approve', 'the member’s password')).toMatchObject({ uid });
    await expect(t.ctx.members.keys.unlock(uid, privateKey)).resolves.toBeDefined();
    expect(await t.ctx.members.grants.activeGrants(uid)).toEqual([expect.objectContaining({ nid: sub.nid })]);
    expect(await callbacks(uid)).toEqual([{ kind: 'callback', method: 'POST', nid: sub.nid }]);
    expect(await linkRow(token)).toMatchObject({ password_hash: null, outcome: 'connected' });
    await unavailable(t.ctx.consent.approve(token, { privateKey, password: 'the member’s password' }));
  });
});
