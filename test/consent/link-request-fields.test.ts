/**
 * Contract §4.1–4.3: the body fields of registration, FTC and update, their messages, the 409s,
 * what is stored, and the optional `notify` delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { verifyPassword } from '../../src/crypto/kdf.ts';
import { connectMember, createMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { CONNECT, linkCall, linkOf, REGISTER, registration, RETURN_TO, UPDATE } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;
let other: Subscriber;
let member: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t);
  other = await createSubscriber(t);
  member = await connectMember(t.ctx, sub, 'fields.member');
  await t.ctx.connections.addDssaVersion(sub.nid, { permissions: parseGrantSpecs(['ds_personal_details:r'], t.ctx.catalogue) });
});
afterAll(() => t.close());

function error(message: string, reason = message) {
  return { error: { message, reason } };
}

async function linkRows() {
  return t.ctx.db.selectFrom('one_time_links').selectAll().execute();
}

describe('POST /api/pds (registration)', () => {
  it('lists every missing field, the first as the message', async () => {
    const res = await linkCall(t, sub, REGISTER, {});
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(
      error('Mydexid is required.', 'Mydexid is required. Email is required. Password is required. return_to is required.'),
    );
  });

  it('applies the registration rules with one message per problem', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ mydexid: 'ab' }, 'Mydexid must be 3 to 64 characters: letters, digits, dot, underscore or hyphen.'],
      [{ mydexid: 'john citizen' }, 'Mydexid must be 3 to 64 characters: letters, digits, dot, underscore or hyphen.'],
      [{ mydexid: '123456' }, 'Mydexid must not be all digits.'],
      [{ email: 'not-an-address' }, 'Email is not valid.'],
      [{ password: 'short' }, 'Password must be at least 8 characters.'],
      [{ mydexid: 'samesame', password: 'samesame' }, 'Password must not be the same as the Mydexid.'],
    ];
    for (const [fields, message] of cases) {
      const res = await linkCall(t, sub, REGISTER, registration('rules.case', fields));
      expect(res.statusCode, message).toBe(400);
      expect(res.json(), message).toEqual(error(message));
    }
    const both = await linkCall(t, sub, REGISTER, registration('x', { email: 'nope', password: '1' }));
    expect(both.json()).toEqual(
      error(
        'Mydexid must be 3 to 64 characters: letters, digits, dot, underscore or hyphen.',
        [
          'Mydexid must be 3 to 64 characters: letters, digits, dot, underscore or hyphen.',
          'Email is not valid.',
          'Password must be at least 8 characters.',
        ].join(' '),
      ),
    );
  });

  it('answers 409 when a member already has the MydexID or the email (in any case)', async () => {
    const existing = await createMember(t.ctx, 'taken.member');
    const byId = await linkCall(t, sub, REGISTER, registration('taken.member', { email: 'fresh1@example.com' }));
    expect(byId.statusCode).toBe(409);
    expect(byId.json()).toEqual({ error: { message: 'Mydexid already in use.' } });
    const byEmail = await linkCall(t, sub, REGISTER, registration('fresh.one', { email: `  TAKEN.MEMBER@example.org ` }));
    expect(byEmail.statusCode).toBe(409);
    expect(byEmail.json()).toEqual({ error: { message: 'Email already in use.' } });
    expect(existing.mydexid).toBe('taken.member');
  });

  it('answers 409 when an unexpired registration link already claims the MydexID or the email', async () => {
    linkOf(await linkCall(t, sub, REGISTER, registration('pending.one')));
    const again = await linkCall(t, other, REGISTER, registration('pending.one'));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({
      error: { message: 'Mydexid already in use.', reason: 'Mydexid already in use. Email already in use.' },
    });
    const email = await linkCall(t, sub, REGISTER, registration('pending.two', { email: 'pending.one@example.com' }));
    expect(email.json()).toEqual({ error: { message: 'Email already in use.' } });
  });

  it('trims the fields, lower-cases the email and stores an Argon2id hash, never the password', async () => {
    const password = 'Plain-Text-Secret-9781';
    const { token } = linkOf(
      await linkCall(t, sub, REGISTER, {
        mydexid: '  trim.me ',
        email: ' Trim.Me@Example.COM ',
        password,
        return_to: ` ${RETURN_TO} `,
      }),
    );
    const row = (await linkRows()).find((r) => r.mydexid === 'trim.me')!;
    expect(row).toMatchObject({
      kind: 'register',
      nid: sub.nid,
      email: 'trim.me@example.com',
      return_to: RETURN_TO,
      used_at: null,
    });
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.password_hash!, password)).toBe(true);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const dump = JSON.stringify(await linkRows());
    const forms = (s: string) => [
      s,
      Buffer.from(s).toString('hex'),
      Buffer.from(s).toString('base64'),
      Buffer.from(s).toString('base64url'),
    ];
    for (const secret of [...forms(password), ...forms(token)]) expect(dump).not.toContain(secret);
  });
});

describe('POST /api/connection (FTC)', () => {
  it('needs a return_to', async () => {
    const res = await linkCall(t, sub, CONNECT, { mydexid: member.mydexid });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('return_to is required.'));
  });

  it('takes no mydexid (the member may not have registered yet)', async () => {
    const { token } = linkOf(await linkCall(t, sub, CONNECT, { return_to: RETURN_TO }));
    expect(await t.ctx.consent.viewLink(token)).toMatchObject({ kind: 'ftc', mydexid: null, email: null });
  });
});

describe('POST /api/connection/update', () => {
  it('needs a mydexid and a version', async () => {
    const res = await linkCall(t, sub, UPDATE, { return_to: RETURN_TO });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('Mydexid is required.', 'Mydexid is required. Version is required.'));
  });

  it('takes the version as a string or an integer', async () => {
    expect(linkOf(await linkCall(t, sub, UPDATE, { mydexid: member.mydexid, version: '2', return_to: RETURN_TO })).version).toBe(
      2,
    );
    expect(linkOf(await linkCall(t, sub, UPDATE, { mydexid: member.mydexid, version: 1, return_to: RETURN_TO })).version).toBe(1);
  });

  it('refuses a version the connection does not have, or that is not a number', async () => {
    const missing = await linkCall(t, sub, UPDATE, { mydexid: member.mydexid, version: '7', return_to: RETURN_TO });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: { message: 'Version 7 does not exist for this connection.' } });
    const junk = await linkCall(t, sub, UPDATE, { mydexid: member.mydexid, version: 'two', return_to: RETURN_TO });
    expect(junk.statusCode).toBe(400);
    expect(junk.json()).toEqual(error('Version must be a whole number from 1 to 2147483647.'));
  });

  it('answers the same 404 for an unknown MydexID, an unconnected member and a member of another subscriber', async () => {
    const unconnected = await createMember(t.ctx, 'not.connected');
    const elsewhere = await connectMember(t.ctx, other, 'other.subscribers.member');
    const expected = {
      error: { message: 'Member not connected', reason: 'No member with this MydexID is connected to this connection.' },
    };
    for (const mydexid of ['no.such.member', unconnected.mydexid, elsewhere.mydexid]) {
      const res = await linkCall(t, sub, UPDATE, { mydexid, version: '1', return_to: RETURN_TO });
      expect(res.statusCode, mydexid).toBe(404);
      expect(res.json(), mydexid).toEqual(expected);
    }
  });
});

describe('notify (decided addition to §4.1)', () => {
  it("emails an FTC link to the named member's address", async () => {
    const { url } = linkOf(await linkCall(t, sub, CONNECT, { mydexid: member.mydexid, return_to: RETURN_TO, notify: 'email' }));
    const sent = (await t.ctx.outbox.listSandboxMessages()).find((m) => m.body.includes(url));
    expect(sent).toMatchObject({ channel: 'email', recipient: 'fields.member@example.org' });
    expect(sent!.subject).toMatch(/^Org \d+: connect your Personal Data Store$/);
  });

  it('texts a registration link to the E.164 phone number given', async () => {
    const body = registration('sms.member', { notify: 'sms', phone: '+44 7700 900123' });
    const { url } = linkOf(await linkCall(t, sub, REGISTER, body));
    const sent = (await t.ctx.outbox.listSandboxMessages()).find((m) => m.body.includes(url));
    expect(sent).toMatchObject({ channel: 'sms', recipient: '+447700900123' });
  });

  it('refuses an unusable notify request with 400', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ notify: 'fax' }, 'Notify must be "email" or "sms".'],
      [{ notify: 'sms' }, 'Phone is required when notify is sms.'],
      [{ notify: 'sms', phone: '07700900123' }, 'Phone must be in E.164 form, for example +447700900123.'],
      [{ notify: 'email' }, 'Notify by email needs the mydexid of a registered member.'],
    ];
    for (const [fields, message] of cases) {
      const res = await linkCall(t, sub, CONNECT, { return_to: RETURN_TO, ...fields });
      expect(res.statusCode, message).toBe(400);
      expect(res.json().error.message).toBe(message);
    }
  });

  it('queues the message in the transaction of the link: no message, no link', async () => {
    const outbox = t.ctx.outbox as { enqueueMessage: unknown };
    const original = outbox.enqueueMessage;
    outbox.enqueueMessage = async () => {
      throw new Error('outbox unavailable');
    };
    try {
      const before = (await linkRows()).length;
      const res = await linkCall(t, sub, CONNECT, { mydexid: member.mydexid, return_to: RETURN_TO, notify: 'email' });
      expect(res.statusCode).toBe(500);
      expect((await linkRows()).length).toBe(before);
    } finally {
      outbox.enqueueMessage = original;
    }
  });
});
