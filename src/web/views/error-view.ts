/**
 * The page for an error that no route answered itself (an address that does not exist, a request
 * refused before any route ran, an internal failure), in the member app's own layout. The server's
 * error handler renders it for every HTML path (src/http/error-presenters.ts).
 */
import { CSS_HREF } from '../assets.ts';
import { html } from '../html.ts';
import { page } from './layout.ts';

export function errorPage(sandbox: boolean, status: number, message: string, detail: string | undefined): string {
  return page(
    { sandbox, cssHref: CSS_HREF },
    {
      title: message,
      body: html`<h1>${message}</h1>
        ${detail && html`<p>${detail}</p>`}
        <p class="muted">Error ${status}.</p>
        <p><a href="/me">Go to your Personal Data Store</a></p>`,
    },
  ).value;
}
