import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Every setting OpenPDX reads from the environment. Each entry carries its own description so that
 * `openpdx config docs` (and docs/configuration.md) are generated from this one schema.
 */
const settings = {
  OPENPDX_PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('TCP port the HTTP server listens on.'),
  OPENPDX_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe(
      'Interface to bind; use 0.0.0.0 behind a load balancer. A sandbox binds only to loopback unless OPENPDX_SANDBOX_EXPOSE=true.',
    ),
  OPENPDX_SANDBOX_EXPOSE: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      'Sandbox only: allow OPENPDX_HOST to be a non-loopback interface. The sandbox shows member keys, one-time links and messages at /dev/* without authentication, so anyone who can reach it can read them.',
    ),
  OPENPDX_PUBLIC_URL: z
    .url()
    .optional()
    .describe('Public base URL (issuer, one-time links). Default http://localhost:<port>. Required in live.'),
  OPENPDX_DATABASE_URL: z
    .string()
    .min(1)
    .default('./data/openpdx.sqlite')
    .describe('A file path or sqlite: URL (embedded SQLite) or a postgres:// URL.'),
  OPENPDX_ENV: z.enum(['sandbox', 'live']).default('sandbox').describe('sandbox seeds demo data; live refuses defaults.'),
  OPENPDX_MASTER_KEY: z
    .string()
    .optional()
    .describe(
      'Operator master key as "<kid>:<base64 of 32 bytes>", several separated by commas (first encrypts). Generated into the data folder in sandbox; required in live.',
    ),
  OPENPDX_DATA_DIR: z.string().min(1).default('./data').describe('Folder for the sandbox master key and credentials file.'),
  OPENPDX_TRUST_PROXY: z
    .string()
    .regex(/^(|false|true|\d{1,2}|[0-9a-fA-F.:/,\s]+)$/, 'must be false, true, a hop count or a comma list of addresses/CIDRs')
    .default('false')
    .describe(
      'Which proxies may set X-Forwarded-For/-Proto: `false` (default: the socket peer is the client), a hop count, or the load balancer addresses/CIDRs (comma list). `true` trusts any hop: only behind a proxy that overwrites the header.',
    ),
  OPENPDX_REQUIRE_HTTPS: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      'Refuse requests that did not arrive over HTTPS, as told by the trusted proxy (`X-Forwarded-Proto`). Default `true` in live, `false` in sandbox.',
    ),
  OPENPDX_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  OPENPDX_TIMEZONE: z
    .string()
    .default('Europe/London')
    .refine(isTimeZone, 'must be an IANA time zone, such as Europe/London or America/New_York')
    .describe('The time zone the member web app shows times in (an IANA name such as Europe/London).'),
  OPENPDX_TOKEN_TTL: z.coerce.number().int().min(60).max(86400).default(3600).describe('Access token lifetime in seconds.'),
  OPENPDX_SAT_TTL: z.coerce.number().int().min(10).max(3600).default(300).describe('Short access token lifetime in seconds.'),
  OPENPDX_LINK_TTL: z.coerce
    .number()
    .int()
    .min(60)
    .max(2592000)
    .default(86400)
    .describe('Lifetime in seconds of the one-time registration, connection and update links.'),
  OPENPDX_KEY_CACHE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(5000)
    .default(900)
    .describe(
      "How long, in milliseconds, data keys that a verified member key unwrapped stay in this process's memory for the next calls (zero-filled afterwards; never stored). 0 unwraps on every call.",
    ),
  OPENPDX_SESSION_IDLE_TIMEOUT: z.coerce
    .number()
    .int()
    .min(60)
    .max(86400)
    .default(1800)
    .describe('Member web app: a session ends after this many seconds without a request.'),
  OPENPDX_UNLOCK_IDLE_TIMEOUT: z.coerce
    .number()
    .int()
    .min(60)
    .max(3600)
    .default(300)
    .describe(
      "Member web app: after the Private Key is entered, 'My data' stays unlocked for this many seconds without use (the data keys held on the server, sealed under the session id).",
    ),
  OPENPDX_SESSION_MAX_AGE: z.coerce
    .number()
    .int()
    .min(300)
    .max(604800)
    .default(43200)
    .describe('Member web app: a session ends this many seconds after login, however active.'),
  OPENPDX_TOKEN_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('Failed client authentications per client id (or address) per minute before 429.'),
  OPENPDX_DPOP_NONCE: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      'DPoP (RFC 9449): require a server nonce in every proof (`use_dpop_nonce`, with the nonce in `DPoP-Nonce`), which stops proofs made in advance. Nonces last 5 minutes and every process accepts them.',
    ),
  OPENPDX_PG_PREPARED_STATEMENTS: z
    .enum(['true', 'false'])
    .default('true')
    .describe(
      'PostgreSQL: send the hottest queries as named prepared statements, parsed and planned once per connection instead of on every call. Set `false` behind a pooler in transaction mode that does not carry prepared statements across its server connections (PgBouncer before 1.21, or with `max_prepared_statements = 0`).',
    ),
  OPENPDX_ARGON2_MEMORY_KIB: z.coerce
    .number()
    .int()
    .min(19456, 'below the OWASP floor of 19 MiB')
    .default(19456)
    .describe('Argon2id memory cost in KiB for passwords and Private Keys (floor 19456).'),
  OPENPDX_ARGON2_TIME: z.coerce
    .number()
    .int()
    .min(2, 'below the OWASP floor of 2')
    .default(2)
    .describe('Argon2id passes (floor 2).'),
  OPENPDX_WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)], {
      error: 'must be a number of processes from 1 to 64, or auto',
    })
    .default(1)
    .describe(
      '`openpdx start` serves from this many processes on one port (node:cluster); `auto` = one per CPU core. Each process keeps its own caches and rate-limit windows.',
    ),
  OPENPDX_SHUTDOWN_TIMEOUT: z.coerce
    .number()
    .int()
    .min(1)
    .max(600)
    .default(10)
    .describe(
      'Seconds a stopping process (SIGTERM, SIGINT) waits for in-flight requests before it closes the connections left; a cluster primary kills a worker still running 5 s later.',
    ),
  OPENPDX_MAX_ROWS_SCANNED: z.coerce
    .number()
    .int()
    .min(100)
    .max(10_000_000)
    .default(20_000)
    .describe(
      'The most transactional rows one read may decrypt to find its answer. Pages in id or time order, reads by id and equality (=, IN) filters reach only rows they may return; range and LIKE filters and sorts on a data field decrypt every row they consider. A read that would decrypt more answers 400 "Read too broad" and says how to narrow it.',
    ),
  OPENPDX_SEED: z
    .enum(['auto', 'off'])
    .default('auto')
    .describe('In sandbox, `auto` seeds the demo organisation, connection, client and members once.'),
  OPENPDX_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
    .optional()
    .describe(
      'Live: SMTP server for platform email, `smtp(s)://user:pass@host:port`. Unset in live: email is marked failed (a warning is logged at start). Sandbox never sends; messages show at /dev/outbox.',
    ),
  OPENPDX_MAIL_FROM: z
    .string()
    .min(3)
    .optional()
    .describe('Live: From address of platform email. Default `no-reply@<host of OPENPDX_PUBLIC_URL>`.'),
  OPENPDX_SMS_URL: z
    .url()
    .optional()
    .describe(
      'Live: HTTP SMS provider that receives POST JSON `{"to","body"}`. Unset in live: SMS is marked failed (a warning is logged at start).',
    ),
  OPENPDX_SMS_TOKEN: z.string().optional().describe('Live: bearer token sent to OPENPDX_SMS_URL.'),
  OPENPDX_SERVICE_NAME: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .default('OpenPDX')
    .describe("The service's name, as members see it in the web app, page titles and emails."),
  OPENPDX_ID_NAME: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .default('MydexID')
    .describe("What members' sign-in identifier is called in the web app and emails (the API's field names do not change)."),
  OPENPDX_LOGO_FILE: z
    .string()
    .optional()
    .describe(
      'A PNG, SVG, JPEG or WebP file (at most 256 KiB) shown beside the service name in the header; served from this server.',
    ),
  OPENPDX_PRIVACY_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe("Link to the operator's privacy notice, in the footer of every member page."),
  OPENPDX_SUPPORT_URL: z
    .url({ protocol: /^(https?|mailto)$/ })
    .optional()
    .describe("Link to the operator's support (a web page or a mailto: address), in the footer of every member page."),
  OPENPDX_METRICS_TOKEN: z
    .string()
    .min(32, 'OPENPDX_METRICS_TOKEN must be at least 32 characters (openssl rand -hex 32 makes one)')
    .optional()
    .describe(
      'Bearer token Prometheus sends to scrape /metrics (`Authorization: Bearer <token>`). Without it /metrics is open in a sandbox and off (404) in live.',
    ),
} as const;

