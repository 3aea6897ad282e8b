/**
 * Where to go after login or registration. Only same-site paths of the member app are allowed,
 * so `next` can never become an open redirect (ASVS 3.7.2, BCP-05): no scheme, no host, no
 * `//` or `\` tricks, no dot segments, nothing outside /me, the one-time link pages and the
 * sign-in pages of an app a member signs in to with their MydexID (`/oauth2/interaction/…`).
 */
const ALLOWED =
  /^\/(me(\/[A-Za-z0-9/_-]*)?|ftc\/begin\/[A-Za-z0-9/_-]+|oauth2\/interaction\/[A-Za-z0-9_-]+)(\?[A-Za-z0-9=&_%.-]*)?$/;

export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 600) return undefined;
  if (!ALLOWED.test(next) || next.includes('//')) return undefined;
  return next;
}
