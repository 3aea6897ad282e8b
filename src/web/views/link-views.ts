/** The one-time link pages (contract §5): details, sign in, the DSSA page, and dead ends. */
import { idName } from '../branding.ts';
import type { LinkView } from '../../consent/consent-service.ts';
import type { Catalogue } from '../../pds/schema/catalogue.ts';
import { diffPermissions } from '../dssa-diff.ts';
import { html, type HtmlValue, type SafeHtml } from '../html.ts';
import { privateKeyChoice } from './auth-views.ts';
import { button, csrfField, errorSummary, input, privateKeyInput, type FieldErrors } from './forms.ts';
import { time } from './format.ts';
import { page, type Chrome } from './layout.ts';
import { ACCESS_MODES, changeList, permissionDetails, permissionSummary } from './permissions-view.ts';

function heading(view: LinkView): string {
  if (view.kind === 'register') return `${view.subscriberName} would like to create a Personal Data Store for you`;
  if (view.kind === 'update') return `${view.subscriberName} has changed what it asks to use`;
  if (view.previousDssa) return `${view.subscriberName} asks you to agree again`;
  return `${view.subscriberName} would like to connect to your Personal Data Store`;
}

/** What Reject changes: for a member already connected, not the connection they have. */
function rejectForm(base: string, csrf: string, subscriber: string, alreadyConnected = false): SafeHtml {
  return html`<form method="post" action="${base}/reject">
    ${csrfField(csrf)} ${button(alreadyConnected ? 'Reject this request' : 'Reject', 'secondary')}
    <p class="hint">
      ${
        alreadyConnected
          ? `${subscriber} will be told that you said no to this request. Your existing connection stays as it is: to stop it, remove it under Connections.`
          : `${subscriber} will be told that you said no. Nothing is shared.`
      }
    </p>
  </form>`;
}

/** Registration, step 1: the details the subscriber sent, before anything is created. */
export function detailsPage(chrome: Chrome, v: { view: LinkView; base: string; csrf: string; rejectCsrf: string }): SafeHtml {
  const { view } = v;
  return page(chrome, {
    title: heading(view),
    body: html`<h1>${heading(view)}</h1>
      <p>
        A Personal Data Store keeps your information encrypted under a Private Key that only you know. You decide which
        organisations can use it, and you can see and stop their access at any time.
      </p>
      <h2>Check your details</h2>
      <dl class="summary-list">
        <dt>${idName()}</dt>
        <dd>${view.mydexid ?? ''}</dd>
        <dt>Email address</dt>
        <dd>${view.email ?? ''}</dd>
        <dt>Requested by</dt>
        <dd>${view.subscriberName}</dd>
      </dl>
      <p>Next you will see exactly what ${view.subscriberName} asks to use, and choose your Private Key.</p>
      <div class="button-row">
        <form method="post" action="${v.base}/confirm">${csrfField(v.csrf)} ${button('These are my details, continue')}</form>
      </div>
      <p>If these are not your details, do not continue.</p>
      ${rejectForm(v.base, v.rejectCsrf, view.subscriberName)}`,
  });
}

/** FTC or update before signing in: sign in here (or register) and come back to the same link. */
export function signInFirstPage(chrome: Chrome, v: { view: LinkView; base: string; csrf: string }): SafeHtml {
  const { view } = v;
  return page(chrome, {
    title: heading(view),
    body: html`<h1>${heading(view)}</h1>
      <p>Sign in to your Personal Data Store to see what ${view.subscriberName} asks for. Nothing is shared until you approve.</p>
      <form method="post" action="/login" novalidate>
        ${csrfField(v.csrf)}
        <input type="hidden" name="next" value="${v.base}" />
        ${input({ name: 'mydexid', label: idName(), autocomplete: 'username', value: view.mydexid ?? '', required: true })}
        ${input({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true })}
        ${button('Sign in and continue')}
      </form>
      ${view.kind === 'ftc' && html`<p>No Personal Data Store yet? <a href="/register?next=${encodeURIComponent(v.base)}">Create one</a>, then you will come back here.</p>`}`,
  });
}

export interface AgreementForm {
  view: LinkView;
  base: string;
  catalogue: Catalogue;
  approveCsrf: string;
  rejectCsrf: string;
  errors: FieldErrors;
}