const schema = z.object(settings);

export interface Branding {
  serviceName: string;
  idName: string;
  logoFile: string | undefined;
  privacyUrl: string | undefined;
  supportUrl: string | undefined;
}

export interface Config {
  port: number;
  host: string;
  /** sandbox on a non-loopback interface, by the operator's explicit choice */
  sandboxExposed: boolean;
  publicUrl: string;
  issuer: string;
  databaseUrl: string;
  env: 'sandbox' | 'live';
  masterKey: string | undefined;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** refuse plain-HTTP requests (OA-23) */
  requireHttps: boolean;
  /** Fastify trustProxy: false, true, a hop count or a list of addresses/CIDRs (BCP-04) */
  trustProxy: boolean | number | string[];
  /** OPENPDX_TIMEZONE: the member web app's times are shown in this zone */
  timeZone: string;
  tokenTtl: number;
  satTtl: number;
  /** one-time link lifetime in seconds */
  linkTtl: number;
  /** ms a verified member key's unwrapped data keys stay in memory (0: off) */
  keyCacheMs: number;
  tokenRateLimit: number;
  /** DPoP proofs must carry a server nonce (OPENPDX_DPOP_NONCE) */
  dpopNonce: boolean;
  /** PostgreSQL: prepared queries as named statements (OPENPDX_PG_PREPARED_STATEMENTS) */
  pgPreparedStatements: boolean;
  /** member web app session timeouts in seconds (ASVS 7.3.1/7.3.2) */
  memberSession: { idleSeconds: number; absoluteSeconds: number; unlockIdleSeconds: number };
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  seed: 'auto' | 'off';
  /** processes `openpdx start` serves from */
  workers: number;
  /** the bearer token /metrics asks for; undefined: open in a sandbox, off in live */
  metricsToken: string | undefined;
  /** how long a stop waits for in-flight requests, in ms */
  shutdownTimeoutMs: number;
  /** OPENPDX_MAX_ROWS_SCANNED */
  maxRowsScanned: number;
  /** platform email and SMS (live only; the sandbox keeps messages at /dev/outbox) */
  messaging: { smtpUrl: string | undefined; mailFrom: string; smsUrl: string | undefined; smsToken: string | undefined };
  /** what the operator calls the service and the member's identifier, and their logo and links */
  branding: Branding;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(Object.keys(settings).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.OPENPDX_ENV === 'live') {
    if (!e.OPENPDX_MASTER_KEY) {
      problems.push('OPENPDX_MASTER_KEY: required in live; make one with `openpdx config master-key` and keep it secret');
    }
    if (!e.OPENPDX_PUBLIC_URL) problems.push('OPENPDX_PUBLIC_URL: required in live');
    else if (!e.OPENPDX_PUBLIC_URL.startsWith('https://')) problems.push('OPENPDX_PUBLIC_URL: must be https in live');
    // OpenPDX serves plain HTTP; live must sit behind a TLS-terminating proxy it can trust (OA-23).
    if (e.OPENPDX_REQUIRE_HTTPS !== 'false' && parseTrustProxy(e.OPENPDX_TRUST_PROXY) === false) {
      problems.push('OPENPDX_TRUST_PROXY: live runs behind a TLS-terminating proxy; name its address(es) or hop count');
    }
  }
  if (e.OPENPDX_ENV === 'sandbox' && !isLoopback(e.OPENPDX_HOST) && e.OPENPDX_SANDBOX_EXPOSE !== 'true') {
    problems.push(
      `OPENPDX_HOST: a sandbox binds only to loopback (127.0.0.1, ::1 or localhost), since /dev/outbox and /dev/callbacks show member keys without authentication; set OPENPDX_SANDBOX_EXPOSE=true to serve ${e.OPENPDX_HOST} anyway`,
    );
  }
  if (e.OPENPDX_MASTER_KEY) {
    for (const part of e.OPENPDX_MASTER_KEY.split(',')) {
      const [kid, b64] = part.split(':');
      if (!kid || !b64 || Buffer.from(b64, 'base64').length !== 32) {
        problems.push('OPENPDX_MASTER_KEY: each entry must be "<kid>:<base64 of 32 bytes>"');
        break;
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const publicUrl = (e.OPENPDX_PUBLIC_URL ?? `http://localhost:${e.OPENPDX_PORT}`).replace(/\/+$/, '');
  return {
    port: e.OPENPDX_PORT,
    host: e.OPENPDX_HOST,
    sandboxExposed: e.OPENPDX_ENV === 'sandbox' && !isLoopback(e.OPENPDX_HOST),
    publicUrl,
    issuer: publicUrl,
    databaseUrl: e.OPENPDX_DATABASE_URL,
    env: e.OPENPDX_ENV,
    masterKey: e.OPENPDX_MASTER_KEY,
    dataDir: e.OPENPDX_DATA_DIR,
    logLevel: e.OPENPDX_LOG_LEVEL,
    timeZone: e.OPENPDX_TIMEZONE,
    trustProxy: parseTrustProxy(e.OPENPDX_TRUST_PROXY),
    requireHttps: e.OPENPDX_REQUIRE_HTTPS ? e.OPENPDX_REQUIRE_HTTPS === 'true' : e.OPENPDX_ENV === 'live',
    tokenTtl: e.OPENPDX_TOKEN_TTL,
    satTtl: e.OPENPDX_SAT_TTL,
    linkTtl: e.OPENPDX_LINK_TTL,
    keyCacheMs: e.OPENPDX_KEY_CACHE_MS,
    tokenRateLimit: e.OPENPDX_TOKEN_RATE_LIMIT,
    dpopNonce: e.OPENPDX_DPOP_NONCE === 'true',
    pgPreparedStatements: e.OPENPDX_PG_PREPARED_STATEMENTS === 'true',
    memberSession: {
      idleSeconds: e.OPENPDX_SESSION_IDLE_TIMEOUT,
      absoluteSeconds: e.OPENPDX_SESSION_MAX_AGE,
      unlockIdleSeconds: e.OPENPDX_UNLOCK_IDLE_TIMEOUT,
    },
    argon2: { memoryCost: e.OPENPDX_ARGON2_MEMORY_KIB, timeCost: e.OPENPDX_ARGON2_TIME, parallelism: 1 },
    seed: e.OPENPDX_SEED,
    metricsToken: e.OPENPDX_METRICS_TOKEN,
    workers: e.OPENPDX_WORKERS === 'auto' ? availableParallelism() : e.OPENPDX_WORKERS,
    shutdownTimeoutMs: e.OPENPDX_SHUTDOWN_TIMEOUT * 1000,
    maxRowsScanned: e.OPENPDX_MAX_ROWS_SCANNED,
    messaging: {
      smtpUrl: e.OPENPDX_SMTP_URL,
      mailFrom: e.OPENPDX_MAIL_FROM ?? `no-reply@${new URL(publicUrl).hostname}`,
      smsUrl: e.OPENPDX_SMS_URL,
      smsToken: e.OPENPDX_SMS_TOKEN,
    },
    branding: {
      serviceName: e.OPENPDX_SERVICE_NAME,
      idName: e.OPENPDX_ID_NAME,
      logoFile: e.OPENPDX_LOGO_FILE,
      privacyUrl: e.OPENPDX_PRIVACY_URL,
      supportUrl: e.OPENPDX_SUPPORT_URL,
    },
  };
}

/** An interface that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function parseTrustProxy(v: string): boolean | number | string[] {
  const s = v.trim();
  if (s === '' || s === 'false') return false;
  if (s === 'true') return true;
  if (/^\d+$/.test(s)) return Number(s);
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Markdown reference of every setting, generated from the schema above. */
export function configDocs(): string {
  const rows = Object.entries(settings).map(([name, s]) => {
    const def = (s as z.ZodType).safeParse(undefined);
    const shown = def.success && def.data !== undefined ? `\`${String(def.data)}\`` : '—';
    return `| \`${name}\` | ${shown} | ${(s as z.ZodType).description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}
