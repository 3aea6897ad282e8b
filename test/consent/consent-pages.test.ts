/** The one-time link pages over HTTP (contract §5, MX-09, SE-10); the browser suite drives them in Chromium. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { csrfToken } from '../../src/web/csrf.ts';
import { connectMember, createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { csrfFor, FormClient, requestLink, squash } from '../web/helpers.ts';

const RETURN_TO = 'https://subscriber.example.org/done';

let t: TestApp;
let sub: Subscriber;
let orgName: string;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:r:field_personal_fname,field_personal_faname']);
  orgName = (await t.ctx.connections.getOrganisation(sub.orgId))!.name;
});
afterAll(() => t.close());

/** Follows our own /return hop and reads where its meta refresh goes. */
async function finalDestination(c: FormClient, res: { statusCode: number; headers: Record<string, unknown> }): Promise<string> {
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  expect(location).toMatch(/^\/ftc\/begin\/.+\/return$/);
  const page = await c.get(location);
  expect(page.statusCode).toBe(200);
  return /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(squash(page.body))![1]!.replace(/&amp;/g, '&');
}

describe('the agreement page, summarised', () => {
  it('says per dataset what is asked, explains the modes, and puts the decision before the field tables', async () => {
    const wide = await createSubscriber(t, [
      'ds_personal_details:r',
      'ds_contact_details:rw:field_contact_email,field_contact_phone_mobile',
    ]);
    const m = await createMember(t.ctx, 'summary1');
    const path = await requestLink(t, wide, '/api/connection', { mydexid: m.mydexid, return_to: RETURN_TO });
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const body = squash((await c.get(path)).body);
    const readable = t.ctx.catalogue.dataset('ds_personal_details')!.fields.size;
    expect(body).toContain(squash(`<li><strong>Personal details</strong>: reads ${readable} fields automatically</li>`));
    expect(body).toContain(
      squash('<li><strong>Contact details</strong>: reads 2 fields automatically; changes 2 fields automatically</li>'),
    );
    expect(body).toContain(squash('<strong>Automatically</strong> means whenever the organisation needs to'));
    const decision = body.indexOf('<h2>Your decision</h2>');
    expect(decision).toBeGreaterThan(0);
    expect(body.indexOf('<caption>Personal details</caption>')).toBeGreaterThan(decision);
    expect(body).toContain(squash(`<summary>See each of the ${readable + 2} fields</summary>`));
  });

  it('tells a member who is already connected what is shared now and what Reject changes', async () => {
    const m = await connectMember(t.ctx, sub, 'summary2');
    const path = await requestLink(t, sub, '/api/connection', { mydexid: m.mydexid, return_to: RETURN_TO });
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const body = squash((await c.get(path)).body);
    expect(body).toContain(squash(`${orgName} asks you to agree again`));
    expect(body).toContain(squash(`You are already connected to ${orgName}`));
    expect(body).toContain(squash('<li><strong>Personal details</strong>: reads 2 fields automatically</li>'));
    expect(body).toContain(squash('Reject this request'));
    expect(body).toContain(squash('Your existing connection stays as it is'));
    expect(body).not.toContain(squash('Nothing is shared.'));
    // And rejecting leaves the connection live.
    const reject = `${path}/reject`;
    const page = await c.get(path);
    await c.post(reject, { csrf: csrfFor(page.body, reject) });
    expect((await t.ctx.members.grants.activeGrants(m.uid)).map((g) => g.nid)).toEqual([sub.nid]);
  });
});

