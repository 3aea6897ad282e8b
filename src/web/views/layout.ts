/** The page shell shared by every member page: skip link, sandbox banner, header, main. */
import { brand, brandLogo } from '../branding.ts';
import { html, type HtmlValue, type SafeHtml } from '../html.ts';

/** What every page needs to know about the request it answers. */
export interface Chrome {
  sandbox: boolean;
  cssHref: string;
  /** set when a member is logged in */
  member?: { mydexid: string; logoutToken: string };
}

type NavItem = 'overview' | 'data' | 'connections' | 'apps' | 'identities' | 'activity' | 'account';

export interface PageSpec {
  title: string;
  /** marks the page's own entry in the dashboard navigation */
  nav?: NavItem;
  /** the title gets an "Error: " prefix so screen readers hear it first (WCAG 3.3.1) */
  hasErrors?: boolean;
  /** extra elements for <head> */
  head?: HtmlValue;
  body: HtmlValue;
}

const NAV: { item: NavItem; href: string; label: string }[] = [
  { item: 'overview', href: '/me', label: 'Overview' },
  { item: 'data', href: '/me/data', label: 'My data' },
  { item: 'connections', href: '/me/connections', label: 'Connections' },
  { item: 'apps', href: '/me/apps', label: 'Apps' },
  { item: 'identities', href: '/me/identities', label: 'Linked accounts' },
  { item: 'activity', href: '/me/activity', label: 'Activity' },
  { item: 'account', href: '/me/account', label: 'Account' },
];

export function page(chrome: Chrome, spec: PageSpec): SafeHtml {
  const { serviceName, privacyUrl, supportUrl } = brand();
  const logo = brandLogo();
  const title = `${spec.hasErrors ? 'Error: ' : ''}${spec.title} – ${serviceName}`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title}</title>
        <link rel="stylesheet" href="${chrome.cssHref}" />
        ${spec.head}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site-header">
          ${chrome.sandbox && html`<div class="sandbox-banner" role="note"><strong>Sandbox:</strong> no real data. This is a test environment.</div>`}
          <div class="container site-header__inner">
            <a class="site-header__name" href="${chrome.member ? '/me' : '/login'}"
              >${logo && html`<img class="site-header__logo" src="${logo.href}" alt="" />`}${serviceName}
              <span class="site-header__sub">Personal Data Store</span></a
            >
            ${
              chrome.member &&
              html`<form class="site-header__logout" method="post" action="/logout">
                <input type="hidden" name="csrf" value="${chrome.member.logoutToken}" />
                <span class="site-header__who">Signed in as <strong>${chrome.member.mydexid}</strong></span>
                <button type="submit" class="button button--link">Sign out</button>
              </form>`
            }
          </div>
          ${chrome.member && spec.nav && navigation(spec.nav)}
        </header>
        <main id="main" class="container" tabindex="-1">${spec.body}</main>
        <footer class="site-footer">
          <div class="container">
            <p>${serviceName}: your data, encrypted with a Private Key only you know.</p>
            ${
              (privacyUrl || supportUrl) &&
              html`<ul class="site-footer__links">
                ${privacyUrl && html`<li><a href="${privacyUrl}">Privacy notice</a></li>`}
                ${supportUrl && html`<li><a href="${supportUrl}">Help and support</a></li>`}
              </ul>`
            }
          </div>
        </footer>
      </body>
    </html> `;
}

function navigation(current: NavItem): SafeHtml {
  return html`<nav class="dashboard-nav" aria-label="Your PDS">
    <ul class="container">
      ${NAV.map((n) => html`<li><a href="${n.href}" ${n.item === current ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}
    </ul>
  </nav>`;
}

/** A short notice at the top of a page after an action succeeded. */
export function notice(text: string | undefined): HtmlValue {
  return text && html`<div class="notice" role="status"><p>${text}</p></div>`;
}
