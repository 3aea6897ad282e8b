/**
 * Load scenarios and the autocannon runner. Latencies are taken per response (sub-millisecond,
 * not autocannon's whole-millisecond histogram) and req/s is responses over the time from the
 * first request to the last response. Any error, timeout, body mismatch or non-2xx answer fails.
 */
import type { CpuCost, CpuProbe } from './cpu-usage.ts';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { SandboxCredentials } from '../src/admin/seed.ts';
import { killAll } from './children.ts';

export interface LoadSpec {
  key: string;
  label: string;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  verifyBody?: (body: string) => boolean;
  /**
   * Rows each acknowledged request wrote. Write scenarios run fixed request counts (sized from
   * the observed rate to last about the measured duration) so that no request is in flight when
   * the load stops: the durability count is then exact.
   */
  rowsPerRequest?: number;
  warmupAmount?: number;
  /** changes each request before it is sent (a fresh single-use JWT per request) */
  setupRequest?: (req: { headers?: Record<string, string>; body?: string }) => {
    headers?: Record<string, string>;
    body?: string;
  };
}

export interface Measurement {
  spec: LoadSpec;
  rps: number;
  p50: number;
  p99: number;
  responses: number;
  seconds: number;
  /** rows acknowledged (2xx × rowsPerRequest), warm-up included */
  rowsAcknowledged: number;
  /** the CPU the measured stretch cost, where a probe watched it (OpenPDX's scenarios) */
  cpu?: CpuCost | undefined;
}

interface Raw {
  responses: number;
  ok: number;
  seconds: number;
  latencies: number[];
  /** responses per second over the second half of the run (past most of the JIT warm-up) */
  lateRate: number;
}

export class LoadError extends Error {}

/**
 * Runs a benchmark's main and exits with its code; on a throw, prints why (with the stack unless
 * it is a LoadError: a server that answered wrongly), kills every child and exits 1.
 */
