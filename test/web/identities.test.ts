/** /me/identities: the member sees the MyAccount/ScotAccount identities mapped to them and removes one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../src/web/csrf.ts';
import { createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { csrfFor, FormClient, squash } from './helpers.ts';

const GUID = '123e4567-e89b-12d3-a456-426614174000';

let t: TestApp;
let lookups: Subscriber;

beforeAll(async () => {
  t = await createTestApp();
  lookups = await createSubscriber(t, ['ds_personal_details:r'], ['mydex:myaccount', 'mydex:scotaccount']);
});
afterAll(() => t.close());

async function signedIn(name: string) {
  const m = await createMember(t.ctx, name);
  const c = new FormClient(t.app);
  await c.login(m.mydexid, m.password);
  return { m, c };
}

const lookup = (path: string) =>
  t.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${lookups.accessToken}` } });

describe('/me/identities', () => {
  it('is behind sign-in', async () => {
    const res = await new FormClient(t.app).get('/me/identities');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=/me/identities');
  });

  it('is in the dashboard navigation, marked as the current page', async () => {
    const { c } = await signedIn('ident.nav');
    const overview = await c.get('/me');
    expect(squash(overview.body)).toMatch(/<li><a href="\/me\/identities" ?>Linked accounts<\/a><\/li>/);
    const page = await c.get('/me/identities');
    expect(squash(page.body)).toContain('<li><a href="/me/identities" aria-current="page">Linked accounts</a></li>');
  });

  it('says when nothing is linked', async () => {
    const { c } = await signedIn('ident.none');
    const page = await c.get('/me/identities');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('No account is linked to your MydexID.');
  });

  it("lists only the member's own identities, escaped", async () => {
    const { m, c } = await signedIn('ident.list');
    await createMember(t.ctx, 'ident.someone');
    await t.ctx.idaas.identities.map({ provider: 'scotaccount', externalId: GUID, mydexid: m.mydexid });
    await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: '<b>svt&"x', mydexid: m.mydexid });
    await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'someone-elses-svt', mydexid: 'ident.someone' });
    const body = squash((await c.get('/me/identities')).body);
    expect(body).toContain(
      squash(`<td data-label="Account">ScotAccount</td><td data-label="Identifier"><code>${GUID}</code></td>`),
    );
    expect(body).toContain(
      squash('<td data-label="Account">MyAccount</td><td data-label="Identifier"><code>&lt;b&gt;svt&amp;&quot;x</code></td>'),
    );
    expect(body).not.toContain('<b>svt');
    expect(body).not.toContain('someone-elses-svt');
  });

  it('removes one after confirmation (POST with the anti-CSRF token), and the lookup stops answering', async () => {
    const { m, c } = await signedIn('ident.remove');
    const mapped = await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'svt-remove-me', mydexid: m.mydexid });
    expect((await lookup('/members/myaccount/svt-remove-me')).body).toBe(JSON.stringify(m.mydexid));
    const action = `/me/identities/${mapped.id}/remove`;
    const list = await c.get('/me/identities');
    expect(squash(list.body)).toContain(
      `<a href="${action}" >Remove<span class="visually-hidden">the MyAccount link</span></a >`,
    );
    const confirm = await c.get(action);
    expect(confirm.statusCode).toBe(200);
    expect(squash(confirm.body)).toContain(squash('<h1>Remove the MyAccount link?</h1>'));
    expect(squash(confirm.body)).toContain(squash('<a class="button button--secondary" href="/me/identities">No, keep it</a>'));
    const res = await c.post(action, { csrf: csrfFor(confirm.body, action) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/me/identities?done=identity-removed');
    const after = await c.get(res.headers.location!);
    expect(after.body).toContain('The linked account has been removed.');
    expect(after.body).toContain('No account is linked to your MydexID.');
    expect((await lookup('/members/myaccount/svt-remove-me')).statusCode).toBe(400);
  });

  it('refuses a POST without the right anti-CSRF token and removes nothing', async () => {
    const { m, c } = await signedIn('ident.csrf');
    const mapped = await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'svt-csrf', mydexid: m.mydexid });
    const action = `/me/identities/${mapped.id}/remove`;
    const list = await c.get('/me/identities');
    for (const csrf of ['', 'forged', csrfFor((await c.get('/me/account')).body, '/logout')]) {
      const res = await c.post(action, { csrf });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('This form could not be accepted');
    }
    const crossSite = await c.post(
      action,
      { csrf: csrfFor((await c.get(action)).body, action) },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.statusCode).toBe(403);
    expect(list.statusCode).toBe(200);
    expect(await t.ctx.idaas.identities.list({ mydexid: m.mydexid })).toHaveLength(1);
  });

  it("answers 404 for another member's identity, on the confirmation page and the POST, and removes nothing", async () => {
    const owner = await createMember(t.ctx, 'ident.owner');
    const theirs = await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'svt-owner', mydexid: owner.mydexid });
    const { m: intruder, c } = await signedIn('ident.intruder');
    const action = `/me/identities/${theirs.id}/remove`;
    const confirm = await c.get(action);
    expect(confirm.statusCode).toBe(404);
    expect(confirm.body).toContain('Linked account not found');
    // Even with a valid token for that path (made here from the intruder's session secret), only their own mappings can go.
    const session = await t.ctx.db
      .selectFrom('member_sessions')
      .select('csrf_secret')
      .where('uid', '=', intruder.uid)
      .executeTakeFirstOrThrow();
    const res = await c.post(action, { csrf: csrfToken(session.csrf_secret, action) });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Linked account not found');
    expect(await t.ctx.idaas.identities.list({ mydexid: owner.mydexid })).toHaveLength(1);
    expect((await c.get('/me/identities/abc/remove')).statusCode).toBe(404);
  });

  it('refuses a POST without a session (401) and changes nothing', async () => {
    const owner = await createMember(t.ctx, 'ident.nosession');
    const mapped = await t.ctx.idaas.identities.map({
      provider: 'myaccount',
      externalId: 'svt-nosession',
      mydexid: owner.mydexid,
    });
    const res = await new FormClient(t.app).post(`/me/identities/${mapped.id}/remove`, { csrf: 'x' });
    expect(res.statusCode).toBe(401);
    expect(await t.ctx.idaas.identities.list({ mydexid: owner.mydexid })).toHaveLength(1);
  });
});
