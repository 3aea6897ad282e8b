/** "Forgot password": ask for a code, then enter it with a new password (password-reset-service.ts). */
import { idName } from '../branding.ts';
import { html, type SafeHtml } from '../html.ts';
import { button, csrfField, errorSummary, input, type FieldErrors } from './forms.ts';
import { page, type Chrome } from './layout.ts';

/** What a lost Private Key means, said plainly wherever a member looks for a way back in. */
const LOST_PRIVATE_KEY = html`<section class="panel" aria-labelledby="lost-private-key">
  <h2 id="lost-private-key">Forgotten your Private Key?</h2>
  <p>
    Your Private Key encrypts your data and is never stored anywhere, so nobody, including us, can tell you what it was or reset
    it. A new password does not bring it back.
  </p>
  <p>
    If it is lost, the data in your store cannot be opened again. You can still sign in, see and remove your connections, and
    delete your Personal Data Store to start a new one.
  </p>
</section>`;

const identifierInput = (value: string | undefined, error: string | undefined) =>
  input({
    name: 'identifier',
    label: `Your ${idName()} or email address`,
    autocomplete: 'username',
    value: value ?? '',
    error,
    required: true,
  });

export function forgotPasswordPage(chrome: Chrome, v: { csrf: string; errors: FieldErrors; identifier?: string }): SafeHtml {
  return page(chrome, {
    title: 'Reset your password',
    hasErrors: Object.keys(v.errors).length > 0,
    body: html`<h1>Reset your password</h1>
      ${errorSummary(v.errors, ['identifier'])}
      <p>We will email a code to the address of your account. You then choose a new password with it.</p>
      <form method="post" action="/forgot-password" novalidate>
        ${csrfField(v.csrf)} ${identifierInput(v.identifier, v.errors.identifier)} ${button('Email me a code')}
      </form>
      <p><a href="/forgot-password/code">I already have a code</a></p>
      ${LOST_PRIVATE_KEY}`,
  });
}

const CODE_FIELDS = ['identifier', 'code', 'new_password', 'new_password_confirm'] as const;

export function resetCodePage(
  chrome: Chrome,
  v: { csrf: string; errors: FieldErrors; sent: boolean; minutes: number; identifier?: string },
): SafeHtml {
  return page(chrome, {
    title: 'Choose a new password',
    hasErrors: Object.keys(v.errors).length > 0,
    body: html`<h1>Choose a new password</h1>
      ${errorSummary(v.errors, CODE_FIELDS)}
      ${
        v.sent &&
        html`<div class="notice" role="status">
          <p>
            If that matches an account, we have emailed a code to the account's address. It works once, for ${v.minutes} minutes.
            It can take a few minutes to arrive; check your spam folder too.
          </p>
        </div>`
      }
      <form method="post" action="/forgot-password/code" novalidate>
        ${csrfField(v.csrf)} ${identifierInput(v.identifier, v.errors.identifier)}
        ${input({
          name: 'code',
          label: 'The code from the email',
          hint: 'For example, KX7P-3MWA',
          autocomplete: 'one-time-code',
          width: 'medium',
          error: v.errors.code,
          required: true,
        })}
        ${input({
          name: 'new_password',
          label: 'New password',
          type: 'password',
          autocomplete: 'new-password',
          hint: 'At least 8 characters. It must not be your Private Key.',
          error: v.errors.new_password,
          required: true,
        })}
        ${input({
          name: 'new_password_confirm',
          label: 'New password again',
          type: 'password',
          autocomplete: 'new-password',
          error: v.errors.new_password_confirm,
          required: true,
        })}
        ${button('Reset my password')}
      </form>
      <p><a href="/forgot-password">Send me a new code</a></p>
      ${LOST_PRIVATE_KEY}`,
  });
}
