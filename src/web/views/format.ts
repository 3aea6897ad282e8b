/** Small presentation helpers: dates in UTC, lock-out messages. */
import { html, type SafeHtml } from '../html.ts';

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
