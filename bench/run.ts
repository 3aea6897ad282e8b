/**
 * `npm run bench`: the ceiling (bare node:http), the peer (node-oidc-provider) and OpenPDX, each in
 * its own child process, loaded with autocannon from this process. The servers of a table run at
 * once; the scenarios behind the targets are measured in turn, round after round (see rotate).
 *
 * OpenPDX runs on SQLite and then on PostgreSQL (a throwaway schema of OPENPDX_BENCH_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test), each table with its own ceiling and peer, and the
 * report puts them side by side; BENCH_DATABASES=sqlite (or postgres) runs one. BENCH_SECONDS (default 5) and BENCH_WARMUP_SECONDS (default 1) per measurement, and
 * BENCH_FIRST_WARMUP_SECONDS (default 5) before a server's first; BENCH_ROUNDS (default 3) of the
 * ceiling, the peer, OpenPDX token issuance and metadata read; BENCH_ONLY=token,tx-read,…
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
import { CpuProbe } from './cpu-usage.ts';
import { topSelfTime } from './profile.ts';
import { currentLoad, ratioText, renderReport, saveReport, TARGETS, type Target } from './report.ts';
import {
  CONNECTIONS,
  LoadError,
  runBenchmark,
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
import { registerClients, senderConstrainedSpecs } from './sender-constrained.ts';

const timing = {
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 1),
  seconds: Number(process.env.BENCH_SECONDS ?? 5),
};
/**
 * A server's first measurement is warmed up longer: node-oidc-provider was still getting faster
 * after a second of load (its req/s rose by a fifth from the first round to the second), which
 * flattered OpenPDX's token ratio in a cold first round.
 */
const firstWarmupSeconds = Math.max(timing.warmupSeconds, Number(process.env.BENCH_FIRST_WARMUP_SECONDS ?? 5));
const only = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const postgresUrl = process.env.OPENPDX_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const databases = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim());
for (const d of databases) {
  if (d !== 'sqlite' && d !== 'postgres') {
    console.error(`BENCH_DATABASES lists sqlite and/or postgres, not ${d}`);
    process.exit(2);
  }
}
const profiling = process.env.BENCH_CPU_PROF === '1';
const SEED_ROWS = 100;
const processes = Number(process.env.BENCH_PROCESSES ?? availableParallelism());
/**
 * The OpenPDX scenarios measured in rounds, in turn with the ceiling and the peer (see rotate);
 * the writes run once, after, in fixed-count chunks so that the durability count is exact.
 */
const ROTATED_KEYS = ['token', 'metadata-read', 'tx-read'];
/** Token issuance with sender-constrained credentials, measured once after the rounds. */
const SENDER_CONSTRAINED_KEYS = ['token-pkjwt', 'token-dpop'];
/** The scenarios of the multi-process table (the writes and the durability count are single-process). */
const TARGET_KEYS = ['token', 'metadata-read'];
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`BENCH_ROUNDS must be a whole number ≥ 1, not ${process.env.BENCH_ROUNDS}`);
  process.exit(2);
}

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

/** OpenPDX's scenarios, each with the probe that samples its server's CPU (and PostgreSQL's) while it is measured. */
const probes = new WeakMap<LoadSpec, CpuProbe>();

