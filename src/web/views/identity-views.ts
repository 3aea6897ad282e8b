/** Linked accounts: the MyAccount and ScotAccount identities mapped to the member's MydexID. */
import { idName } from '../branding.ts';
import { PROVIDER_NAMES, type ExternalIdentity } from '../../idaas/external-identities.ts';
import { html, type SafeHtml } from '../html.ts';
import { button, csrfField } from './forms.ts';
import { dataTable, time } from './format.ts';
import { notice, page, type Chrome } from './layout.ts';

const whatItDoes = () =>
  `An organisation that uses one of these accounts to sign you in can ask us for your ${idName()} with it. ` +
  `Remove a link and they can no longer find your ${idName()} that way.`;

export function identitiesPage(chrome: Chrome, v: { identities: ExternalIdentity[]; notice?: string | undefined }): SafeHtml {
  return page(chrome, {
    title: 'Linked accounts',
    nav: 'identities',
    body: html`${notice(v.notice)}
      <h1>Linked accounts</h1>
      <p>These accounts are linked to your ${idName()}. ${whatItDoes()}</p>
      ${
        v.identities.length === 0
          ? html`<p class="panel">No account is linked to your ${idName()}.</p>`
          : dataTable(
              `Accounts linked to your ${idName()}`,
              ['Account', 'Identifier', 'Linked since', ''],
              v.identities.map((i) => [
                PROVIDER_NAMES[i.provider],
                html`<code>${i.external_id}</code>`,
                time(i.created_at),
                html`<a href="/me/identities/${i.id}/remove"
                  >Remove<span class="visually-hidden"> the ${PROVIDER_NAMES[i.provider]} link</span></a
                >`,
              ]),
            )
      }`,
  });
}

export function removeIdentityPage(chrome: Chrome, v: { identity: ExternalIdentity; csrf: string }): SafeHtml {
  const name = PROVIDER_NAMES[v.identity.provider];
  return page(chrome, {
    title: `Remove the ${name} link`,
    nav: 'identities',
    body: html`<h1>Remove the ${name} link?</h1>
      <dl class="summary-list">
        <dt>Account</dt>
        <dd>${name}</dd>
        <dt>Identifier</dt>
        <dd><code>${v.identity.external_id}</code></dd>
      </dl>
      <div class="warning-text">
        <p>
          Organisations that sign you in with ${name} will no longer be able to find your ${idName()} with it. Your data and your
          connections do not change.
        </p>
      </div>
      <div class="button-row">
        <form method="post" action="/me/identities/${v.identity.id}/remove">
          ${csrfField(v.csrf)} ${button('Yes, remove the link', 'warning')}
        </form>
        <a class="button button--secondary" href="/me/identities">No, keep it</a>
      </div>`,
  });
}
