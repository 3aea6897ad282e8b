/** Following a browser through OpenPDX's sign-in: redirects, and the pages that move on by themselves (meta refresh). */
import type { LightMyRequestResponse } from 'fastify';
import type { FormClient } from '../web/helpers.ts';

const ISSUER = 'http://localhost:8080';

/** Where `res` sends the browser next: its Location, or a page's `<meta http-equiv="refresh">` URL. */
function nextOf(res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 300 && res.statusCode < 400) return String(res.headers.location);
  const refresh = /<meta http-equiv="refresh" content="0; url=([^"]+)"/.exec(res.body);
  return refresh ? refresh[1]!.replace(/&amp;/g, '&') : undefined;
}

/**
 * Follows `res` inside OpenPDX until the browser leaves for a URL starting with `leaveAt` (the
 * app's redirect URI) or a page stays put.
 */
export async function follow(
  browser: FormClient,
  res: LightMyRequestResponse,
  leaveAt: string,
): Promise<{ res: LightMyRequestResponse; leftTo: URL | undefined }> {
  for (let i = 0; i < 12; i++) {
    const next = nextOf(res);
    if (next === undefined) break;
    if (next.startsWith(leaveAt)) return { res, leftTo: new URL(next) };
    res = await browser.get(next.startsWith(ISSUER) ? next.slice(ISSUER.length) : next);
  }
  return { res, leftTo: undefined };
}
