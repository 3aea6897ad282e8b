/** The dashboard over HTTP: data, edits, Private Key lock-out, export, connections, activity, account. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectMember, createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { csrfFor, FormClient, squash } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw']);
});
afterAll(() => t.close());

async function signedIn(name?: string) {
  const m = await createMember(t.ctx, name);
  const c = new FormClient(t.app);
  await c.login(m.mydexid, m.password);
  return { m, c };
}

const edit = (fields: Record<string, string>) => ({
  dataset: 'ds_personal_details',
  instance: '0',
  ...fields,
});

/** Enters the Private Key on /me/data: the answer is a 303 back to /me/data, now unlocked. */
async function unlock(c: FormClient, privateKey: string) {
  const res = await c.submit('/me/data', '/me/data', { private_key: privateKey });
  expect(res.statusCode, res.body).toBe(303);
  expect(res.headers.location).toBe('/me/data');
  return c.get('/me/data');
}

describe('/me/data', () => {
  it('shows nothing until the Private Key is entered, then what holds data first and the rest behind one control', async () => {
    const { m, c } = await signedIn('data1');
    await t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_fname: 'Ada' });
    const page = await c.get('/me/data');
    expect(squash(page.body)).toContain(squash('<form method="post" action="/me/data"'));
    expect(squash(page.body)).not.toContain(squash('Personal details'));
    const res = await unlock(c, m.privateKey);
    expect(res.statusCode).toBe(200);
    const body = squash(res.body);
    expect(body).toContain(squash('<h2 id="ds-ds_personal_details">Personal details</h2>'));
    // Empty and technical datasets come after, inside the one "More kinds of data" control.
    const more = body.indexOf(squash('<details class="more-data">'));
    expect(more).toBeGreaterThan(body.indexOf('id="ds-ds_personal_details"'));
    expect(body.indexOf(squash('<h3 id="ds-ds_events">'))).toBeGreaterThan(more);
    expect(body.indexOf(squash('<h3 id="ds-ds_variables">'))).toBeGreaterThan(
      body.indexOf('Kept by organisations for their records'),
    );
    // The hints speak to the member.
    expect(body).toContain('Your first (given) name.');
    expect(body).not.toMatch(/The member/);
  });

  it('gives the browser a new session id once the Private Key is right, and only then (SE-02)', async () => {
    const { m, c } = await signedIn('data-rotate');
    const SESSION = '__Host-openpdx_session';
    const before = c.cookies.get(SESSION)!;
    // A wrong key changes nothing.
    expect((await c.submit('/me/data', '/me/data', { private_key: 'not my private key' })).statusCode).toBe(403);
    expect(c.cookies.get(SESSION)).toBe(before);
    // A form fetched before the unlock still posts afterwards: the CSRF secret stays with the session.
    const logoutToken = csrfFor((await c.get('/me')).body, '/logout');
    await unlock(c, m.privateKey);
    const after = c.cookies.get(SESSION)!;
    expect(after).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(after).not.toBe(before);
    // The id from before the unlock signs nobody in any more.
    const stale = await t.app.inject({ method: 'GET', url: '/me', headers: { cookie: `${SESSION}=${before}` } });
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toMatch(/^\/login/);
    expect((await c.get('/me')).statusCode).toBe(200);
    const out = await c.post('/logout', { csrf: logoutToken });
    expect(out.statusCode).toBe(303);
    expect(c.cookies.has(SESSION)).toBe(false);
  });

  it('holds only sealed keys in the database while unlocked, and deletes them on Lock', async () => {
    const { m, c } = await signedIn('data-hold');
    const page = await unlock(c, m.privateKey);
    const row = await t.ctx.db.selectFrom('member_sessions').selectAll().where('uid', '=', m.uid).executeTakeFirstOrThrow();
    expect(row.unlocked_keys).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(row.unlocked_keys).not.toContain(m.privateKey);
    expect(row.unlocked_until).toBeGreaterThan(row.created_at);
    const res = await c.post('/me/data/lock', { csrf: csrfFor(page.body, '/me/data/lock') });
    expect(res.headers.location).toBe('/me/data?done=locked');
    const locked = await c.get('/me/data?done=locked');
    expect(squash(locked.body)).toContain('Your data is locked.');
    expect(squash(locked.body)).toContain(squash('<form method="post" action="/me/data"'));
    const after = await t.ctx.db.selectFrom('member_sessions').selectAll().where('uid', '=', m.uid).executeTakeFirstOrThrow();
    expect(after.unlocked_keys).toBeNull();
  });

  it('says the Private Key is wrong, linked to the field, and shows no data', async () => {
    const { c } = await signedIn('data2');
    const res = await c.submit('/me/data', '/me/data', { private_key: 'not my private key' });
    expect(res.statusCode).toBe(403);
    expect(squash(res.body)).toContain(
      squash('<a href="#f-private_key">The Private Key is not correct. Check it and try again.</a>'),
    );
    expect(squash(res.body)).not.toContain(squash('id="ds-ds_personal_details"'));
  });

  it('locks Private Key entry after 5 wrong keys, even for the right key', async () => {
    const { m, c } = await signedIn('data3');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await c.submit('/me/data', '/me/data', { private_key: `wrong key ${i}` })).statusCode);
    expect(statuses).toEqual([403, 403, 403, 403, 429]);
    const right = await c.submit('/me/data', '/me/data', { private_key: m.privateKey });
    expect(right.statusCode).toBe(429);
    expect(squash(right.body)).toContain(squash('entering your Private Key is paused until'));
  });

  it('saves only the fields the member changed, without the Private Key while unlocked', async () => {
    const { m, c } = await signedIn('data4');
    await t.ctx.memberData.edit(
      m.uid,
      m.privateKey,
      'ds_personal_details',
      { instance: 0 },
      { field_personal_faname: 'Lovelace' },
    );
    const page = await unlock(c, m.privateKey);
    const csrf = csrfFor(page.body, '/me/data/edit');
    const res = await c.post('/me/data/edit', {
      csrf,
      ...edit({
        field_personal_fname: 'Ada',
        'orig:field_personal_fname': '',
        field_personal_faname: 'Lovelace',
        'orig:field_personal_faname': 'Lovelace',
      }),
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/me/data?done=saved');
    // Still unlocked: the saved values show at once, under the notice.
    const saved = squash((await c.get('/me/data?done=saved')).body);
    expect(saved).toContain('Your changes have been saved.');
    expect(saved).toContain(squash('<dt>First name</dt> <dd>Ada</dd>'));
    const [content] = (await t.ctx.memberData.view(m.uid, m.privateKey)).filter((d) => d.name === 'ds_personal_details');
    expect(content!.instances['0']).toMatchObject({ field_personal_fname: 'Ada', field_personal_faname: 'Lovelace' });
    const [latest] = await t.ctx.accounts.accessLog(m.uid, 1);
    expect(latest).toMatchObject({ subscriberName: 'You', action: 'write', fields: ['field_personal_fname'] });
  });

  it('shows a bad value next to its field and saves nothing', async () => {
    const { m, c } = await signedIn('data5');
    const page = await unlock(c, m.privateKey);
    const res = await c.post('/me/data/edit', {
      csrf: csrfFor(page.body, '/me/data/edit'),
      ...edit({ field_personal_title: 'Emperor', 'orig:field_personal_title': '' }),
    });
    expect(res.statusCode).toBe(400);
    expect(squash(res.body)).toContain(squash('<a href="#f-field_personal_title">Title must be one of'));
    expect(await t.ctx.accounts.accessLog(m.uid, 10)).toEqual([]);
  });

  it('checks dates, email addresses and phone numbers, and stores a date as a day number', async () => {
    const { m, c } = await signedIn('data-kinds');
    const page = await unlock(c, m.privateKey);
    const post = (fields: Record<string, string>) =>
      c.post('/me/data/edit', { csrf: csrfFor(page.body, '/me/data/edit'), ...edit(fields) });
    const bad = await post({
      field_personal_email_address: 'nope',
      'orig:field_personal_email_address': '',
      field_personal_mobile_phone: 'not a phone',
      'orig:field_personal_mobile_phone': '',
    });
    expect(bad.statusCode).toBe(400);
    expect(squash(bad.body)).toContain('Email address must be an email address, like name@example.com.');
    expect(squash(bad.body)).toContain('must be a phone number, like 07700 900 982');
    expect(squash(page.body)).toContain(squash('type="email"'));
    expect(squash(page.body)).toContain(squash('autocomplete="email"'));
    expect(squash(page.body)).toContain(squash('type="tel"'));
    const home = await c.post('/me/data/edit', {
      csrf: csrfFor(page.body, '/me/data/edit'),
      dataset: 'ds_home',
      instance: '0',
      field_home_date_from: 'next tuesday',
      'orig:field_home_date_from': '',
    });
    expect(home.statusCode).toBe(400);
    expect(squash(home.body)).toContain('must be a real date, for example 27 3 2007');
    const ok = await c.post('/me/data/edit', {
      csrf: csrfFor(page.body, '/me/data/edit'),
      dataset: 'ds_home',
      instance: '0',
      field_home_date_from: '2019-06-01',
      'orig:field_home_date_from': '',
    });
    expect(ok.statusCode, ok.body).toBe(303);
    const [content] = (await t.ctx.memberData.view(m.uid, m.privateKey)).filter((d) => d.name === 'ds_home');
    expect(content!.instances['0']?.field_home_date_from).toBe(String(Date.UTC(2019, 5, 1) / 86_400_000));
    const shown = squash((await c.get('/me/data')).body);
    expect(shown).toContain(squash('<dd>1 June 2019</dd>'));
    expect(shown).toContain(squash('type="date"'));
    expect(shown).toContain(squash('value="2019-06-01"'));
  });

  it('asks for the Private Key again when the page locked while editing, keeping what was typed', async () => {
    const { m, c } = await signedIn('data6');
    const page = await unlock(c, m.privateKey);
    const editCsrf = csrfFor(page.body, '/me/data/edit');
    await c.post('/me/data/lock', { csrf: csrfFor(page.body, '/me/data/lock') });
    const locked = await c.post('/me/data/edit', {
      csrf: editCsrf,
      ...edit({ field_personal_fname: 'Eve', 'orig:field_personal_fname': '' }),
    });
    expect(locked.statusCode).toBe(401);
    expect(squash(locked.body)).toContain('Your data locked while you were editing.');
    expect(squash(locked.body)).toContain(squash('value="Eve"'));
    const again = csrfFor(locked.body, '/me/data/edit');
    const wrong = await c.post('/me/data/edit', {
      csrf: again,
      ...edit({ field_personal_fname: 'Eve', 'orig:field_personal_fname': '', private_key: 'wrong private key' }),
    });
    expect(wrong.statusCode).toBe(403);
    expect(squash(wrong.body)).toContain(squash('The Private Key is not correct.'));
    expect(await t.ctx.accounts.accessLog(m.uid, 10)).toEqual([]);
    const right = await c.post('/me/data/edit', {
      csrf: csrfFor(wrong.body, '/me/data/edit'),
      ...edit({ field_personal_fname: 'Eve', 'orig:field_personal_fname': '', private_key: m.privateKey }),
    });
    expect(right.statusCode, right.body).toBe(303);
    // Saving with the key opened the window again.
    expect(squash((await c.get('/me/data')).body)).toContain(squash('<dd>Eve</dd>'));
  });

  it('names the organisation that added a row', async () => {
    const own = await createSubscriber(t, ['ds_events:rw']);
    const em = await connectMember(t.ctx, own, 'data-writer2');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/pds/transaction?uid=${em.uid}&key=${em.key}&con_id=${em.conId}&source_type=connection&dataset=ds_events`,
      headers: { ...bearer(own), 'content-type': 'application/json' },
      payload: { ds_events: { title: 'Clinic appointment' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const c = new FormClient(t.app);
    await c.login(em.mydexid, em.password);
    const page = squash((await unlock(c, em.privateKey)).body);
    const org = (await t.ctx.connections.getOrganisation(own.orgId))!.name;
    expect(page).toContain(`by ${org}`);
  });
});

describe('/me/export', () => {
  it('downloads openpdx-export.json with the member data', async () => {
    const { m, c } = await signedIn('export1');
    await t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_fname: 'Grace' });
    const res = await c.submit('/me/export', '/me/export', { private_key: m.privateKey });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="openpdx-export.json"');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json() as { member: { mydexid: string }; datasets: Record<string, unknown> };
    expect(body.member.mydexid).toBe('export1');
    expect(body.datasets.ds_personal_details).toEqual({ instance_0: expect.objectContaining({ field_personal_fname: 'Grace' }) });
  });
});

describe('/me/connections', () => {
  it('shows when each connection last read and last changed the member’s data', async () => {
    const cm = await connectMember(t.ctx, sub, 'conn-last');
    const c = new FormClient(t.app);
    await c.login(cm.mydexid, cm.password);
    const query = `key=${cm.key}&con_id=${cm.conId}&source_type=connection&dataset=ds_personal_details`;
    const read = await t.app.inject({ method: 'GET', url: `/api/pds/pds/${cm.uid}.json?${query}`, headers: bearer(sub) });
    expect(read.statusCode).toBe(200);
    const write = await t.app.inject({
      method: 'PUT',
      url: `/api/pds/pds/${cm.uid}.json?${query}&instance=0`,
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      payload: { ds_personal_details: { field_personal_fname: 'Ada' } },
    });
    expect(write.statusCode, write.body).toBe(200);
    const body = squash((await c.get('/me/connections')).body);
    expect(body).toMatch(/<dt>Last read your data<\/dt><dd><time datetime="[^"]+">[^<]+<\/time><\/dd>/);
    expect(body).toMatch(/<dt>Last changed your data<\/dt><dd><time datetime="[^"]+">[^<]+<\/time><\/dd>/);
  });

  it('lists what each connection may do and revokes one after confirmation', async () => {
    const cm = await connectMember(t.ctx, sub, 'conn1');
    const c = new FormClient(t.app);
    await c.login(cm.mydexid, cm.password);
    const list = await c.get('/me/connections');
    const org = (await t.ctx.connections.getOrganisation(sub.orgId))!.name;
    expect(squash(list.body)).toContain(squash(`<h2 id="con-${sub.nid}">${org}</h2>`));
    expect(squash(list.body)).toContain(squash('<caption>Personal details</caption>'));
    expect(squash(list.body)).toContain(squash('<th scope="row">First name</th>'));
    expect(squash(list.body)).toContain(squash('<dt>Last read your data</dt> <dd>Not yet</dd>'));
    const read = () =>
      t.app.inject({
        method: 'GET',
        url: `/api/pds/pds/${cm.uid}.json?key=${cm.key}&con_id=${cm.conId}&source_type=connection&dataset=ds_personal_details`,
        headers: bearer(sub),
      });
    expect((await read()).statusCode).toBe(200);
    const confirm = await c.get(`/me/connections/${sub.nid}/revoke`);
    expect(squash(confirm.body)).toContain(squash(`Remove the connection to ${org}?`));
    const res = await c.post(`/me/connections/${sub.nid}/revoke`, {
      csrf: csrfFor(confirm.body, `/me/connections/${sub.nid}/revoke`),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/me/connections?done=revoked');
    expect((await read()).statusCode).toBe(403);
    expect((await c.get('/me/connections')).body).toContain('No organisation is connected to your store.');
  });
});

describe('/me/activity', () => {
  it('shows the newest first, 50 to a page', async () => {
    const { m, c } = await signedIn('activity1');
    const base = 1_700_000_000;
    // Through the chain, as the server logs (docs/access-log.md).
    await t.ctx.database.appendAccessLog(
      Array.from({ length: 60 }, (_, i) => ({
        uid: m.uid,
        nid: null,
        actor: 'member',
        dataset: 'ds_personal_details',
        fields: 'field_personal_fname',
        action: 'write',
        at: base + i * 60,
      })),
    );
    const first = await c.get('/me/activity');
    expect(squash(first.body).match(/<tr>\s*<td data-label="When"><time/g)).toHaveLength(50);
    expect(first.body.indexOf('14 Nov 2023, 23:12 GMT')).toBeLessThan(first.body.indexOf('14 Nov 2023, 23:11 GMT'));
    expect(squash(first.body)).toContain(squash('<a href="/me/activity?page=2" rel="next">Older</a>'));
    const second = await c.get('/me/activity?page=2');
    expect(squash(second.body).match(/<tr>\s*<td data-label="When"><time/g)).toHaveLength(10);
    expect(squash(second.body)).toContain(squash('<a href="/me/activity" rel="prev">Newer</a>'));
    expect(squash(second.body)).toContain(squash('First name'));
  });

  it('summarises a read of many fields as "N fields", with the list on demand', async () => {
    const { m, c } = await signedIn('activity2');
    const fields = ['fname', 'faname', 'sname', 'title', 'dob'].map((f) => `field_personal_${f}`).join(',');
    // Through the chain, as the server logs (docs/access-log.md).
    await t.ctx.database.appendAccessLog([
      {
        uid: m.uid,
        nid: null,
        actor: 'member',
        dataset: 'ds_personal_details',
        fields,
        action: 'read',
        at: 1_700_000_000,
      },
    ]);
    const page = squash((await c.get('/me/activity')).body);
    expect(page).toContain(squash('<summary>5 fields</summary>'));
    expect(page).toContain('First name');
  });
});

describe('account', () => {
  it('changes the password and signs out the other browsers', async () => {
    const { m, c } = await signedIn('account1');
    const other = new FormClient(t.app);
    await other.login(m.mydexid, m.password);
    const wrong = await c.submit('/me/password', '/me/password', {
      current_password: 'not it at all',
      new_password: 'a brand new password',
      new_password_confirm: 'a brand new password',
    });
    expect(wrong.statusCode).toBe(403);
    expect(squash(wrong.body)).toContain(squash('The password is not correct.'));
    const res = await c.submit('/me/password', '/me/password', {
      current_password: m.password,
      new_password: 'a brand new password',
      new_password_confirm: 'a brand new password',
    });
    expect(res.headers.location).toBe('/me/account?done=password');
    expect((await c.get('/me')).statusCode).toBe(200);
    expect((await other.get('/me')).statusCode).toBe(303);
    expect(await t.ctx.members.accounts.authenticate(m.mydexid, 'a brand new password')).toBeDefined();
  });

  it('changes the Private Key: the old one stops working, the new one opens the data', async () => {
    const { m, c } = await signedIn('account2');
    const res = await c.submit('/me/private-key', '/me/private-key', {
      current_private_key: m.privateKey,
      private_key: 'my new private key',
      private_key_confirm: 'my new private key',
    });
    expect(res.headers.location).toBe('/me/account?done=private-key');
    expect((await c.submit('/me/data', '/me/data', { private_key: m.privateKey })).statusCode).toBe(403);
    expect((await c.submit('/me/data', '/me/data', { private_key: 'my new private key' })).statusCode).toBe(303);
  });

  it('deletes the account only with the password and the typed MydexID, then ends the session', async () => {
    const cm = await connectMember(t.ctx, sub, 'account3');
    const c = new FormClient(t.app);
    await c.login(cm.mydexid, cm.password);
    const typo = await c.submit('/me/delete', '/me/delete', { password: cm.password, confirm_mydexid: 'account' });
    expect(typo.statusCode).toBe(400);
    expect(squash(typo.body)).toContain(squash('Type your MydexID exactly as shown to confirm.'));
    const res = await c.submit('/me/delete', '/me/delete', { password: cm.password, confirm_mydexid: cm.mydexid });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/me/goodbye');
    expect(c.cookies.has('__Host-openpdx_session')).toBe(false);
    expect(await t.ctx.members.accounts.getMember({ uid: cm.uid })).toBeUndefined();
    expect((await c.get('/me/goodbye')).body).toContain('have been notified');
    const sessions = await t.ctx.db.selectFrom('member_sessions').selectAll().where('uid', '=', cm.uid).execute();
    expect(sessions).toEqual([]);
  });
});
