/** The pages of signing in to another organisation's app with a MydexID (OpenID Connect, docs/oidc.md). */
import { idName } from '../branding.ts';
import { CSS_HREF } from '../assets.ts';
import { html, SafeHtml } from '../html.ts';
import { button, csrfField } from './forms.ts';
import { dataTable } from './format.ts';
import { notice, page, type Chrome } from './layout.ts';

/** What each scope lets the app learn, in the member's words. */
const SCOPE_TEXT: Readonly<Record<string, string | (() => string)>> = {
  openid: 'that you are signed in, with an identifier for you that only this app sees',
  mydexid: () => `your ${idName()}`,
  offline_access: 'that it may keep you signed in when you are not using it',
};

export interface ConsentView {
  /** the organisation the app belongs to */
  organisation: string;
  /** the app, as its organisation named it */
  app: string;
  scopes: string[];
  approve: { action: string; csrf: string };
  deny: { action: string; csrf: string };
}

export function signInConsentPage(chrome: Chrome, v: ConsentView): SafeHtml {
  return page(chrome, {
    title: `Sign in to ${v.app}`,
    body: html`<h1>Sign in to ${v.app} with your ${idName()}?</h1>
      <p>${v.app} is run by <strong>${v.organisation}</strong>. If you continue, it will learn:</p>
      <ul>
        ${v.scopes.map((s) => {
          const text = SCOPE_TEXT[s] ?? s;
          return html`<li>${typeof text === 'function' ? text() : text}</li>`;
        })}
      </ul>
      <p>It will not see the data in your Personal Data Store. You can stop it signing you in at any time from your account.</p>
      <div class="button-row">
        <form method="post" action="${v.approve.action}">${csrfField(v.approve.csrf)} ${button('Continue')}</form>
        <form method="post" action="${v.deny.action}">${csrfField(v.deny.csrf)} ${button('Cancel', 'secondary')}</form>
      </div>`,
  });
}

/**
 * The step from the member's pages back to the provider, which sends the browser on to the app. A
 * page that moves on by itself, not a redirect: a browser applies a form's `form-action` policy to
 * every redirect that follows its submission, so a sign-in or consent form's answer must not
 * redirect to the app's origin.
 */
export function continuePage(chrome: Chrome, to: string): SafeHtml {
  return page(chrome, {
    title: 'Signing you in',
    head: html`<meta http-equiv="refresh" content="0; url=${to}" />`,
    body: html`<h1>Signing you in</h1>
      <p>If nothing happens, <a href="${to}">continue</a>.</p>`,
  });
}

export function signInGonePage(chrome: Chrome): SafeHtml {
  return page(chrome, {
    title: 'This sign-in has expired',
    body: html`<h1>This sign-in has expired</h1>
      <p>Signing in took too long, or the page was opened twice. Go back to the app and sign in again.</p>`,
  });
}

/** An app the member lets sign them in. */
export interface SignedInApp {
  grantId: string;
  app: string;
  organisation: string;
}

export function appsPage(chrome: Chrome, v: { apps: SignedInApp[]; csrf: string; notice?: string | undefined }): SafeHtml {
  return page(chrome, {
    title: 'Apps',
    nav: 'apps',
    body: html`${notice(v.notice)}
      <h1>Apps you sign in to</h1>
      <p>These apps sign you in with your ${idName()}. They learn who you are, not the data in your Personal Data Store.</p>
      ${
        v.apps.length === 0
          ? html`<p class="panel">No app signs you in with your ${idName()}.</p>`
          : dataTable(
              `Apps that sign you in with your ${idName()}`,
              ['App', 'Run by', ''],
              v.apps.map((a) => [
                a.app,
                a.organisation,
                html`<form method="post" action="/me/apps/remove">
                  ${csrfField(v.csrf)}<input type="hidden" name="grant" value="${a.grantId}" />
                  ${button(`Remove ${a.app}`, 'warning')}
                </form>`,
              ]),
            )
      }`,
  });
}

/**
 * RP-initiated logout, the provider's confirmation step: `form` is the provider's own (empty) form,
 * carrying its anti-forgery value; the buttons submit it. Markup from the library's code, not data.
 */
export function signOutPage(sandbox: boolean, form: string): string {
  return page(
    { sandbox, cssHref: CSS_HREF },
    {
      title: 'Sign out',
      body: html`<h1>Sign out of the apps you signed in to with your ${idName()}?</h1>
        ${new SafeHtml(form)}
        <div class="button-row">
          <button type="submit" class="button" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
          <button type="submit" class="button button--secondary" form="op.logoutForm">No, stay signed in</button>
        </div>`,
    },
  ).value;
}

export function signedOutPage(sandbox: boolean): string {
  return page(
    { sandbox, cssHref: CSS_HREF },
    {
      title: 'Signed out',
      body: html`<h1>You have signed out</h1>
        <p>You can close this page.</p>`,
    },
  ).value;
}
