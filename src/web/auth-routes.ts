/** /login, /logout and /register (a member registering directly, without a subscriber's link). */
import { idName } from './branding.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, ValidationError } from '../errors.ts';
import { memberInputProblems } from '../members/member-rules.ts';
import { throttleKeys } from '../members/throttle-keys.ts';
import { securityEvent } from '../security-events.ts';
import { LOGIN_ADDRESS_RULE, LOGIN_RULE, REGISTER_ADDRESS_RULE } from '../members/auth-throttle-store.ts';
import { noticeFor } from './notices.ts';
import { safeNext } from './safe-next.ts';
import { loginPage, registerPage, type RegisterForm } from './views/auth-views.ts';
import type { FieldErrors } from './views/forms.ts';
import { lockedMessage } from './views/format.ts';
import { formValue, type Web } from './web-context.ts';
import { refuseForm } from './refusals.ts';

export function registerAuthRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;

  app.get<{ Querystring: Record<string, unknown> }>('/login', async (req, reply) => {
    const next = safeNext(req.query.next);
    if (await web.signedIn(req)) return web.redirect(reply, next ?? '/me');
    const csrf = await web.token(req, reply, '/login');
    const waiting = await web.waitingFor(next);
    return web.send(reply, loginPage(await web.chrome(req), { csrf, next, waiting, notice: noticeFor(req.query.done) }));
  });

  app.post('/login', async (req, reply) => {
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, false))) return refuseForm(web, req, reply, '/login');
    const next = safeNext(form.get('next'));
    const mydexid = formValue(form, 'mydexid').trim();
    const password = formValue(form, 'password');
    const again = async (status: number, error: string) =>
      web.send(
        reply,
        loginPage(await web.chrome(req), {
          csrf: await web.token(req, reply, '/login'),
          next,
          mydexid,
          error,
          waiting: await web.waitingFor(next),
        }),
        status,
      );
    if (!mydexid || !password) return again(400, `Enter your ${idName()} and your password.`);
    // The same keys and the same messages whether or not the MydexID exists: no enumeration.
    const accountKey = throttleKeys.login(mydexid);
    const addressKey = throttleKeys.loginAddress(req.ip);
    const keys = [
      [accountKey, LOGIN_RULE],
      [addressKey, LOGIN_ADDRESS_RULE],
    ] as const;
    const verdict = await web.throttle.attempt(keys);
    // No MydexID in the log (it is personal data): the address, and whether an account was locked.
    if (!verdict.allowed) {
      securityEvent(req.log, 'auth.login_locked', { remoteAddress: req.ip, until: verdict.until });
      return again(429, lockedMessage('Signing in', verdict.until));
    }
    const member = await ctx.members.accounts.authenticate(mydexid, password);
    if (!member) {
      const until = await web.throttle.failed(keys);
      securityEvent(req.log, until ? 'auth.login_locked' : 'auth.login_failed', { remoteAddress: req.ip, until });
      return until ? again(429, lockedMessage('Signing in', until)) : again(401, `The ${idName()} or password is not correct.`);
    }
    await web.throttle.succeeded([addressKey], [accountKey]);
    await web.startSession(req, reply, member);
    return web.redirect(reply, next ?? '/me');
  });

  app.post('/logout', async (req, reply) => {
    const form = web.readForm(req);
    if (!(await web.signedIn(req))) return web.redirect(reply, '/login');
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me');
    await web.endSession(req, reply);
    const next = safeNext(form.get('next'));
    return web.redirect(reply, `/login?done=signed-out${next ? `&next=${encodeURIComponent(next)}` : ''}`);
  });

  app.get<{ Querystring: Record<string, unknown> }>('/register', async (req, reply) => {
    const next = safeNext(req.query.next);
    if (await web.signedIn(req)) return web.redirect(reply, next ?? '/me');
    return showRegister(req, reply, { next, values: {}, errors: {} });
  });

  app.post('/register', async (req, reply) => {
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, false))) return refuseForm(web, req, reply, '/register');
    const next = safeNext(form.get('next'));
    const input = {
      mydexid: formValue(form, 'mydexid').trim(),
      email: formValue(form, 'email').trim(),
      password: formValue(form, 'password'),
      privateKey: formValue(form, 'private_key'),
    };
    const values = { mydexid: input.mydexid, email: input.email };
    const errors = registrationErrors(input, formValue(form, 'private_key_confirm'));
    if (Object.keys(errors).length) return showRegister(req, reply, { next, values, errors }, 400);
    // Every valid attempt counts, successful or not: an address cannot mint accounts (or burn CPU) freely.
    const verdict = await web.throttle.attempt([[throttleKeys.registerAddress(req.ip), REGISTER_ADDRESS_RULE]]);
    if (!verdict.allowed) {
      const message = lockedMessage('Creating accounts from this network', verdict.until);
      return showRegister(req, reply, { next, values, errors: { mydexid: message } }, 429);
    }
    let uid: number;
    try {
      ({ uid } = await ctx.members.accounts.createMember(input));
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof ValidationError)) throw err;
      return showRegister(req, reply, { next, values, errors: errorsFromMessages([err.message]) }, err.status);
    }
    const member = await ctx.members.accounts.getMember({ uid });
    if (member) await web.startSession(req, reply, member);
    return web.redirect(reply, next ?? '/me?done=registered');
  });

  async function showRegister(req: FastifyRequest, reply: FastifyReply, f: Omit<RegisterForm, 'csrf'>, status = 200) {
    const csrf = await web.token(req, reply, '/register');
    return web.send(reply, registerPage(await web.chrome(req), { ...f, csrf, waiting: await web.waitingFor(f.next) }), status);
  }
}

function registrationErrors(
  input: { mydexid: string; email: string; password: string; privateKey: string },
  confirm: string,
): FieldErrors {
  const errors = errorsFromMessages(memberInputProblems(input));
  if (!errors.private_key && !errors.private_key_confirm && confirm !== input.privateKey) {
    errors.private_key_confirm = 'The two Private Keys are not the same. Enter the same Private Key twice.';
  }
  return errors;
}

/** Service messages start with the thing they are about; that picks the field they belong to. */
function errorsFromMessages(messages: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const m of messages) {
    const field = /^Mydexid/i.test(m)
      ? 'mydexid'
      : /^Email/i.test(m)
        ? 'email'
        : /^Password/i.test(m)
          ? 'password'
          : /^Private Key/i.test(m)
            ? 'private_key'
            : 'mydexid';
    errors[field] ??= m.replace(/^Mydexid/, idName());
  }
  return errors;
}
