/** "Forgot password" over HTTP: one answer for every name, single-use expiring codes, lock-out, emails. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createMember } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { csrfFor, FormClient, squash } from './helpers.ts';

let t: TestApp;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(1_800_000_000);
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

/** The fixtures' members are made with `<mydexid>@example.org`. */
const emailOf = (m: { mydexid: string }) => `${m.mydexid}@example.org`;
const mailTo = async (email: string) => (await t.ctx.outbox.listSandboxMessages()).filter((m) => m.recipient === email);

/** The code in the newest reset email to `email`. */
async function codeFor(email: string): Promise<string> {
  const mail = (await mailTo(email)).find((m) => m.subject === 'Your code to reset your password');
  const code = /Your code is ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(mail?.body ?? '')?.[1];
  if (!code) throw new Error(`no reset code was emailed to ${email}`);
  return code;
}

async function ask(c: FormClient, identifier: string) {
  return c.submit('/forgot-password', '/forgot-password', { identifier });
}

async function enter(c: FormClient, fields: { identifier: string; code: string; password: string; confirm?: string }) {
  return c.submit('/forgot-password/code', '/forgot-password/code', {
    identifier: fields.identifier,
    code: fields.code,
    new_password: fields.password,
    new_password_confirm: fields.confirm ?? fields.password,
  });
}