export function runBenchmark(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`\nBENCHMARK FAILED: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof Error && !(err instanceof LoadError) && err.stack) console.error(err.stack);
      killAll();
      process.exit(1);
    },
  );
}

function cannon(spec: LoadSpec, limit: { duration: number } | { amount: number }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let ok = 0;
    let last = 0;
    const started = performance.now();
    let half = started;
    const halfway = 'amount' in limit ? Math.floor(limit.amount / 2) : -1;
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        connections: spec.connections,
        pipelining: 1,
        timeout: 10,
        verifyBody: spec.verifyBody,
        ...(spec.setupRequest
          ? {
              requests: [
                {
                  method: spec.method,
                  path: new URL(spec.url).pathname,
                  ...(spec.headers ? { headers: spec.headers } : {}),
                  ...(spec.body !== undefined ? { body: spec.body } : {}),
                  setupRequest: spec.setupRequest,
                },
              ],
            }
          : {}),
        ...limit,
      },
      (err, result) => {
        if (err) return reject(err);
        const bad = result.errors + result.timeouts + result.mismatches + result.non2xx;
        if (bad > 0) {
          const codes = Object.entries(result.statusCodeStats)
            .map(([code, { count }]) => `${code}×${count}`)
            .join(', ');
          return reject(
            new LoadError(
              `${spec.label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts, ` +
                `${result.mismatches} unexpected bodies (status codes: ${codes})`,
            ),
          );
        }
        const n = latencies.length;
        const lateRate = halfway > 0 && last > half ? ((n - halfway) * 1000) / (last - half) : (n * 1000) / (last - started);
        resolve({ responses: n, ok, seconds: (last - started) / 1000, latencies, lateRate });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
      if (status >= 200 && status < 300) ok++;
      last = performance.now();
      if (latencies.length === halfway) half = last;
    });
  });
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A warm-up (discarded, except for the rows it wrote) and then the measured run. */
export async function measure(
  spec: LoadSpec,
  o: { warmupSeconds: number; seconds: number; probe?: CpuProbe | undefined },
): Promise<Measurement> {
  let main: Raw;
  let rows = 0;
  if (spec.rowsPerRequest !== undefined) {
    const warm = await cannon(spec, { amount: spec.warmupAmount ?? spec.connections * 10 });
    rows += warm.ok * spec.rowsPerRequest;
    o.probe?.start();
    // Fixed-count chunks of about a second each, sized from the last observed rate, until the
    // measured time is reached: each chunk drains completely, and a bad estimate costs one chunk.
    main = { responses: 0, ok: 0, seconds: 0, latencies: [], lateRate: warm.lateRate };
    while (main.seconds < o.seconds * 0.95) {
      const chunkSeconds = Math.min(1, o.seconds - main.seconds);
      const chunk = await cannon(spec, { amount: Math.max(spec.connections * 2, Math.round(main.lateRate * chunkSeconds)) });
      main.responses += chunk.responses;
      main.ok += chunk.ok;
      main.seconds += chunk.seconds;
      for (const ms of chunk.latencies) main.latencies.push(ms);
      main.lateRate = chunk.responses / chunk.seconds;
    }
    rows += main.ok * spec.rowsPerRequest;
  } else {
    await cannon(spec, { duration: o.warmupSeconds });
    o.probe?.start();
    main = await cannon(spec, { duration: o.seconds });
  }
  const cpu = o.probe?.stop(main.responses, main.seconds);
  const sorted = Float64Array.from(main.latencies).sort();
  return {
    spec,
    rps: main.responses / main.seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    responses: main.responses,
    seconds: main.seconds,
    rowsAcknowledged: rows,
    cpu,
  };
}

export const CONNECTIONS = { read: 20, write: 10 } as const;
export const REFERRALS = 'ds_referrals';

export function basicAuth(id: string, secret: string): string {
  // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export function tokenSpec(key: string, label: string, url: string, id: string, secret: string, scope: string): LoadSpec {
  return {
    key,
    label,
    url,
    method: 'POST',
    headers: { authorization: basicAuth(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    connections: CONNECTIONS.read,
    verifyBody: (b) => b.includes('"access_token":"ey'),
  };
}

export function referralRow(i: number): Record<string, string | number> {
  return {
    contact_name: `Bench Contact ${i}`,
    duration: 30 + (i % 60),
    status: i % 2 ? 'open' : 'closed',
    start_time: 1_700_000_000 + i,
    memo: 'benchmark row',
  };
}

export function referralBatch(n: number): string {
  return JSON.stringify({ [REFERRALS]: Array.from({ length: n }, (_, i) => referralRow(i)) });
}

export interface PdxTarget {
  base: string;
  creds: SandboxCredentials;
  accessToken: string;
}

export function memberQuery(t: PdxTarget, extra: Record<string, string>): string {
  const m = t.creds.members[0]!;
  return new URLSearchParams({ key: m.key, con_id: m.con_id, source_type: 'connection', ...extra }).toString();
}

/** Every OpenPDX scenario, in run order (reads before writes, so the 100-row read sees the seeded rows only). */
export function openPdxSpecs(t: PdxTarget): LoadSpec[] {
  const uid = t.creds.members[0]!.uid;
  const bearer = { authorization: `Bearer ${t.accessToken}` };
  const json = { ...bearer, 'content-type': 'application/json' };
  const { client_id, client_secret, scope } = t.creds.client;
  const rowsUrl = `${t.base}/api/pds/transaction?${memberQuery(t, { uid: String(uid), dataset: REFERRALS })}`;
  return [
    tokenSpec('token', 'OpenPDX token issuance', `${t.base}/oauth2/token`, client_id, client_secret, scope),
    {
      key: 'metadata-read',
      label: 'OpenPDX metadata read',
      url: `${t.base}/api/pds/pds/${uid}.json?${memberQuery(t, { dataset: 'ds_personal_details', instance: '0' })}`,
      method: 'GET',
      headers: bearer,
      connections: CONNECTIONS.read,
      verifyBody: (b) => b.includes('"field_personal_fname":{"value":"Ada"'),
    },
    {
      key: 'tx-read',
      label: 'OpenPDX transactional read, 100 rows',
      url: `${t.base}/api/pds/transaction/${uid}.json?${memberQuery(t, { dataset: REFERRALS, limit: '100' })}`,
      method: 'GET',
      headers: bearer,
      connections: CONNECTIONS.read,
      verifyBody: (b) => b.includes('"contact_name":"Bench Contact 99"'),
    },
    {
      key: 'tx-write',
      label: 'OpenPDX single transactional write',
      url: rowsUrl,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ [REFERRALS]: referralRow(0) }),
      connections: CONNECTIONS.write,
      verifyBody: (b) => b.startsWith('{"success":1,"last_insert_id":'),
      rowsPerRequest: 1,
      warmupAmount: 200,
    },
    {
      key: 'batch-write',
      label: 'OpenPDX batch write, 100 rows',
      url: rowsUrl,
      method: 'POST',
      headers: json,
      body: referralBatch(100),
      connections: CONNECTIONS.write,
      verifyBody: (b) => b.startsWith('{"success":1,') && b.includes('"insert_ids":['),
      rowsPerRequest: 100,
      warmupAmount: 30,
    },
  ];
}
