/** Small presentation helpers: dates in UTC, lock-out messages, tables. */
import { html, type HtmlValue, type SafeHtml } from '../html.ts';

/** Unix seconds as "2025-03-01 14:05 UTC". */
function utc(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A <time> element: machine-readable ISO 8601, readable UTC text. */
export function time(seconds: number): SafeHtml {
  return html`<time datetime="${new Date(seconds * 1000).toISOString()}">${utc(seconds)}</time>`;
}

export function lockedMessage(
  what: 'Signing in' | 'Entering your Private Key' | 'Creating accounts from this network',
  until: number,
): string {
  return `Too many attempts. For your security, ${what.charAt(0).toLowerCase()}${what.slice(1)} is paused until ${utc(until)}. Try again after that.`;
}

/** A table of the member's things, its caption for screen readers; a header of '' is a hidden "Action". */
export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly HtmlValue[])[]): SafeHtml {
  return html`<div class="table-wrap">
    <table>
      <caption class="visually-hidden">
        ${caption}
      </caption>
      <thead>
        <tr>
          ${headers.map((h) => html`<th scope="col">${h === '' ? html`<span class="visually-hidden">Action</span>` : h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (cells) =>
            html`<tr>
              ${cells.map((c) => html`<td>${c}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
