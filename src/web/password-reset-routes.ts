/**
 * /forgot-password and /forgot-password/code (password-reset-service.ts). Public pages: the
 * asker is not signed in. Both answer the same whether or not the account exists; asking is
 * limited per address, and guessing codes per account name and per address.
 */
import { idName } from './branding.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';
import { LOGIN_ADDRESS_RULE, LOGIN_RULE, RESET_ADDRESS_RULE } from '../members/auth-throttle-store.ts';
import { RESET_CODE_SECONDS } from '../members/password-reset-service.ts';
import { throttleKeys } from '../members/throttle-keys.ts';
import { securityEvent } from '../security-events.ts';
import { refuseForm } from './refusals.ts';
import type { FieldErrors } from './views/forms.ts';
import { lockedMessage } from './views/format.ts';
import { forgotPasswordPage, resetCodePage } from './views/password-reset-views.ts';
import { formValue, type Web } from './web-context.ts';

const WRONG_CODE = 'The code is not right, or it has expired or been used. Check it, or ask for a new code.';

export function registerPasswordResetRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;
  const minutes = RESET_CODE_SECONDS / 60;

  async function showForgot(req: FastifyRequest, reply: FastifyReply, errors: FieldErrors = {}, status = 200, identifier = '') {
    const csrf = await web.token(req, reply, '/forgot-password');
    return web.send(reply, forgotPasswordPage(await web.chrome(req), { csrf, errors, identifier }), status);
  }

  async function showCode(
    req: FastifyRequest,
    reply: FastifyReply,
    v: { errors?: FieldErrors; status?: number; identifier?: string; sent?: boolean } = {},
  ) {
    const csrf = await web.token(req, reply, '/forgot-password/code');
    const view = { csrf, errors: v.errors ?? {}, sent: v.sent ?? false, minutes, identifier: v.identifier ?? '' };
    return web.send(reply, resetCodePage(await web.chrome(req), view), v.status ?? 200);
  }

  app.get('/forgot-password', (req, reply) => showForgot(req, reply));

  app.post('/forgot-password', async (req, reply) => {
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, false))) return refuseForm(web, req, reply, '/forgot-password');
    const identifier = formValue(form, 'identifier').trim();
    if (!identifier) return showForgot(req, reply, { identifier: `Enter your ${idName()} or email address.` }, 400);
    const verdict = await web.throttle.attempt([[throttleKeys.resetAddress(req.ip), RESET_ADDRESS_RULE]]);
    if (!verdict.allowed) {
      const error = lockedMessage('Asking for codes from this network', verdict.until);
      return showForgot(req, reply, { identifier: error }, 429, identifier);
    }
    await ctx.passwordResets.request(identifier);
    // No name in the URL (it is personal data): the code page asks for it again.
    return web.redirect(reply, '/forgot-password/code?sent=1');
  });

  app.get<{ Querystring: Record<string, unknown> }>('/forgot-password/code', (req, reply) =>
    showCode(req, reply, { sent: req.query.sent === '1' }),
  );

  app.post('/forgot-password/code', async (req, reply) => {
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, false))) return refuseForm(web, req, reply, '/forgot-password/code');
    const identifier = formValue(form, 'identifier').trim();
    const code = formValue(form, 'code');
    const password = formValue(form, 'new_password');
    const errors: FieldErrors = {};
    if (!identifier) errors.identifier = `Enter your ${idName()} or email address.`;
    if (!code.trim()) errors.code = 'Enter the code from the email.';
    if (!password) errors.new_password = 'Choose a new password.';
    else if (password !== formValue(form, 'new_password_confirm')) {
      errors.new_password_confirm = 'The two new passwords are not the same.';
    }
    if (Object.keys(errors).length) return showCode(req, reply, { errors, status: 400, identifier });
    // The same keys whether or not the account exists: no enumeration.
    const keys = [
      [throttleKeys.resetCode(identifier), LOGIN_RULE],
      [throttleKeys.loginAddress(req.ip), LOGIN_ADDRESS_RULE],
    ] as const;
    const verdict = await web.throttle.attempt(keys);
    if (!verdict.allowed) {
      securityEvent(req.log, 'auth.reset_locked', { remoteAddress: req.ip, until: verdict.until });
      return showCode(req, reply, { errors: { code: lockedMessage('Entering codes', verdict.until) }, status: 429, identifier });
    }
    let done;
    try {
      done = await ctx.passwordResets.reset(identifier, code, password);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await web.throttle.succeeded(keys.map(([k]) => k));
      return showCode(req, reply, {
        errors: { new_password: err.message },
        status: 400,
        identifier,
      });
    }
    if (!done) {
      const until = await web.throttle.failed(keys);
      securityEvent(req.log, until ? 'auth.reset_locked' : 'auth.reset_failed', { remoteAddress: req.ip, until });
      const error = until ? lockedMessage('Entering codes', until) : WRONG_CODE;
      return showCode(req, reply, { errors: { code: error }, status: until ? 429 : 400, identifier });
    }
    securityEvent(req.log, 'auth.password_reset', { uid: done.uid });
    await web.throttle.succeeded([throttleKeys.loginAddress(req.ip)], [keys[0][0]]);
    await web.endSession(req, reply);
    return web.redirect(reply, '/login?done=password-reset');
  });
}