async function run(spec: LoadSpec, warmupSeconds = timing.warmupSeconds): Promise<Measurement> {
  const m = await measure(spec, { ...timing, warmupSeconds, probe: probes.get(spec) });
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

/** A benchmark server that is up, with the load its scenario sends it. */
interface Running {
  spec: LoadSpec;
  stop(): Promise<void>;
}

async function startCeiling(n: number): Promise<Running> {
  const child = forkScript('./servers/ceiling.ts', { BENCH_PROCESSES: String(n) });
  const { port } = await firstMessage<{ port: number }>(child, 'ceiling');
  return {
    spec: {
      key: 'ceiling',
      label: `ceiling: node:http JSON${perProcesses(n)}`,
      url: `http://127.0.0.1:${port}/`,
      method: 'GET',
      connections: CONNECTIONS.read,
    },
    stop: async () => void (await stop(child, 2000)),
  };
}

async function startPeer(n: number): Promise<Running & { format: string }> {
  const child = forkScript('./servers/peer.ts', { NODE_ENV: 'production', BENCH_PROCESSES: String(n) });
  try {
    const p = await firstMessage<PeerInfo>(child, 'peer');
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
    return { spec, format, stop: async () => void (await stop(child, 2000)) };
  } catch (err) {
    await stop(child, 2000);
    throw err;
  }
}

/** A token for the sandbox client, as the scenarios' target. */
async function firstToken(server: OpenPdx): Promise<{ t: PdxTarget; format: string }> {
  const { client_id, client_secret, scope } = server.credentials.client;
  const spec = tokenSpec('token', 'OpenPDX token', `${server.baseUrl}/oauth2/token`, client_id, client_secret, scope);
  const { token, format } = await issue(spec, 'OpenPDX token');
  return { t: { base: server.baseUrl, creds: server.credentials, accessToken: token }, format };
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

/** One row fixture batch; its rows count as acknowledged. */
async function writeRowFixture(t: PdxTarget): Promise<number> {
  const uid = t.creds.members[0]!.uid;
  const seeded = await request(
    `${t.base}/api/pds/transaction?${memberQuery(t, { uid: String(uid), dataset: REFERRALS })}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${t.accessToken}`, 'content-type': 'application/json' },
      body: referralBatch(SEED_ROWS),
    },
    'row fixture',
  );
  if ((JSON.parse(seeded) as { insert_ids?: unknown[] }).insert_ids?.length !== SEED_ROWS)
    throw new LoadError(`row fixture: ${seeded.slice(0, 200)}`);
  return SEED_ROWS;
}

/**
 * The scenarios behind the targets (ceiling, peer, OpenPDX token and metadata read) measured in
 * turn, round after round, with every server up throughout. A target's ratio is taken per round,
 * between measurements seconds apart: on a shared machine whose speed drifts by half within
 * minutes, one measurement of each, minutes apart, compares two different machines.
 */
async function rotate(specs: LoadSpec[]): Promise<Map<string, Measurement[]>> {
  const byKey = new Map<string, Measurement[]>(specs.map((s) => [s.key, []]));
  for (let r = 1; r <= rounds; r++) {
    if (rounds > 1) log(`round ${r} of ${rounds}`);
    for (const spec of specs) byKey.get(spec.key)!.push(await run(spec, r === 1 ? firstWarmupSeconds : undefined));
  }
  return byKey;
}

