/**
 * `npm run bench`: the ceiling (bare node:http), the peer (node-oidc-provider) and OpenPDX, each in
 * its own child process, one after the other, loaded with autocannon from this process.
 *
 * Environment: OPENPDX_BENCH_DATABASE_URL=postgres://… runs OpenPDX on PostgreSQL (a throwaway
 * schema); BENCH_SECONDS (default 5) and BENCH_WARMUP_SECONDS (default 1); BENCH_ONLY=token,tx-read,…
 * restricts the OpenPDX scenarios; BENCH_CPU_PROF=1 profiles the OpenPDX child and prints its top
 * self-time functions (the profile is kept in the printed folder); BENCH_PROCESSES (default: the
 * machine's cores, 1 turns it off) adds a second table in which the ceiling, the peer and OpenPDX
 * (`--workers N`) each serve from that many processes.
 *
 * Exit code: 0 when every request succeeded and every acknowledged row was stored (a missed speed
 * target is reported, not fatal); 1 on any error; 2 on a durability mismatch.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstMessage, forkScript, killAll, stop } from './children.ts';
import { topSelfTime } from './profile.ts';
import { currentLoad, renderReport, saveReport, type Target } from './report.ts';
import {
  CONNECTIONS,
  LoadError,
  REFERRALS,
  measure,
  memberQuery,
  openPdxSpecs,
  referralBatch,
  tokenSpec,
  type LoadSpec,
  type Measurement,
  type PdxTarget,
} from './scenarios.ts';
import type { PeerInfo } from './servers/peer.ts';
import { startOpenPdx, type OpenPdx } from './servers/openpdx.ts';

const timing = {
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 1),
  seconds: Number(process.env.BENCH_SECONDS ?? 5),
};
const only = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const postgresUrl = process.env.OPENPDX_BENCH_DATABASE_URL || undefined;
const profiling = process.env.BENCH_CPU_PROF === '1';
const SEED_ROWS = 100;
const processes = Number(process.env.BENCH_PROCESSES ?? availableParallelism());
/** The scenarios of the multi-process table (the writes and the durability count are single-process). */
const MULTI_KEYS = ['token', 'metadata-read'];

/** The scratch folder (sandbox secrets, master key, database); removed on every way out but SIGKILL. */
let scratch: string | undefined;

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the benchmark servers`);
    killAll();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  });
}

function log(msg: string): void {
  console.log(`[bench] ${msg}`);
}

function summary(m: Measurement): string {
  return `${m.spec.label}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms (${m.responses} requests in ${m.seconds.toFixed(2)} s)`;
}

async function run(spec: LoadSpec): Promise<Measurement> {
  const m = await measure(spec, timing);
  log(summary(m));
  return m;
}

async function request(url: string, init: RequestInit, what: string): Promise<string> {
  const res = await fetch(url, init);
  const body = await res.text();
  if (!res.ok) throw new LoadError(`${what}: HTTP ${res.status} ${body.slice(0, 300)}`);
  return body;
}

/** "jwt (ES256, typ at+jwt)" or "opaque", read from an issued token. */
function tokenFormat(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'opaque';
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as { alg?: string; typ?: string };
  return `jwt (${header.alg}, typ ${header.typ})`;
}

async function issue(spec: LoadSpec, what: string): Promise<{ token: string; format: string }> {
  const body = await request(spec.url, { method: 'POST', headers: spec.headers, body: spec.body }, what);
  const token = (JSON.parse(body) as { access_token: string }).access_token;
  return { token, format: tokenFormat(token) };
}

/** One request per read scenario before loading it: a wrong answer fails here, with its body. */
async function check(spec: LoadSpec): Promise<void> {
  if (spec.method !== 'GET' && !spec.key.includes('token')) return;
  const body = await request(spec.url, { method: spec.method, headers: spec.headers, body: spec.body }, spec.label);
  if (spec.verifyBody && !spec.verifyBody(body)) throw new LoadError(`${spec.label}: unexpected body ${body.slice(0, 300)}`);
}

const perProcesses = (n: number) => (n > 1 ? `, ${n} processes` : '');

async function ceilingRun(n = 1): Promise<Measurement> {
  const child = forkScript('./servers/ceiling.ts', { BENCH_PROCESSES: String(n) });
  const { port } = await firstMessage<{ port: number }>(child, 'ceiling');
  try {
    return await run({
      key: 'ceiling',
      label: `ceiling: node:http JSON${perProcesses(n)}`,
      url: `http://127.0.0.1:${port}/`,
      method: 'GET',
      connections: CONNECTIONS.read,
    });
  } finally {
    await stop(child, 2000);
  }
}

