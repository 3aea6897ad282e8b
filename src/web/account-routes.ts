/** /me/password, /me/private-key, /me/delete and the goodbye page after deletion. */
import { idName } from './branding.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';
import { WrongPasswordError } from '../members/account-service.ts';
import { throttleKeys } from '../members/throttle-keys.ts';
import { LOGIN_RULE } from '../members/auth-throttle-store.ts';
import { refuseForm, sessionEnded } from './refusals.ts';
import { deletePage, goodbyePage, passwordPage, privateKeyPage } from './views/account-views.ts';
import type { FieldErrors } from './views/forms.ts';
import { lockedMessage } from './views/format.ts';
import type { Chrome } from './views/layout.ts';
import type { SafeHtml } from './html.ts';
import { formValue, type SignedIn, type Web } from './web-context.ts';

type Render = (chrome: Chrome, v: { csrf: string; mydexid: string; errors: FieldErrors }) => SafeHtml;

export function registerAccountRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;

  async function show(
    req: FastifyRequest,
    reply: FastifyReply,
    me: SignedIn,
    path: string,
    render: Render,
    errors: FieldErrors = {},
    status = 200,
  ) {
    const csrf = await web.token(req, reply, path);
    return web.send(reply, render(await web.chrome(req), { csrf, mydexid: me.member.mydexid, errors }), status);
  }

  /** The member's password, checked under the sign-in lock-out so a stolen session cannot guess it. */
  async function checkPassword(me: SignedIn, fn: () => Promise<void>): Promise<string | undefined> {
    const key = [[throttleKeys.login(me.member.mydexid), LOGIN_RULE]] as const;
    const verdict = await web.throttle.attempt(key);
    if (!verdict.allowed) return lockedMessage('Signing in', verdict.until);
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof WrongPasswordError)) {
        await web.throttle.succeeded([key[0][0]]);
        throw err;
      }
      const until = await web.throttle.failed(key);
      return until ? lockedMessage('Signing in', until) : 'The password is not correct.';
    }
    await web.throttle.succeeded([], [key[0][0]]);
    return undefined;
  }

  const pages: [string, Render][] = [
    ['/me/password', passwordPage],
    ['/me/private-key', privateKeyPage],
    ['/me/delete', deletePage],
  ];
  for (const [path, render] of pages) {
    app.get(path, async (req, reply) => {
      const me = await web.signedIn(req);
      if (!me) return web.toLogin(req, reply);
      return show(req, reply, me, path, render);
    });
  }

  app.post('/me/password', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/password');
    const current = formValue(form, 'current_password');
    const next = formValue(form, 'new_password');
    const errors: FieldErrors = {};
    if (!current) errors.current_password = 'Enter your current password.';
    if (!next) errors.new_password = 'Enter a new password.';
    else if (next !== formValue(form, 'new_password_confirm'))
      errors.new_password_confirm = 'The two new passwords are not the same.';
    if (Object.keys(errors).length) return show(req, reply, me, '/me/password', passwordPage, errors, 400);
    try {
      const wrong = await checkPassword(me, () => ctx.accounts.changePassword(me.member.uid, current, next));
      if (wrong) return show(req, reply, me, '/me/password', passwordPage, { current_password: wrong }, 403);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return show(req, reply, me, '/me/password', passwordPage, { new_password: err.message.replace('Mydexid', idName()) }, 400);
    }
    await web.sessions.destroyOthers(me.member.uid, me.session);
    return web.redirect(reply, '/me/account?done=password');
  });

  app.post('/me/private-key', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/private-key');
    const current = formValue(form, 'current_private_key');
    const next = formValue(form, 'private_key');
    const errors: FieldErrors = {};
    if (!next) errors.private_key = 'Choose a new Private Key.';
    else if (next !== formValue(form, 'private_key_confirm'))
      errors.private_key_confirm = 'The two new Private Keys are not the same.';
    if (Object.keys(errors).length) return show(req, reply, me, '/me/private-key', privateKeyPage, errors, 400);
    try {
      const r = await web.withPrivateKey(req, reply, me.member.uid, current, (pk) =>
        ctx.accounts.changePrivateKey(me.member.uid, pk, next),
      );
      if (!r.ok) return show(req, reply, me, '/me/private-key', privateKeyPage, { current_private_key: r.error }, r.status);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return show(req, reply, me, '/me/private-key', privateKeyPage, { private_key: err.message }, 400);
    }
    return web.redirect(reply, '/me/account?done=private-key');
  });

  app.post('/me/delete', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/delete');
    const password = formValue(form, 'password');
    const errors: FieldErrors = {};
    if (!password) errors.password = 'Enter your password.';
    if (formValue(form, 'confirm_mydexid').trim() !== me.member.mydexid) {
      errors.confirm_mydexid = `Type your ${idName()} exactly as shown to confirm.`;
    }
    if (Object.keys(errors).length) return show(req, reply, me, '/me/delete', deletePage, errors, 400);
    const wrong = await checkPassword(me, () => ctx.accounts.deleteMember(me.member.uid, password));
    if (wrong) return show(req, reply, me, '/me/delete', deletePage, { password: wrong }, 403);
    await web.throttle.succeeded([], [throttleKeys.privateKey(me.member.uid)]);
    await web.endSession(req, reply);
    return web.redirect(reply, '/me/goodbye');
  });

  // Public: the member no longer exists, so there is no session to require.
  app.get('/me/goodbye', async (req, reply) => web.send(reply, goodbyePage(await web.chrome(req))));
}
