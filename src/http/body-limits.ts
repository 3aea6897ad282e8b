/**
 * The most a request body may hold, per route family (docs/security.md, "Request bodies"). Fastify
 * refuses a larger Content-Length before reading anything, and stops reading a body that grows
 * past the limit while it streams; either way the answer is a 413 in the route's own format.
 * Routes that check a bearer token do so in onRequest, before any of the body is read.
 */
const KiB = 1024;
const MiB = 1024 * KiB;

export const BODY_LIMITS = {
  /** dataset writes: a batch of up to MAX_BATCH rows, a blob field of up to 1 MiB */
  datasetWrite: 8 * MiB,
  /** feature blocks, IDaaS, link requests, templates: one record or message at a time */
  api: 1 * MiB,
  /** the member pages' forms: one dataset instance at most */
  memberForm: 256 * KiB,
  /** the sandbox's callback receiver: a callback or change notification */
  devCallback: 256 * KiB,
  /** OAuth endpoints: a handful of form parameters (RFC 6749 §3.2) */
  oauth: 16 * KiB,
  /** anything else */
  other: 64 * KiB,
} as const;

const MEMBER_PAGES = ['/ftc/begin', '/register', '/login', '/logout', '/me'];
const API_PREFIXES = [
  '/api/',
  '/calendar',
  '/referrals',
  '/secure-messages',
  '/timeline',
  '/ftc/setup',
  '/identify',
  '/members/',
];

/** The limit of a route, from its URL pattern. */
export function bodyLimitFor(url: string): number {
  if (url.startsWith('/api/pds/pds/') || url.startsWith('/api/pds/transaction')) return BODY_LIMITS.datasetWrite;
  if (url.startsWith('/oauth2/')) return BODY_LIMITS.oauth;
  if (url.startsWith('/dev/callback')) return BODY_LIMITS.devCallback;
  if (MEMBER_PAGES.some((p) => url === p || url.startsWith(`${p}/`))) return BODY_LIMITS.memberForm;
  if (API_PREFIXES.some((p) => url.startsWith(p))) return BODY_LIMITS.api;
  return BODY_LIMITS.other;
}