/** The DSSA page: who, why, exactly which fields, what changed, then Approve or Reject. */
export function agreementPage(chrome: Chrome, v: AgreementForm): SafeHtml {
  const { view } = v;
  const dssa = view.dssa;
  const isUpdate = view.kind === 'update' && view.previousDssa !== undefined;
  /** an FTC link for a member who already has a connection to this organisation */
  const connected = view.kind === 'ftc' && view.previousDssa !== undefined;
  const diff = diffPermissions(isUpdate ? view.previousDssa!.permissions : undefined, dssa.permissions);
  const hasErrors = Object.keys(v.errors).length > 0;
  return page(chrome, {
    title: `Review ${view.subscriberName}’s request`,
    hasErrors,
    body: html`<h1>${heading(view)}</h1>
      ${errorSummary(v.errors, ['password', 'password_confirm', 'private_key', 'private_key_confirm'])}
      <dl class="summary-list">
        <dt>Organisation</dt>
        <dd>${view.subscriberName}</dd>
        <dt>Purpose</dt>
        <dd>${dssa.purpose || 'Not stated'}</dd>
        <dt>Agreement</dt>
        <dd>Version ${dssa.version}${isUpdate && ` (you agreed to version ${view.previousDssa!.version})`}</dd>
        <dt>This request expires</dt>
        <dd>${time(view.expiresAt)}</dd>
      </dl>
      ${
        isUpdate &&
        html`<section class="panel" aria-labelledby="changes">
          <h2 id="changes">What has changed since version ${view.previousDssa!.version}</h2>
          ${changeList(v.catalogue, diff)}
        </section>`
      }
      ${
        connected &&
        html`<section class="panel" aria-labelledby="already">
          <h2 id="already">You are already connected to ${view.subscriberName}</h2>
          <p>Under the agreement you accepted (version ${view.previousDssa!.version}), ${view.subscriberName} can use:</p>
          ${permissionSummary(v.catalogue, diffPermissions(undefined, view.previousDssa!.permissions), 'What is shared now')}
          <p>
            Approve to share under version ${dssa.version} instead. If you reject this request, the connection you have stays as
            it is.
          </p>
        </section>`
      }
      <h2>What ${view.subscriberName} will be able to do</h2>
      ${permissionSummary(v.catalogue, diff, `What ${view.subscriberName} asks for`)} ${ACCESS_MODES}
      <h2>Your decision</h2>
      ${approveForm(v)} ${rejectForm(v.base, v.rejectCsrf, view.subscriberName, connected)}
      <h2>The details</h2>
      ${permissionDetails(v.catalogue, diff, isUpdate)}
      <h3>How ${view.subscriberName} will look after your data</h3>
      <p>${dssa.gdprStatement || 'No statement was provided.'}</p>`,
  });
}

const PRIVATE_KEY_HINT = 'At least 8 characters. Different from the password above, and not a password you have given anyone.';

/**
 * The password the member will sign in with, chosen here: the one the organisation's request
 * carried is not used (docs/contract.md, §4.1), so nothing on this page depends on a password the
 * member may never have seen.
 */
function passwordChoice(e: FieldErrors, subscriberName: string): SafeHtml {
  return html`<fieldset class="fieldset">
    <legend class="fieldset__legend">Choose your password</legend>
    ${input({
      name: 'password',
      label: 'Password',
      type: 'password',
      autocomplete: 'new-password',
      hint: `You will sign in with your ${idName()} and this password. At least 8 characters. If you already chose one with ${subscriberName}, you can use it again.`,
      error: e.password,
      required: true,
    })}
    ${input({ name: 'password_confirm', label: 'Password again', type: 'password', autocomplete: 'new-password', error: e.password_confirm, required: true })}
  </fieldset>`;
}

function approveForm(v: AgreementForm): HtmlValue {
  const register = v.view.kind === 'register';
  return html`<form method="post" action="${v.base}/approve" novalidate>
    ${csrfField(v.approveCsrf)}
    ${
      register
        ? html`${passwordChoice(v.errors, v.view.subscriberName)}
          ${privateKeyChoice(v.errors, 'Choose your Private Key', PRIVATE_KEY_HINT)}`
        : privateKeyInput(v.errors.private_key, 'Enter your Private Key to approve')
    }
    ${button(register ? 'Create my Personal Data Store and approve' : 'Approve')}
  </form>`;
}

export function wrongMemberPage(chrome: Chrome, v: { mydexid: string; base: string; logoutCsrf: string }): SafeHtml {
  return page(chrome, {
    title: 'This link is for another member',
    body: html`<h1>This link is for another member</h1>
      <p>You are signed in as <strong>${v.mydexid}</strong>, but the organisation made this link for a different ${idName()}.</p>
      <p>Sign out, then sign in with the ${idName()} the organisation has for you.</p>
      <form method="post" action="/logout">
        ${csrfField(v.logoutCsrf)}
        <input type="hidden" name="next" value="${v.base}" />
        ${button('Sign out and sign in again', 'secondary')}
      </form>`,
  });
}

export function linkGonePage(chrome: Chrome): SafeHtml {
  return page(chrome, {
    title: 'This link has expired or was already used',
    body: html`<h1>This link has expired or was already used</h1>
      <p>Links to connect or register work once and only for a limited time.</p>
      <p>Go back to the organisation that sent you here and ask for a new link.</p>`,
  });
}

/**
 * A spent or expired link whose organisation is known (contract §5: it hears `status=expired`):
 * say what happened before sending the member back, rather than redirecting without a word.
 */
export function linkUsedPage(chrome: Chrome, to: string): SafeHtml {
  const host = new URL(to).host;
  return page(chrome, {
    title: 'This link has expired or was already used',
    body: html`<h1>This link has expired or was already used</h1>
      <p>Links to connect or register work once, and only for a limited time. Nothing was changed.</p>
      <p>If you still want to connect, the organisation can send you a new link.</p>
      <p><a class="button" href="${to}">Go back to ${host}</a></p>`,
  });
}

/** The last hop back to the subscriber (see handOff in consent/consent-page-routes.ts). */
export function returnPage(chrome: Chrome, to: string): SafeHtml {
  const host = new URL(to).host;
  return page(chrome, {
    title: 'Returning you to the organisation',
    head: html`<meta http-equiv="refresh" content="0; url=${to}" />`,
    body: html`<h1>Returning you to the organisation</h1>
      <p>If nothing happens, <a href="${to}">continue to ${host}</a>.</p>`,
  });
}
