/**
 * SE-02/SE-03/SE-04 and the lock-out rules, on the real database (SQLite, or PostgreSQL with
 * OPENPDX_TEST_DATABASE_URL) with a manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { AuthThrottle, LOGIN_RULE, PRIVATE_KEY_RULE } from '../../src/members/auth-throttle-store.ts';
import { DataKeyRing } from '../../src/members/key-ring.ts';
import { MemberSessions } from '../../src/web/member-session-store.ts';
import { createMember } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
let clock: ManualClock;
let uid: number;
let sessions: MemberSessions;
let throttle: AuthThrottle;

beforeAll(async () => {
  clock = new ManualClock(1_800_000_000);
  t = await createTestApp({ clock });
  ({ uid } = await createMember(t.ctx, 'sessionowner'));
  sessions = new MemberSessions(t.ctx.db, clock, { idleSeconds: 1800, absoluteSeconds: 43200, unlockIdleSeconds: 300 });
  throttle = new AuthThrottle(t.ctx.db, clock);
});
afterAll(() => t.close());

describe('member sessions', () => {
  it('stores only the SHA-256 of a 256-bit random id', async () => {
    const { id, session } = await sessions.create(uid);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    const rows = await t.ctx.db.selectFrom('member_sessions').selectAll().where('uid', '=', uid).execute();
    expect(rows.map((r) => r.id_hash)).toContain(sha256Hex(id));
    expect(rows.some((r) => r.id_hash === id)).toBe(false);
    expect(session.csrfSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('ends a session after 30 minutes without a request', async () => {
    const { id } = await sessions.create(uid);
    clock.advance(1799);
    expect(await sessions.resolve(id)).toBeDefined();
    clock.advance(1800);
    expect(await sessions.resolve(id)).toBeUndefined();
  });

  it('keeps an active session alive, but never past 12 hours after login', async () => {
    const { id } = await sessions.create(uid);
    for (let elapsed = 0; elapsed < 43200 - 1200; elapsed += 1200) {
      clock.advance(1200);
      expect(await sessions.resolve(id), `after ${elapsed + 1200} s`).toBeDefined();
    }
    clock.advance(1200);
    expect(await sessions.resolve(id)).toBeUndefined();
  });

  it('holds data keys for the unlock window only, sealed under the session id', async () => {
    const { id } = await sessions.create(uid);
    const ring = new DataKeyRing();
    ring.set('ds_home', Buffer.alloc(32, 7), 1);
    const until = await sessions.holdKeys(id, (await sessions.resolve(id))!, ring);
    expect(until).toBe(clock.now() + 300);
    const held = await sessions.heldKeys(id, (await sessions.resolve(id))!);
    expect(held!.ring.get('ds_home')).toEqual({ key: Buffer.alloc(32, 7), version: 1 });
    // Another id (what a copy of the table has, at best) opens nothing.
    const { id: other } = await sessions.create(uid);
    expect(await sessions.heldKeys(other, (await sessions.resolve(id))!)).toBeUndefined();
    // Each use slides the window; 5 idle minutes lock it.
    clock.advance(299);
    expect(await sessions.heldKeys(id, (await sessions.resolve(id))!)).toBeDefined();
    clock.advance(299);
    expect(await sessions.heldKeys(id, (await sessions.resolve(id))!)).toBeDefined();
    clock.advance(301);
    expect(await sessions.heldKeys(id, (await sessions.resolve(id))!)).toBeUndefined();
  });

  it('drops held keys when the session id rotates', async () => {
    const { id } = await sessions.create(uid);
    const ring = new DataKeyRing();
    ring.set('ds_home', Buffer.alloc(32, 9), 1);
    await sessions.holdKeys(id, (await sessions.resolve(id))!, ring);
    const rotated = await sessions.rotate(id);
    const session = (await sessions.resolve(rotated!.id))!;
    expect(session.unlockedUntil).toBeUndefined();
    expect(await sessions.heldKeys(rotated!.id, session)).toBeUndefined();
  });

  it('refuses a destroyed session and ids that are not ours', async () => {
    const { id } = await sessions.create(uid);
    await sessions.destroy(id);
    expect(await sessions.resolve(id)).toBeUndefined();
    expect(await sessions.resolve('not-a-session')).toBeUndefined();
    expect(await sessions.resolve(undefined)).toBeUndefined();
  });

  it('signs out the other browsers of a member and keeps the current one', async () => {
    const a = await sessions.create(uid);
    const b = await sessions.create(uid);
    await sessions.destroyOthers(uid, a.session);
    expect(await sessions.resolve(a.id)).toBeDefined();
    expect(await sessions.resolve(b.id)).toBeUndefined();
  });
});

describe('auth throttle', () => {
  const keysFor = (name: string) => [[`login:${name}`, LOGIN_RULE]] as const;

  it('locks a key for 15 minutes after 5 failures within 15 minutes', async () => {
    const keys = keysFor('five');
    for (let i = 0; i < 4; i++) {
      expect(await throttle.attempt(keys)).toEqual({ allowed: true });
      expect(await throttle.failed(keys)).toBeUndefined();
    }
    expect(await throttle.attempt(keys)).toEqual({ allowed: true });
    const until = await throttle.failed(keys);
    expect(until).toBe(clock.now() + 900);
    expect(await throttle.attempt(keys)).toEqual({ allowed: false, until });
    clock.advance(899);
    expect((await throttle.attempt(keys)).allowed).toBe(false);
    clock.advance(1);
    expect(await throttle.attempt(keys)).toEqual({ allowed: true });
  });

  it('forgets failures older than the window', async () => {
    const keys = keysFor('window');
    for (let i = 0; i < 4; i++) {
      await throttle.attempt(keys);
      await throttle.failed(keys);
    }
    clock.advance(901);
    await throttle.attempt(keys);
    expect(await throttle.failed(keys)).toBeUndefined();
  });

  it('clears an account key on success and only refunds the charge of an address key', async () => {
    const keys = [
      ['login:clears', LOGIN_RULE],
      ['login-ip:198.51.100.1', LOGIN_RULE],
    ] as const;
    for (let i = 0; i < 4; i++) {
      await throttle.attempt(keys);
      await throttle.failed(keys);
    }
    await throttle.attempt(keys);
    await throttle.succeeded(['login-ip:198.51.100.1'], ['login:clears']);
    const rows = await t.ctx.db
      .selectFrom('auth_throttle')
      .selectAll()
      .where('key', 'in', ['login:clears', 'login-ip:198.51.100.1'])
      .execute();
    expect(rows.map((r) => [r.key, r.failures])).toEqual([['login-ip:198.51.100.1', 4]]);
  });

  it('lets no more than the limit through when guesses arrive all at once', async () => {
    const keys = [[`pk:${uid}`, PRIVATE_KEY_RULE]] as const;
    const verdicts = await Promise.all(Array.from({ length: 12 }, () => throttle.attempt(keys)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(await throttle.lockedUntil([`pk:${uid}`])).toBe(clock.now() + 900);
  });
});