async function peerRun(n = 1): Promise<{ m: Measurement; format: string }> {
  const child = forkScript('./servers/peer.ts', { NODE_ENV: 'production', BENCH_PROCESSES: String(n) });
  const p = await firstMessage<PeerInfo>(child, 'peer');
  try {
    const spec = tokenSpec(
      'peer-token',
      `peer: oidc-provider token issuance${perProcesses(n)}`,
      `http://127.0.0.1:${p.port}${p.tokenPath}`,
      p.clientId,
      p.clientSecret,
      p.scope,
    );
    const { format } = await issue(spec, 'peer token');
    if (!format.startsWith('jwt')) throw new LoadError(`peer issued ${format} tokens, not JWTs: the comparison would be unfair`);
    log(`peer issues ${format} access tokens`);
    return { m: await run(spec), format };
  } finally {
    await stop(child, 2000);
  }
}

/** A token for the sandbox client, as the scenarios' target. */
async function firstToken(server: OpenPdx): Promise<{ t: PdxTarget; format: string }> {
  const { client_id, client_secret, scope } = server.credentials.client;
  const spec = tokenSpec('token', 'OpenPDX token', `${server.baseUrl}/oauth2/token`, client_id, client_secret, scope);
  const { token, format } = await issue(spec, 'OpenPDX token');
  return { t: { base: server.baseUrl, creds: server.credentials, accessToken: token }, format };
}

/** The token and read scenarios again, with OpenPDX serving from `n` processes (`--workers n`). */
async function openPdxMultiRun(dataDir: string, n: number): Promise<Measurement[]> {
  const server = await startOpenPdx({ dataDir, postgresUrl, cpuProfDir: undefined, workers: n });
  try {
    const { t } = await firstToken(server);
    if (postgresUrl) await writeMetadataFixture(t);
    const results: Measurement[] = [];
    for (const spec of openPdxSpecs(t)) {
      if (!MULTI_KEYS.includes(spec.key) || (only && !only.includes(spec.key))) continue;
      const labelled = { ...spec, label: `${spec.label}${perProcesses(n)}` };
      await check(labelled);
      results.push(await run(labelled));
    }
    await server.stop();
    return results;
  } finally {
    await server.stop().catch(() => undefined);
    await server.dispose();
  }
}