/** The middle item by `value` (the lower middle of an even count: the cautious one). */
function lowerMedian<T>(items: readonly T[], value: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The middle measurement by req/s. */
const median = (ms: readonly Measurement[]): Measurement => lowerMedian(ms, (m) => m.rps);

interface Table {
  processes: number;
  ceiling: Measurement;
  peer: Measurement;
  peerFormat: string;
  openpdx: Measurement[];
  /** every round of the rotated scenarios, by key */
  rounds: Map<string, Measurement[]>;
  format: string;
  engine: string;
  acknowledged: number;
  stored: number;
}

/**
 * Every server on `n` processes: the rotated scenarios, then (in the one-process table) the other
 * OpenPDX scenarios once each, reads before writes so the 100-row read sees the seeded rows only.
 */
async function table(n: number, dataDir: string, profDir: string | undefined, pg: string | undefined): Promise<Table> {
  const single = n === 1;
  const started: Running[] = [];
  const server = await startOpenPdx({ dataDir, postgresUrl: pg, cpuProfDir: single ? profDir : undefined, workers: n });
  try {
    const ceiling = await startCeiling(n);
    started.push(ceiling);
    const peer = await startPeer(n);
    started.push(peer);
    const { t, format } = await firstToken(server);
    log(`OpenPDX (${server.engine}${perProcesses(n)}) issues ${format} access tokens`);
    await writeMetadataFixture(t);
    let acknowledged = single ? await writeRowFixture(t) : 0;
    const label = (spec: LoadSpec) => ({ ...spec, label: `${spec.label}${perProcesses(n)}` });
    const pdxSpecs = openPdxSpecs(t)
      .filter((spec) => (single || TARGET_KEYS.includes(spec.key)) && (!only || only.includes(spec.key)))
      .map(label);
    for (const spec of pdxSpecs) probes.set(spec, new CpuProbe(server.pid, pg !== undefined));
    const rotated = pdxSpecs.filter((spec) => ROTATED_KEYS.includes(spec.key));
    for (const spec of pdxSpecs) await check(spec);
    const byKey = await rotate([ceiling.spec, peer.spec, ...rotated]);
    await Promise.all(started.splice(0).map((s) => s.stop()));
    const openpdx: Measurement[] = [];
    for (const spec of pdxSpecs) {
      const measured = byKey.get(spec.key);
      const m = measured ? median(measured) : await run(spec);
      if (!measured) acknowledged += m.rowsAcknowledged;
      openpdx.push(m);
    }
    if (single && (!only || SENDER_CONSTRAINED_KEYS.some((k) => only.includes(k)))) {
      // Sized from the client-secret rate when it was measured (a generous guess otherwise).
      const tokenRate = byKey.get('token');
      openpdx.push(...(await measureSenderConstrained(server, dataDir, tokenRate ? median(tokenRate).rps : 30_000)));
    }
    await server.stop();
    const stored = single ? await server.countRows(REFERRALS) : 0;
    return {
      processes: n,
      ceiling: median(byKey.get('ceiling')!),
      peer: median(byKey.get('peer-token')!),
      peerFormat: peer.format,
      openpdx,
      rounds: byKey,
      format,
      engine: server.engine,
      acknowledged,
      stored,
    };
  } finally {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    await server.stop().catch(() => undefined);
    await server.dispose();
  }
}

/**
 * A target over the rounds of a table: `key`'s rate against `factor` × the reference's rate of the
 * same round (`floor`, when given, is the least reference: the second table's is the first's),
 * passing when the median of the rounds' ratios reaches it.
 */
function target(
  name: string,
  t: Table,
  key: string,
  refKey: string,
  factor: number,
  what: string,
  floor = 0,
): Target | undefined {
  const ms = t.rounds.get(key);
  const refs = t.rounds.get(refKey)!;
  if (!ms) return undefined;
  const ratios = ms.map((m, i) => m.rps / Math.max(refs[i]!.rps, floor));
  const mid = lowerMedian(ratios, (r) => r);
  const each = ratios.length > 1 ? ` (rounds: ${ratios.map((r) => `${ratioText(r)}×`).join(', ')})` : '';
  return { name, pass: mid >= factor, detail: `${ratioText(mid)}× ${what}${each}` };
}

/**
 * A target for a scenario measured once (the writes): its rate against `factor` × the ceiling's
 * median round of the same table.
 */
function once(name: string, t: Table, key: string, factor: number): Target | undefined {
  const m = t.openpdx.find((x) => x.spec.key === key);
  if (!m) return undefined;
  const ratio = m.rps / t.ceiling.rps;
  return { name, pass: ratio >= factor, detail: `${ratioText(ratio)}× ceiling (measured once, after the rounds)` };
}

/**
 * Token issuance by a private_key_jwt client and by a DPoP-bound one, once each, beside the
 * client-secret figure (sender-constrained.ts). Each run's JWTs are signed just before it.
 */
async function measureSenderConstrained(server: OpenPdx, dataDir: string, secretRate: number): Promise<Measurement[]> {
  const clients = await registerClients({
    env: server.env,
    repoRoot: server.repoRoot,
    dataDir,
    baseUrl: server.baseUrl,
    orgId: server.credentials.organisation.org_id,
    scope: server.credentials.client.scope,
  });
  const needed = Math.ceil(secretRate * (timing.warmupSeconds + timing.seconds) * 1.5) + 1000;
  const out: Measurement[] = [];
  for (const key of SENDER_CONSTRAINED_KEYS) {
    if (only && !only.includes(key)) continue;
    log(`signing ${needed} single-use JWTs for ${key}`);
    const spec = senderConstrainedSpecs(clients, needed, server.baseUrl).find((s) => s.key === key)!;
    out.push(await run(spec));
  }
  return out;
}

const shortEngine = (t: Table) => (t.engine.startsWith('PostgreSQL') ? 'PostgreSQL' : 'SQLite');

async function main(): Promise<number> {
  const loadBefore = currentLoad();
  const tmp = mkdtempSync(join(tmpdir(), 'openpdx-bench-'));
  scratch = tmp;
  const profDir = profiling ? join(tmp, 'prof') : undefined;
  log(`warm-up ${timing.warmupSeconds} s, measured ${timing.seconds} s per scenario; scratch folder ${tmp}`);
  try {
    const engines: Table[] = [];
    for (const d of databases) {
      log(`OpenPDX on ${d === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`);
      engines.push(
        await table(
          1,
          join(tmp, `data-${d}`),
          d === databases[0] ? profDir : undefined,
          d === 'postgres' ? postgresUrl : undefined,
        ),
      );
    }
    const pdx = engines[0]!;
    const wantsMulti = processes > 1 && (!only || only.some((k) => TARGET_KEYS.includes(k)));
    const multi = wantsMulti
      ? await table(processes, join(tmp, 'data-multi'), undefined, databases[0] === 'postgres' ? postgresUrl : undefined)
      : undefined;

    const targets: Target[] = [];
    for (const e of engines) {
      const on = ` (${shortEngine(e)})`;
      targets.push(
        ...[
          target(`token issuance ≥ 3× peer${on}`, e, 'token', 'peer-token', TARGETS.token.factor, 'peer'),
          target(`metadata read ≥ 0.2× ceiling${on}`, e, 'metadata-read', 'ceiling', TARGETS['metadata-read'].factor, 'ceiling'),
          target(`100-row read ≥ 0.03× ceiling${on}`, e, 'tx-read', 'ceiling', TARGETS['tx-read'].factor, 'ceiling'),
          once(`single durable write ≥ 0.05× ceiling${on}`, e, 'tx-write', TARGETS['tx-write'].factor),
        ].filter((x): x is Target => Boolean(x)),
      );
      targets.push({
        name: `durability exact${on}`,
        pass: e.acknowledged === e.stored,
        detail: `${e.acknowledged} rows acknowledged, ${e.stored} stored`,
      });
    }
    const durable = engines.every((e) => e.acknowledged === e.stored);
    if (multi) {
      // Against the better of each round's reference and the first table's: spreading a server
      // over processes can only make OpenPDX's ratios harder to meet (see report.ts).
      const checks = [
        target(
          `token issuance ≥ 3× peer, ${processes} processes each`,
          multi,
          'token',
          'peer-token',
          3,
          'the better peer',
          pdx.peer.rps,
        ),
        target(
          `metadata read ≥ 0.2× ceiling, ${processes} processes each`,
          multi,
          'metadata-read',
          'ceiling',
          0.2,
          'the better ceiling',
          pdx.ceiling.rps,
        ),
      ];
      for (const t of checks) if (t) targets.push({ ...t, extra: true });
    }
    const durability = engines
      .map((e) => `durability (${shortEngine(e)}): ${e.acknowledged} acknowledged, ${e.stored} stored`)
      .join('; ');

    const text = renderReport({
      engines: engines.map((e) => ({ ...e, name: shortEngine(e) })),
      peerFormat: pdx.peerFormat,
      openpdxFormat: pdx.format,
      multi,
      targets,
      durability,
      settings:
        `pipelining 1; ${CONNECTIONS.read} connections for the ceiling, token and read scenarios, ${CONNECTIONS.write} for writes; ` +
        `${timing.warmupSeconds} s warm-up (${firstWarmupSeconds} s before a server's first measurement) + ${timing.seconds} s measured; writes run fixed-count chunks of ≈1 s (sized from the observed rate) ` +
        `until ${timing.seconds} s are measured, so no write is in flight when the load stops; ` +
        `each database has its own table, and the servers of a table all run at once; the ceiling, the peer, OpenPDX token issuance, metadata read and 100-row read are measured in turn, ${rounds} round${rounds > 1 ? 's' : ''}: ` +
        `their rows show the median round and each target is the median of its per-round ratios; the other scenarios run once, after; load generator in the parent process` +
        (multi
          ? `; second table: each server as ${processes} node:cluster processes on one port (OpenPDX: \`openpdx start --workers ${processes}\`)`
          : ''),
      command: `${process.env.BENCH_DATABASES ? `BENCH_DATABASES=${databases.join(',')} ` : ''}${only ? `BENCH_ONLY=${only.join(',')} ` : ''}${process.env.BENCH_PROCESSES ? `BENCH_PROCESSES=${processes} ` : ''}npm run bench`,
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
    // The data folders hold the sandbox secrets and master keys: never left behind. A profile is kept.
    for (const dir of profDir ? [...databases.map((d) => join(tmp, `data-${d}`)), join(tmp, 'data-multi')] : [tmp])
      rmSync(dir, { recursive: true, force: true });
    scratch = undefined;
  }
}

runBenchmark(main);
