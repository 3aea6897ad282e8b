/** Password, Private Key and account deletion pages. */
import { idName } from '../branding.ts';
import { html, type SafeHtml } from '../html.ts';
import { privateKeyChoice } from './auth-views.ts';
import { button, csrfField, errorSummary, input, type FieldErrors } from './forms.ts';
import { page, type Chrome } from './layout.ts';

const PASSWORD_FIELDS = ['current_password', 'new_password', 'new_password_confirm'] as const;

export function passwordPage(chrome: Chrome, v: { csrf: string; errors: FieldErrors }): SafeHtml {
  const e = v.errors;
  return page(chrome, {
    title: 'Change your password',
    nav: 'account',
    hasErrors: Object.keys(e).length > 0,
    body: html`<h1>Change your password</h1>
      ${errorSummary(e, PASSWORD_FIELDS)}
      <p>Your password lets you sign in. It does not unlock your data: that is what your Private Key is for.</p>
      <form method="post" action="/me/password" novalidate>
        ${csrfField(v.csrf)}
        ${input({ name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password', error: e.current_password, required: true })}
        ${input({
          name: 'new_password',
          label: 'New password',
          type: 'password',
          autocomplete: 'new-password',
          hint: `At least 8 characters, not your ${idName()}, and different from your Private Key.`,
          error: e.new_password,
          required: true,
        })}
        ${input({ name: 'new_password_confirm', label: 'New password again', type: 'password', autocomplete: 'new-password', error: e.new_password_confirm, required: true })}
        ${button('Change password')}
      </form>`,
  });
}

const PRIVATE_KEY_FIELDS = ['current_private_key', 'private_key', 'private_key_confirm'] as const;

export function privateKeyPage(chrome: Chrome, v: { csrf: string; errors: FieldErrors }): SafeHtml {
  const e = v.errors;
  return page(chrome, {
    title: 'Change your Private Key',
    nav: 'account',
    hasErrors: Object.keys(e).length > 0,
    body: html`<h1>Change your Private Key</h1>
      ${errorSummary(e, PRIVATE_KEY_FIELDS)}
      <div class="panel">
        <p>
          Your data is not re-encrypted. Each part of your store is encrypted with its own data key, and those keys are locked
          (“wrapped”) with your Private Key. Changing it re-wraps the data keys under the new Private Key, so it is quick and your
          connections keep working. From then on only the new Private Key opens your data.
        </p>
      </div>
      <form method="post" action="/me/private-key" novalidate>
        ${csrfField(v.csrf)}
        ${input({ name: 'current_private_key', label: 'Current Private Key', type: 'password', autocomplete: 'off', error: e.current_private_key, required: true })}
        ${privateKeyChoice(e, 'Choose your new Private Key')} ${button('Change Private Key')}
      </form>`,
  });
}

const DELETE_FIELDS = ['password', 'confirm_mydexid'] as const;

export function deletePage(chrome: Chrome, v: { csrf: string; mydexid: string; errors: FieldErrors }): SafeHtml {
  const e = v.errors;
  return page(chrome, {
    title: 'Delete your Personal Data Store',
    nav: 'account',
    hasErrors: Object.keys(e).length > 0,
    body: html`<h1>Delete your Personal Data Store</h1>
      ${errorSummary(e, DELETE_FIELDS)}
      <div class="warning-text">
        <p>
          <strong>This cannot be undone.</strong> All your data, your connections and your activity history are erased, and you
          are signed out. Every organisation you are connected to is told that your account was deleted.
        </p>
        <p>You may want to <a href="/me/export">download a copy of your data</a> first.</p>
      </div>
      <form method="post" action="/me/delete" novalidate>
        ${csrfField(v.csrf)}
        ${input({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password', error: e.password, required: true })}
        ${input({
          name: 'confirm_mydexid',
          label: `Type your ${idName()} to confirm`,
          hint: html`Your ${idName()} is <strong>${v.mydexid}</strong>.`,
          autocomplete: 'off',
          error: e.confirm_mydexid,
          required: true,
        })}
        ${button('Delete my Personal Data Store', 'warning')}
      </form>
      <p><a href="/me/account">Cancel</a></p>`,
  });
}

export function goodbyePage(chrome: Chrome): SafeHtml {
  return page(chrome, {
    title: 'Your Personal Data Store has been deleted',
    body: html`<h1>Your Personal Data Store has been deleted</h1>
      <p>We have erased your data, your connections and your activity history, and signed you out.</p>
      <p>
        The organisations you were connected to have been notified that your account was deleted. They can no longer read or
        change anything.
      </p>
      <p><a href="/register">Create a new Personal Data Store</a></p>`,
  });
}
