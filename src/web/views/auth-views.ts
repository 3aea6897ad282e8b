/** Sign in, registration and the plain message pages. */
import { idName } from '../branding.ts';
import { html, type HtmlValue, type SafeHtml } from '../html.ts';
import { button, csrfField, errorSummary, input, problem, type FieldErrors } from './forms.ts';
import { notice, page, type Chrome } from './layout.ts';

export interface LoginForm {
  csrf: string;
  next: string | undefined;
  mydexid?: string;
  error?: string;
  notice?: string;
  /** who is waiting for the member (web-context.ts, waitingFor) */
  waiting?: string | undefined;
}

/** "Acme Health is waiting for you": the reason the member is on this page. */
function waitingNote(waiting: string | undefined, what: string): HtmlValue {
  return waiting && html`<p class="panel"><strong>${waiting}</strong> is waiting for you. ${what} to continue.</p>`;
}

export function loginPage(chrome: Chrome, f: LoginForm): SafeHtml {
  const registerHref = f.next ? `/register?next=${encodeURIComponent(f.next)}` : '/register';
  return page(chrome, {
    title: 'Sign in',
    hasErrors: Boolean(f.error),
    body: html`${notice(f.notice)}
      <h1>Sign in to your Personal Data Store</h1>
      ${waitingNote(f.waiting, 'Sign in')} ${problem(f.error)}
      <form method="post" action="/login" novalidate>
        ${csrfField(f.csrf)} ${f.next && html`<input type="hidden" name="next" value="${f.next}" />`}
        ${input({ name: 'mydexid', label: idName(), autocomplete: 'username', value: f.mydexid ?? '', required: true })}
        ${input({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true })}
        ${button('Sign in')}
      </form>
      <p><a href="/forgot-password">Forgotten your password?</a></p>
      <p>New here? <a href="${registerHref}">Create a Personal Data Store</a>.</p>`,
  });
}

export interface RegisterForm {
  csrf: string;
  next: string | undefined;
  waiting?: string | undefined;
  values: { mydexid?: string; email?: string };
  errors: FieldErrors;
}

const REGISTER_FIELDS = ['mydexid', 'email', 'password', 'private_key', 'private_key_confirm'] as const;

export function registerPage(chrome: Chrome, f: RegisterForm): SafeHtml {
  const e = f.errors;
  return page(chrome, {
    title: 'Create your Personal Data Store',
    hasErrors: Object.keys(e).length > 0,
    body: html`<h1>Create your Personal Data Store</h1>
      ${waitingNote(f.waiting, 'Create your Personal Data Store')} ${errorSummary(e, REGISTER_FIELDS)}
      <form method="post" action="/register" novalidate>
        ${csrfField(f.csrf)} ${f.next && html`<input type="hidden" name="next" value="${f.next}" />`}
        <fieldset class="fieldset">
          <legend class="fieldset__legend">Your account</legend>
          ${input({
            name: 'mydexid',
            label: idName(),
            hint: 'The name you sign in with: 3 to 64 letters, digits, dots, underscores or hyphens, not only digits.',
            autocomplete: 'username',
            value: f.values.mydexid ?? '',
            error: e.mydexid,
            required: true,
          })}
          ${input({ name: 'email', label: 'Email address', type: 'email', autocomplete: 'email', value: f.values.email ?? '', error: e.email, required: true })}
          ${input({
            name: 'password',
            label: 'Password',
            type: 'password',
            hint: `At least 8 characters, and not your ${idName()}.`,
            autocomplete: 'new-password',
            error: e.password,
            required: true,
          })}
        </fieldset>
        ${privateKeyChoice(e)} ${button('Create my Personal Data Store')}
      </form>
      <p>Already have one? <a href="${f.next ? `/login?next=${encodeURIComponent(f.next)}` : '/login'}">Sign in</a>.</p>`,
  });
}

/** Choosing a new Private Key, entered twice, with the warning that matters most. */
export function privateKeyChoice(
  e: FieldErrors,
  legend = 'Choose your Private Key',
  hint = 'At least 8 characters. It must be different from your password.',
): SafeHtml {
  return html`<fieldset class="fieldset">
    <legend class="fieldset__legend">${legend}</legend>
    ${privateKeyWarning()}
    ${input({
      name: 'private_key',
      label: 'Private Key',
      type: 'password',
      hint,
      autocomplete: 'off',
      error: e.private_key,
      required: true,
    })}
    ${input({ name: 'private_key_confirm', label: 'Private Key again', type: 'password', autocomplete: 'off', error: e.private_key_confirm, required: true })}
  </fieldset>`;
}

function privateKeyWarning(): SafeHtml {
  return html`<div class="warning-text" id="private-key-warning">
    <p><strong>Your Private Key encrypts your data, and only you know it.</strong></p>
    <p>
      We never store it and cannot recover or reset it. If you lose it, nobody can open your data again, not even us. Write it
      down somewhere safe. Use something different from your password.
    </p>
  </div>`;
}

/** A page that says one thing and offers a way on. */
export function messagePage(
  chrome: Chrome,
  m: { title: string; paragraphs: string[]; link?: { href: string; text: string }; extra?: HtmlValue },
): SafeHtml {
  return page(chrome, {
    title: m.title,
    body: html`<h1>${m.title}</h1>
      ${m.paragraphs.map((p) => html`<p>${p}</p>`)} ${m.extra}
      ${m.link && html`<p><a class="button button--secondary" href="${m.link.href}">${m.link.text}</a></p>`}`,
  });
}
