/** The dashboard: overview, connections (with revoke), activity and the account menu. */
import { idName } from '../branding.ts';
import { diffPermissions } from '../dssa-diff.ts';
import type { AccessLogEntry, MemberConnection } from '../../members/account-service.ts';
import type { Member } from '../../members/member-accounts.ts';
import type { Catalogue } from '../../pds/schema/catalogue.ts';
import { html, type HtmlValue, type SafeHtml } from '../html.ts';
import { button, csrfField } from './forms.ts';
import { dataTable, time, timeZoneShown } from './format.ts';
import { notice, page, type Chrome } from './layout.ts';
import { ACCESS_MODES, datasetTitle, fieldLabel, permissionDetails, permissionSummary } from './permissions-view.ts';

export function overviewPage(
  chrome: Chrome,
  v: {
    catalogue: Catalogue;
    member: Member;
    connections: MemberConnection[];
    recent: AccessLogEntry[];
    notice?: string | undefined;
  },
): SafeHtml {
  const n = v.connections.length;
  return page(chrome, {
    title: 'Your Personal Data Store',
    nav: 'overview',
    body: html`${notice(v.notice)}
      <h1>Your Personal Data Store</h1>
      <dl class="summary-list">
        <dt>${idName()}</dt>
        <dd>${v.member.mydexid}</dd>
        <dt>Email address</dt>
        <dd>${v.member.email}</dd>
        <dt>Member since</dt>
        <dd>${time(v.member.createdAt)}</dd>
      </dl>
      <div class="card">
        <h2>Your data</h2>
        <p>
          Everything in your store is encrypted with your Private Key. Enter it to see or change your data, or to download a copy.
        </p>
        <p><a href="/me/data">See and change your data</a> · <a href="/me/export">Download all your data</a></p>
      </div>
      <div class="card">
        <h2>Connections</h2>
        <p>
          ${n === 0 ? 'No organisation is connected to your store.' : `${n} organisation${n === 1 ? ' is' : 's are'} connected to your store: ${v.connections.map((c) => c.subscriberName).join(', ')}.`}
        </p>
        <p><a href="/me/connections">See what each connection can do, or remove one</a></p>
      </div>
      <div class="card">
        <h2>Recent activity</h2>
        ${v.recent.length === 0 ? html`<p>Nothing has read or changed your data yet.</p>` : activityTable(v.catalogue, v.recent, 'Latest reads and changes')}
        <p><a href="/me/activity">See all activity</a></p>
      </div>`,
  });
}

export function connectionsPage(
  chrome: Chrome,
  v: { catalogue: Catalogue; connections: MemberConnection[]; notice?: string | undefined },
): SafeHtml {
  return page(chrome, {
    title: 'Connections',
    nav: 'connections',
    body: html`${notice(v.notice)}
      <h1>Connections</h1>
      <p>These organisations can use your data, as shown. Removing a connection stops their access straight away.</p>
      <p>
        Each time you agree to, update or remove a connection, we keep a signed receipt of exactly what you agreed to.
        <a href="/me/connections/receipts" download>Download your consent receipts</a> (a JSON file; anyone can check it with
        <code>openpdx receipt verify</code>).
      </p>
      ${v.connections.length > 0 && ACCESS_MODES}
      ${v.connections.length === 0 && html`<p class="panel">No organisation is connected to your store.</p>`}
      ${v.connections.map(
        (c) =>
          html`<section class="card" aria-labelledby="con-${c.nid}">
            <h2 id="con-${c.nid}">${c.subscriberName}</h2>
            <dl class="summary-list">
              <dt>Purpose</dt>
              <dd>${c.purpose || 'Not stated'}</dd>
              <dt>Connected since</dt>
              <dd>${time(c.since)}</dd>
              <dt>Last read your data</dt>
              <dd>${c.lastRead ? time(c.lastRead) : 'Not yet'}</dd>
              <dt>Last changed your data</dt>
              <dd>${c.lastChange ? time(c.lastChange) : 'Not yet'}</dd>
              <dt>Agreement</dt>
              <dd>Version ${c.dssaVersion}${c.connectionName !== c.subscriberName && html` of ${c.connectionName}`}</dd>
            </dl>
            <h3>What ${c.subscriberName} can do</h3>
            ${permissionSummary(v.catalogue, diffPermissions(undefined, c.permissions), `What ${c.subscriberName} can do`)}
            ${permissionDetails(v.catalogue, diffPermissions(undefined, c.permissions), false)}
            <p>
              <a class="button button--warning" href="/me/connections/${c.nid}/revoke"
                >Remove this connection<span class="visually-hidden"> to ${c.subscriberName}</span></a
              >
            </p>
          </section>`,
      )}`,
  });
}