describe('/forgot-password', () => {
  it('answers the same for an account and for no account, and emails only the account', async () => {
    const m = await createMember(t.ctx, 'resetsame');
    const c = new FormClient(t.app);
    const known = await ask(c, m.mydexid);
    const unknown = await ask(c, 'nobody-here');
    const unknownEmail = await ask(c, 'nobody@example.org');
    for (const res of [known, unknown, unknownEmail]) {
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/forgot-password/code?sent=1');
    }
    expect(await mailTo('nobody@example.org')).toEqual([]);
    const mails = await mailTo(emailOf(m));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.body).toContain('nobody can recover it');
    expect(mails[0]!.body).toContain('/forgot-password/code');
    // The name is not in the URL, and the page says the same thing to everyone.
    const page = squash((await c.get('/forgot-password/code?sent=1')).body);
    expect(page).toContain('If that matches an account, we have emailed a code');
    expect(page).toContain('Forgotten your Private Key?');
  });

  it('resets the password with the code, once, signs the member out everywhere and tells them', async () => {
    const m = await createMember(t.ctx, 'resetok');
    const signedIn = new FormClient(t.app);
    await signedIn.login(m.mydexid, m.password);
    const c = new FormClient(t.app);
    await ask(c, emailOf(m).toUpperCase());
    const code = await codeFor(emailOf(m));
    const mismatch = await enter(c, { identifier: m.mydexid, code, password: 'new password 1', confirm: 'new password 2' });
    expect(mismatch.statusCode).toBe(400);
    expect(squash(mismatch.body)).toContain('The two new passwords are not the same.');
    const res = await enter(c, {
      identifier: m.mydexid,
      code: code.toLowerCase().replace('-', ' '),
      password: 'a brand new password',
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/login?done=password-reset');
    // The other browser's session has ended; the old password fails and the new one works.
    expect((await signedIn.get('/me')).statusCode).toBe(303);
    expect(await t.ctx.members.accounts.authenticate(m.mydexid, m.password)).toBeUndefined();
    expect(await t.ctx.members.accounts.authenticate(m.mydexid, 'a brand new password')).toBeDefined();
    expect((await mailTo(emailOf(m))).map((x) => x.subject)).toContain('Your password was changed');
    // The Private Key still opens the data: a reset does not touch it.
    await expect(t.ctx.memberData.view(m.uid, m.privateKey)).resolves.toBeDefined();
    // Spent.
    const again = await enter(c, { identifier: m.mydexid, code, password: 'another new password' });
    expect(again.statusCode).toBe(400);
    expect(squash(again.body)).toContain('The code is not right, or it has expired or been used.');
  });

  it('gives the same answers for a password equal to the account name, whether or not the account exists', async () => {
    const m = await createMember(t.ctx, 'resetname');
    const c = new FormClient(t.app);
    const existing = await enter(c, { identifier: m.mydexid, code: 'WRNG-0000', password: m.mydexid });
    const missing = await enter(c, { identifier: 'resetnobody', code: 'WRNG-0000', password: 'resetnobody' });
    expect(existing.statusCode).toBe(missing.statusCode);
    expect(squash(existing.body)).toContain('Password must not be the same as the MydexID.');
    expect(squash(missing.body)).toContain('Password must not be the same as the MydexID.');
    // By email address, the account's name is not known until a right code is given.
    const byEmail = await enter(c, { identifier: emailOf(m), code: 'WRNG-0000', password: m.mydexid });
    expect(squash(byEmail.body)).toContain('The code is not right');
  });

  it('refuses an expired code', async () => {
    const m = await createMember(t.ctx, 'resetlate');
    const c = new FormClient(t.app);
    await ask(c, m.mydexid);
    const code = await codeFor(emailOf(m));
    clock.advance(30 * 60 + 1);
    const res = await enter(c, { identifier: m.mydexid, code, password: 'too late password' });
    expect(res.statusCode).toBe(400);
    expect(await t.ctx.members.accounts.authenticate(m.mydexid, m.password)).toBeDefined();
  });

  it('locks code entry after 5 wrong codes, for an account and for no account alike', async () => {
    const m = await createMember(t.ctx, 'resetguess');
    const c = new FormClient(t.app);
    await ask(c, m.mydexid);
    const code = await codeFor(emailOf(m));
    for (const identifier of [m.mydexid, 'no-such-account']) {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await enter(c, { identifier, code: `WRNG-000${i}`, password: 'guessing password' })).statusCode);
      }
      expect(statuses).toEqual([400, 400, 400, 400, 429]);
    }
    const right = await enter(c, { identifier: m.mydexid, code, password: 'guessing password' });
    expect(right.statusCode).toBe(429);
    expect(squash(right.body)).toContain('entering codes is paused until');
    clock.advance(15 * 60 + 1);
  });

  it('sends at most three codes an hour to one member, answering the same, and 10 asks an hour from one address', async () => {
    clock.advance(3601); // the earlier tests' asks from this address are an hour old
    const m = await createMember(t.ctx, 'resetspam');
    const c = new FormClient(t.app);
    for (let i = 0; i < 5; i++) expect((await ask(c, m.mydexid)).statusCode).toBe(303);
    expect(await mailTo(emailOf(m))).toHaveLength(3);
    for (let i = 0; i < 5; i++) expect((await ask(c, `someone${i}`)).statusCode).toBe(303);
    const eleventh = await ask(c, m.mydexid);
    expect(eleventh.statusCode).toBe(429);
    expect(squash(eleventh.body)).toContain('asking for codes from this network is paused until');
    clock.advance(3601);
    await ask(c, m.mydexid);
    expect(await mailTo(emailOf(m))).toHaveLength(4);
  });

  it('is linked from the sign-in page, and refuses a form without its token', async () => {
    const c = new FormClient(t.app);
    expect(squash((await c.get('/login')).body)).toContain(squash('<a href="/forgot-password">Forgotten your password?</a>'));
    const res = await c.post('/forgot-password', { identifier: 'x' });
    expect(res.statusCode).toBe(403);
  });
});

describe('emails about the account', () => {
  it('tells the member when their password or Private Key changes', async () => {
    const m = await createMember(t.ctx, 'mailchange');
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const page = await c.get('/me/password');
    await c.post('/me/password', {
      csrf: csrfFor(page.body, '/me/password'),
      current_password: m.password,
      new_password: 'changed password 1',
      new_password_confirm: 'changed password 1',
    });
    await c.submit('/me/private-key', '/me/private-key', {
      current_private_key: m.privateKey,
      private_key: 'changed private key 1',
      private_key_confirm: 'changed private key 1',
    });
    const subjects = (await mailTo(emailOf(m))).map((x) => x.subject);
    expect(subjects).toEqual(expect.arrayContaining(['Your password was changed', 'Your Private Key was changed']));
    for (const mail of await mailTo(emailOf(m))) expect(mail.body).not.toContain('changed private key 1');
  });
});