/** The metadata the read scenario expects. */
async function writeMetadataFixture(t: PdxTarget): Promise<void> {
  const uid = t.creds.members[0]!.uid;
  await request(
    `${t.base}/api/pds/pds/${uid}.json?${memberQuery(t, { dataset: 'ds_personal_details', instance: '0' })}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${t.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ds_personal_details: {
          field_personal_fname: 'Ada',
          field_personal_faname: 'Lovelace',
          field_personal_nickname: 'Countess',
        },
      }),
    },
    'metadata fixture',
  );
}

async function openPdxRun(dataDir: string, profDir: string | undefined) {
  const server = await startOpenPdx({ dataDir, postgresUrl, cpuProfDir: profDir });
  try {
    const { t, format } = await firstToken(server);
    log(`OpenPDX (${server.engine}) issues ${format} access tokens`);
    const { base, creds, accessToken: token } = t;
    const uid = creds.members[0]!.uid;
    const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // Fixtures: a few metadata fields, then one batch of 100 rows (counted as acknowledged rows).
    await writeMetadataFixture(t);
    const seeded = await request(
      `${base}/api/pds/transaction?${memberQuery(t, { uid: String(uid), dataset: REFERRALS })}`,
      { method: 'POST', headers: json, body: referralBatch(SEED_ROWS) },
      'row fixture',
    );
    if ((JSON.parse(seeded) as { insert_ids?: unknown[] }).insert_ids?.length !== SEED_ROWS)
      throw new LoadError(`row fixture: ${seeded.slice(0, 200)}`);
    let acknowledged = SEED_ROWS;
    const results: Measurement[] = [];
    for (const spec of openPdxSpecs(t)) {
      if (only && !only.includes(spec.key)) continue;
      await check(spec);
      const m = await run(spec);
      acknowledged += m.rowsAcknowledged;
      results.push(m);
    }
    await server.stop();
    const stored = await server.countRows(REFERRALS);
    return { results, format, engine: server.engine, acknowledged, stored };
  } finally {
    await server.stop().catch(() => undefined);
    await server.dispose();
  }
}

async function main(): Promise<number> {
  const loadBefore = currentLoad();
  const tmp = mkdtempSync(join(tmpdir(), 'openpdx-bench-'));
  scratch = tmp;
  const profDir = profiling ? join(tmp, 'prof') : undefined;
  log(`warm-up ${timing.warmupSeconds} s, measured ${timing.seconds} s per scenario; scratch folder ${tmp}`);
  try {
    const ceiling = await ceilingRun();
    const peer = await peerRun();
    const pdx = await openPdxRun(join(tmp, 'data'), profDir);
    const wantsMulti = processes > 1 && (!only || only.some((k) => MULTI_KEYS.includes(k)));
    const multi = wantsMulti
      ? {
          processes,
          ceiling: await ceilingRun(processes),
          peer: (await peerRun(processes)).m,
          openpdx: await openPdxMultiRun(join(tmp, 'data'), processes),
        }
      : undefined;

    const by = (key: string) => pdx.results.find((m) => m.spec.key === key);
    const targets: Target[] = [];
    /** `m` against `factor` × `reference` (a peer or ceiling rate), when `m` was measured. */
    const against = (name: string, m: Measurement | undefined, factor: number, reference: number, what: string) => {
      if (m) targets.push({ name, pass: m.rps >= factor * reference, detail: `${(m.rps / reference).toFixed(2)}× ${what}` });
    };
    against('token issuance ≥ 3× peer', by('token'), 3, peer.m.rps, 'peer');
    against('metadata read ≥ 0.2× ceiling', by('metadata-read'), 0.2, ceiling.rps, 'ceiling');
    if (multi) {
      // Against the better peer and ceiling of either table (see report.ts).
      const byN = (key: string) => multi.openpdx.find((m) => m.spec.key === key);
      const bestPeer = Math.max(peer.m.rps, multi.peer.rps);
      const bestCeiling = Math.max(ceiling.rps, multi.ceiling.rps);
      against(`token issuance ≥ 3× peer, ${processes} processes each`, byN('token'), 3, bestPeer, 'the better peer');
      against(
        `metadata read ≥ 0.2× ceiling, ${processes} processes each`,
        byN('metadata-read'),
        0.2,
        bestCeiling,
        'the better ceiling',
      );
    }
    const durable = pdx.acknowledged === pdx.stored;
    targets.push({
      name: 'durability exact',
      pass: durable,
      detail: `${pdx.acknowledged} rows acknowledged, ${pdx.stored} stored`,
    });
    const durability = `durability: ${pdx.acknowledged} acknowledged, ${pdx.stored} stored`;

    const text = renderReport({
      ceiling,
      peer: peer.m,
      peerFormat: peer.format,
      openpdxFormat: pdx.format,
      openpdx: pdx.results,
      engine: pdx.engine,
      multi,
      targets,
      durability,
      settings:
        `pipelining 1; ${CONNECTIONS.read} connections for the ceiling, token and read scenarios, ${CONNECTIONS.write} for writes; ` +
        `${timing.warmupSeconds} s warm-up + ${timing.seconds} s measured; writes run fixed-count chunks of ≈1 s (sized from the observed rate) ` +
        `until ${timing.seconds} s are measured, so no write is in flight when the load stops; servers run one at a time, load generator in the parent process` +
        (multi
          ? `; second table: each server as ${processes} node:cluster processes on one port (OpenPDX: \`openpdx start --workers ${processes}\`)`
          : ''),
      command: `${postgresUrl ? 'OPENPDX_BENCH_DATABASE_URL=… ' : ''}${only ? `BENCH_ONLY=${only.join(',')} ` : ''}${process.env.BENCH_PROCESSES ? `BENCH_PROCESSES=${processes} ` : ''}npm run bench`,
      loadBefore,
    });
    console.log(`\n${text}`);
    log(`written to ${saveReport(text)}`);
    if (profDir) {
      // One profile per thread; the largest is the main thread (the others are tsx's loader).
      const main = readdirSync(profDir)
        .filter((n) => n.endsWith('.cpuprofile'))
        .map((n) => join(profDir, n))
        .sort((a, b) => statSync(b).size - statSync(a).size)[0];
      if (main) console.log(`\nOpenPDX CPU profile ${main}\n${topSelfTime(main)}`);
    }
    if (!durable) {
      console.error(`\nDURABILITY MISMATCH: ${durability}`);
      return 2;
    }
    return 0;
  } finally {
    // The data folder holds the sandbox secrets and master key: never left behind. A profile is kept.
    rmSync(profDir ? join(tmp, 'data') : tmp, { recursive: true, force: true });
    scratch = undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`\nBENCHMARK FAILED: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof Error && !(err instanceof LoadError) && err.stack) console.error(err.stack);
    killAll();
    process.exit(1);
  },
);