export function revokePage(chrome: Chrome, v: { connection: MemberConnection; csrf: string }): SafeHtml {
  const c = v.connection;
  return page(chrome, {
    title: `Remove the connection to ${c.subscriberName}`,
    nav: 'connections',
    body: html`<h1>Remove the connection to ${c.subscriberName}?</h1>
      <div class="warning-text">
        <p>
          ${c.subscriberName} will no longer be able to read or change your data. They will be told the connection was removed. To
          connect again later, they must ask you again.
        </p>
      </div>
      <div class="button-row">
        <form method="post" action="/me/connections/${c.nid}/revoke">
          ${csrfField(v.csrf)} ${button('Yes, remove the connection', 'warning')}
        </form>
        <a class="button button--secondary" href="/me/connections">No, keep it</a>
      </div>`,
  });
}

export function activityPage(
  chrome: Chrome,
  v: { catalogue: Catalogue; entries: AccessLogEntry[]; page: number; hasNext: boolean },
): SafeHtml {
  return page(chrome, {
    title: v.page > 1 ? `Activity (page ${v.page})` : 'Activity',
    nav: 'activity',
    body: html`<h1>Activity</h1>
      <p>
        Every time you or a connected organisation read or changed your data, newest first. Times are
        ${timeZoneShown().replace(/_/g, ' ')} time.
      </p>
      ${v.entries.length === 0 ? html`<p class="panel">No activity ${v.page > 1 ? 'on this page' : 'yet'}.</p>` : activityTable(v.catalogue, v.entries, `Activity, page ${v.page}`)}
      <nav class="pagination" aria-label="Activity pages">
        ${v.page > 1 && html`<a href="/me/activity${v.page > 2 ? `?page=${v.page - 1}` : ''}" rel="prev">Newer</a>`}
        ${v.hasNext && html`<a href="/me/activity?page=${v.page + 1}" rel="next">Older</a>`}
      </nav>
      <h2>Keep a copy you can check</h2>
      <p>
        Your activity is kept as a chain in which every entry seals the one before it, and we sign the end of the chain at least
        once a minute. <a href="/me/activity/download" download>Download your whole activity log</a> (a JSON file, with the
        signatures). Anyone can check it with <code>openpdx log verify</code>: an entry removed, changed or moved since it was
        signed shows up. Keep earlier downloads: checking a new one against them shows changes made since.
      </p>`,
  });
}

/** Up to this many fields are listed in a row; more are summarised, the list a click away. */
const LISTED_FIELDS = 3;

/** The fields an entry touched: listed when few, else "N fields" with the list on demand. */
function fieldsOf(cat: Catalogue, e: AccessLogEntry): HtmlValue {
  if (e.fields.length === 0) return undefined;
  const labels = e.fields.map((f) => fieldLabel(cat, e.dataset, f)).join(', ');
  if (e.fields.length <= LISTED_FIELDS) return html`<br /><span class="muted">${labels}</span>`;
  return html`<details class="muted">
    <summary>${e.fields.length} fields</summary>
    ${labels}
  </details>`;
}

/** The log names datasets and fields, never values (PV-07); labels come from the catalogue. */
function activityTable(cat: Catalogue, entries: AccessLogEntry[], caption: string): SafeHtml {
  return dataTable(
    caption,
    ['When', 'Who', 'What', 'Read or change'],
    entries.map((e) => [
      time(e.at),
      e.subscriberName,
      html`${datasetTitle(cat, e.dataset)}${fieldsOf(cat, e)}`,
      actionText(e.action),
    ]),
  );
}

function actionText(action: string): string {
  if (action === 'read') return 'Read';
  if (action === 'write') return 'Change';
  if (action === 'delete') return 'Delete';
  return action;
}

export function accountPage(chrome: Chrome, v: { notice?: string | undefined }): SafeHtml {
  return page(chrome, {
    title: 'Account',
    nav: 'account',
    body: html`${notice(v.notice)}
      <h1>Account</h1>
      <ul>
        <li><a href="/me/password">Change your password</a></li>
        <li><a href="/me/private-key">Change your Private Key</a></li>
        <li><a href="/me/export">Download all your data</a></li>
        <li><a href="/me/delete">Delete your Personal Data Store</a></li>
      </ul>`,
  });
}
