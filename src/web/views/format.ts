/** Small presentation helpers: times in the member's zone, lock-out messages, tables. */
import { html, type HtmlValue, type SafeHtml } from '../html.ts';

const formatIn = (timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'short',
  });

/** The zone every member page shows times in: one per server (OPENPDX_TIMEZONE), set at start. */
let clock = formatIn('Europe/London');
let zoneName = 'Europe/London';

export function showTimesIn(timeZone: string): void {
  clock = formatIn(timeZone);
  zoneName = timeZone;
}

/** The zone's name, for a page that says which zone its times are in. */
export function timeZoneShown(): string {
  return zoneName;
}

/** Unix seconds as "5 Dec 2026, 16:15 GMT", in the server's member time zone. */
function when(seconds: number): string {
  return clock.format(new Date(seconds * 1000));
}

/** A <time> element: machine-readable ISO 8601, readable text in the member's zone. */
export function time(seconds: number): SafeHtml {
  return html`<time datetime="${new Date(seconds * 1000).toISOString()}">${when(seconds)}</time>`;
}

export function lockedMessage(
  what:
    | 'Signing in'
    | 'Entering your Private Key'
    | 'Creating accounts from this network'
    | 'Asking for codes from this network'
    | 'Entering codes',
  until: number,
): string {
  return `Too many attempts. For your security, ${what.charAt(0).toLowerCase()}${what.slice(1)} is paused until ${when(until)}. Try again after that.`;
}

/**
 * A table of the member's things, its caption for screen readers; a header of '' is a hidden
 * "Action". On a phone each row stacks, every cell labelled with its column (`data-label`).
 */
export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly HtmlValue[])[]): SafeHtml {
  return html`<div class="table-wrap">
    <table class="stack">
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
              ${cells.map((c, i) => html`<td data-label="${headers[i] ?? ''}">${c}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
