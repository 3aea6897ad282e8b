/** The landing page at `/`: what the service is, and the ways in. */
import { html, type SafeHtml } from '../html.ts';
import { page, type Chrome } from './layout.ts';

export function homePage(chrome: Chrome): SafeHtml {
  return page(chrome, {
    title: 'Your Personal Data Store',
    body: html`<h1>Your Personal Data Store</h1>
      <p>
        Keep your personal data in one place that you control, encrypted so that only you, and the organisations you choose, can
        read it. When an organisation you have connected needs your details, it reads the parts you agreed to, instead of asking
        you to fill in another form.
      </p>
      <ul>
        <li>You decide which organisations connect, and what each may see or change.</li>
        <li>You can see every time one of them read or changed your data.</li>
        <li>You can remove a connection, or your whole store, at any time.</li>
      </ul>
      <div class="button-row">
        ${
          chrome.member
            ? html`<a class="button" href="/me">Go to your Personal Data Store</a>`
            : html`<a class="button" href="/login">Sign in</a>
                <a class="button button--secondary" href="/register">Create a Personal Data Store</a>`
        }
      </div>
      <h2>For developers</h2>
      <p>
        Organisations connect through the PDX API, compatible with Mydex's: see the
        <a href="/docs">API reference</a
        >${chrome.sandbox && html`, and the messages this sandbox kept in its <a href="/dev/outbox">outbox</a>`}.
      </p>`,
  });
}