describe('unusable links', () => {
  it('shows a 410 page for an unknown token, without echoing it', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/ftc/begin/${sub.nid}/pdx_ln_madeUpTokenValue123/1` });
    expect(res.statusCode).toBe(410);
    expect(squash(res.body)).toContain(squash('This link has expired or was already used'));
    expect(squash(res.body)).not.toContain(squash('madeUpTokenValue123'));
  });

  it('refuses a real token under another NID or DSSA version (MX-09)', async () => {
    const m = await createMember(t.ctx, 'bound1');
    const path = await requestLink(t, sub, '/api/connection', { mydexid: m.mydexid, return_to: RETURN_TO });
    const [, , , nid, token] = path.split('/');
    expect((await t.app.inject({ method: 'GET', url: `/ftc/begin/${Number(nid) + 1}/${token}/1` })).statusCode).toBe(410);
    expect((await t.app.inject({ method: 'GET', url: `/ftc/begin/${nid}/${token}/2` })).statusCode).toBe(410);
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(200);
  });
});

describe('first time connection', () => {
  it('signs in, shows the DSSA, refuses a wrong Private Key, then connects and spends the link', async () => {
    const m = await createMember(t.ctx, 'ftc1');
    const path = await requestLink(t, sub, '/api/connection', { mydexid: m.mydexid, return_to: RETURN_TO });
    const c = new FormClient(t.app);
    const start = await c.get(path);
    expect(squash(start.body)).toContain(squash(`${orgName} would like to connect to your Personal Data Store`));
    expect(squash(start.body)).toContain(squash(`<input type="hidden" name="next" value="${path}">`));
    const login = await c.post('/login', {
      csrf: csrfFor(start.body, '/login'),
      mydexid: m.mydexid,
      password: m.password,
      next: path,
    });
    expect(login.headers.location).toBe(path);
    const dssa = await c.get(path);
    expect(squash(dssa.body)).toContain(squash('<caption>Personal details</caption>'));
    expect(squash(dssa.body)).toContain(squash('<th scope="row">First name</th>'));
    expect(squash(dssa.body)).not.toContain(squash('Middle names'));
    const approve = `${path}/approve`;
    const wrong = await c.post(approve, { csrf: csrfFor(dssa.body, approve), private_key: 'wrong private key' });
    expect(wrong.statusCode).toBe(403);
    expect(squash(wrong.body)).toContain(squash('The Private Key is not correct.'));
    expect(await t.ctx.members.grants.activeGrants(m.uid)).toEqual([]);
    const ok = await c.post(approve, { csrf: csrfFor(wrong.body, approve), private_key: m.privateKey });
    expect(await finalDestination(c, ok)).toBe(`${RETURN_TO}?status=connected`);
    expect((await t.ctx.members.grants.activeGrants(m.uid)).map((g) => g.nid)).toEqual([sub.nid]);
    // A used link says so first, then offers the way back (with status=expired).
    const again = await c.get(path);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('This link has expired or was already used');
    expect(again.body).toContain(`href="${RETURN_TO}?status=expired"`);
  });

  it('lets someone without a PDS register and come back to the same link', async () => {
    const path = await requestLink(t, sub, '/api/connection', { return_to: RETURN_TO });
    const c = new FormClient(t.app);
    const start = await c.get(path);
    const registerHref = `/register?next=${encodeURIComponent(path)}`;
    expect(squash(start.body)).toContain(squash(`href="${registerHref}"`));
    const form = await c.get(registerHref);
    // The registration page says who is waiting.
    const org = (await t.ctx.connections.getOrganisation(sub.orgId))!.name;
    expect(squash(form.body)).toContain(
      squash(`<strong>${org}</strong> is waiting for you. Create your Personal Data Store to continue.`),
    );
    const res = await c.post('/register', {
      csrf: csrfFor(form.body, '/register'),
      next: path,
      mydexid: 'ftcnewcomer',
      email: 'ftcnewcomer@example.org',
      password: 'newcomer password',
      private_key: 'newcomer private key',
      private_key_confirm: 'newcomer private key',
    });
    expect(res.headers.location).toBe(path);
    expect((await c.get(path)).body).toContain('Enter your Private Key to approve');
  });

  it('will not take consent from another member than the one the link names', async () => {
    const named = await createMember(t.ctx, 'ftc2named');
    const other = await createMember(t.ctx, 'ftc2other');
    const path = await requestLink(t, sub, '/api/connection', { mydexid: named.mydexid, return_to: RETURN_TO });
    const c = new FormClient(t.app);
    await c.login(other.mydexid, other.password);
    const res = await c.get(path);
    expect(res.statusCode).toBe(403);
    expect(squash(res.body)).toContain(squash('This link is for another member'));
    expect(squash(res.body)).not.toContain(squash('/approve'));
  });

  it('rejects: the subscriber gets status=rejected and nothing is granted', async () => {
    const m = await createMember(t.ctx, 'ftc3');
    const path = await requestLink(t, sub, '/api/connection', { return_to: RETURN_TO });
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const dssa = await c.get(path);
    const res = await c.post(`${path}/reject`, { csrf: csrfFor(dssa.body, `${path}/reject`) });
    expect(await finalDestination(c, res)).toBe(`${RETURN_TO}?status=rejected`);
    expect(await t.ctx.members.grants.activeGrants(m.uid)).toEqual([]);
  });

  it('refuses an approval without the session token (SE-05)', async () => {
    const m = await createMember(t.ctx, 'ftc4');
    const path = await requestLink(t, sub, '/api/connection', { return_to: RETURN_TO });
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const res = await c.post(`${path}/approve`, { private_key: m.privateKey });
    expect(res.statusCode).toBe(403);
    expect(await t.ctx.members.grants.activeGrants(m.uid)).toEqual([]);
  });
});

describe('registration link', () => {
  const details = (n: string) => ({ mydexid: n, email: `${n}@example.org`, password: `${n} password`, return_to: RETURN_TO });

  it('goes details → DSSA with a new Private Key → connected', async () => {
    const path = await requestLink(t, sub, '/api/pds', details('reg1'));
    const c = new FormClient(t.app);
    const first = await c.get(path);
    expect(squash(first.body)).toContain(squash('<dt>MydexID</dt><dd>reg1</dd>'));
    const approve = `${path}/approve`;
    const confirmed = await c.post(`${path}/confirm`, { csrf: csrfFor(first.body, `${path}/confirm`) });
    expect(confirmed.headers.location).toBe(path);
    const dssa = await c.get(path);
    expect(squash(dssa.body)).toContain(squash('Choose your Private Key'));
    expect(squash(dssa.body)).toContain(squash('Choose your password'));
    // The page never mentions a password the member did not choose on it.
    expect(squash(dssa.body)).not.toContain('must not be the same as the password');
    const choose = (key: string, confirm = key, password = 'my own password') =>
      c.post(approve, {
        csrf: csrfFor(dssa.body, approve),
        password,
        password_confirm: password,
        private_key: key,
        private_key_confirm: confirm,
      });
    const mismatch = await choose('new private key', 'other key');
    expect(mismatch.statusCode).toBe(400);
    expect(squash(mismatch.body)).toContain(squash('<a href="#f-private_key_confirm">The two Private Keys are not the same.'));
    const same = await choose('my own password');
    expect(same.statusCode).toBe(400);
    expect(squash(same.body)).toContain(squash('Your Private Key must be different from the password you chose above.'));
    // The subscriber's password as the Private Key is neither refused nor remarked on: no oracle.
    const noPassword = await choose('new private key', 'new private key', '');
    expect(noPassword.statusCode).toBe(400);
    expect(squash(noPassword.body)).toContain(squash('<a href="#f-password">Your password must be at least 8 characters.'));
    const ok = await choose('new private key');
    expect(await finalDestination(c, ok)).toBe(`${RETURN_TO}?status=connected`);
    const member = await t.ctx.members.accounts.getMember({ mydexid: 'reg1' });
    expect(await t.ctx.members.grants.activeGrants(member!.uid)).toHaveLength(1);
    await expect(t.ctx.members.keys.unlock(member!.uid, 'new private key')).resolves.toBeDefined();
  });

  it('sends an approval that skipped the details step back to the start (SE-10)', async () => {
    const path = await requestLink(t, sub, '/api/pds', details('reg2'));
    const c = new FormClient(t.app);
    const first = await c.get(path);
    // A valid token for /approve, but without the details-confirmed proof.
    const token = csrfToken(c.cookies.get('__Host-openpdx_csrf')!, `${path}/approve`);
    expect(first.statusCode).toBe(200);
    const res = await c.post(`${path}/approve`, {
      csrf: token,
      private_key: 'new private key',
      private_key_confirm: 'new private key',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(path);
    expect(await t.ctx.members.accounts.getMember({ mydexid: 'reg2' })).toBeUndefined();
  });
});

describe('connection update', () => {
  it('shows what changed since the accepted version, clearly marked', async () => {
    const own = await createSubscriber(t, ['ds_personal_details:r:field_personal_fname,field_personal_faname']);
    const m = await connectMember(t.ctx, own, 'upd1');
    const { version } = await t.ctx.connections.addDssaVersion(own.nid, {
      permissions: parseGrantSpecs(
        ['ds_personal_details:r:field_personal_fname', 'ds_personal_details:rw:field_personal_nickname'],
        t.ctx.catalogue,
      ),
    });
    const path = await requestLink(t, own, '/api/connection/update', { mydexid: m.mydexid, version, return_to: RETURN_TO });
    const c = new FormClient(t.app);
    await c.login(m.mydexid, m.password);
    const page = await c.get(path);
    expect(squash(page.body)).toContain(squash('What has changed since version 1'));
    expect(page.body).toContain(
      '<li><strong>New:</strong> Personal details: Nickname (read automatically and write automatically)</li>',
    );
    expect(squash(page.body)).toContain(
      squash('<li><strong>Removed:</strong> Personal details: Family name (was read automatically)</li>'),
    );
    expect(squash(page.body)).toContain(squash('<tr class="row--added">'));
  });
});
