/**
 * The most a request body may hold (docs/security.md, "Request bodies"): each route family's
 * (src/http/route-family.ts) unless a route sets its own, as the dataset routes do. Fastify
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
