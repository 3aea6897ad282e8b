/**
 * `npm run bench:cpu -- [read|rows|write|token] [rounds] [workers]`: one OpenPDX scenario (metadata read,
 * 100-row transactional read, single transactional write, token issuance) against the real
 * `openpdx start` (SQLite sandbox in a scratch folder), reporting requests/s and the server's CPU
 * time per request (user + system of the process and its workers, from /proc). CPU per request
 * moves less with a shared machine's noise than requests/s does, which makes it the better number
 * for comparing two builds: run this in each checkout, alternately. BENCH_NODE_FLAGS adds node flags
 * to the server (`--perf-basic-prof` names JavaScript frames for `perf record -p <pid>`);
 * BENCH_CPU_PROF=<dir> writes the server's V8 CPU profile there (summarise with bench/profile.ts);
 * BENCH_DATABASES=postgres runs it on PostgreSQL (OPENPDX_BENCH_DATABASE_URL, default the local
 * `test` database, in a schema of its own that is dropped after), and also reports the CPU of the
 * machine's PostgreSQL processes per request. Each round ends with the CPU bound: the most
 * requests a second the machine's cores could serve at the CPU all parties spent per request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll } from './children.ts';
import { CpuProbe, cpuTicks } from './cpu-usage.ts';
import autocannon from 'autocannon';
import { CONNECTIONS, memberQuery, openPdxSpecs, referralBatch, tokenSpec, type LoadSpec, type PdxTarget } from './scenarios.ts';
import { startOpenPdx, type OpenPdx } from './servers/openpdx.ts';

const [what = 'read', roundsArg = '3', workersArg = '1'] = process.argv.slice(2);
if (!['read', 'rows', 'write', 'token'].includes(what) || !/^\d+$/.test(roundsArg) || !/^\d+$/.test(workersArg)) {
  console.error('usage: npm run bench:cpu -- [read|rows|write|token] [rounds] [workers]');
  process.exit(2);
}
process.on('exit', killAll);

async function target(server: OpenPdx): Promise<{ t: PdxTarget; token: LoadSpec }> {
  const { client_id, client_secret, scope } = server.credentials.client;
  const token = tokenSpec('token', 'token', `${server.baseUrl}/oauth2/token`, client_id, client_secret, scope);
  const res = await fetch(token.url, { method: 'POST', headers: token.headers, body: token.body });
  const accessToken = ((await res.json()) as { access_token: string }).access_token;
  return { t: { base: server.baseUrl, creds: server.credentials, accessToken }, token };
}

/** Loads `spec` for `seconds`; resolves with the number of answers, failing on any non-2xx or error. */
function load(spec: LoadSpec, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let answers = 0;
    const opts = { url: spec.url, method: spec.method, connections: spec.connections, duration: seconds };
    const instance = autocannon({ ...opts, headers: spec.headers, body: spec.body }, (err, result) => {
      if (err) return reject(err);
      if (result.non2xx || result.errors || result.timeouts) return reject(new Error(`${spec.label}: failed requests`));
      resolve(answers);
    });
    instance.on('response', () => answers++);
  });
}

const onPostgres = process.env.BENCH_DATABASES === 'postgres';
const dir = mkdtempSync(join(tmpdir(), 'openpdx-cpu-'));
const server = await startOpenPdx({
  dataDir: dir,
  postgresUrl: onPostgres ? process.env.OPENPDX_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test' : undefined,
  cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
  workers: Number(workersArg),
  // BENCH_NODE_FLAGS: more node flags for the server, e.g. --perf-basic-prof to read it with Linux perf
  nodeFlags: process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean),
});
try {
  const { t, token } = await target(server);
  const uid = t.creds.members[0]!.uid;
  const url = `${t.base}/api/pds/pds/${uid}.json?${memberQuery(t, { dataset: 'ds_personal_details', instance: '0' })}`;
  const bearer = { authorization: `Bearer ${t.accessToken}` };
  await fetch(url, {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ ds_personal_details: { field_personal_fname: 'Ada' } }),
  });
  const specs = openPdxSpecs(t);
  if (what === 'rows') {
    const seeded = await fetch(specs.find((s) => s.key === 'batch-write')!.url, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: referralBatch(100),
    });
    if (!seeded.ok) throw new Error(`seeding rows: ${seeded.status} ${await seeded.text()}`);
  }
  const spec: LoadSpec =
    what === 'token'
      ? token
      : what === 'rows' || what === 'write'
        ? specs.find((s) => s.key === (what === 'rows' ? 'tx-read' : 'tx-write'))!
        : { key: 'metadata-read', label: 'metadata read', url, method: 'GET', headers: bearer, connections: CONNECTIONS.read };
  for (let round = 1; round <= Number(roundsArg); round++) {
    await load(spec, 2);
    // The probe samples the server, PostgreSQL and this process; main threads are read apart.
    const probe = new CpuProbe(server.pid, onPostgres);
    const mainBefore = cpuTicks(server.pid).main;
    probe.start();
    const started = performance.now();
    const responses = await load(spec, 5);
    const seconds = (performance.now() - started) / 1000;
    const cost = probe.stop(responses, seconds);
    const mainCores = ((cpuTicks(server.pid).main - mainBefore) / 100 / seconds).toFixed(2);
    const cores = (micros: number) => ((micros * responses) / 1e6 / seconds).toFixed(2);
    const total = cost.serverMicros + cost.databaseMicros + cost.loadMicros;
    console.log(
      `${what} round ${round}: ${Math.round(responses / seconds)} req/s, server ${cores(cost.serverMicros)} cores ` +
        `(main threads ${mainCores}), ${cost.serverMicros.toFixed(0)} µs CPU per request; ` +
        `load generator ${cores(cost.loadMicros)} cores` +
        (onPostgres
          ? `; PostgreSQL ${cores(cost.databaseMicros)} cores, ${cost.databaseMicros.toFixed(0)} µs CPU per request`
          : ''),
    );
    // A rate well below the bound with idle cores left is limited by waiting (round trips,
    // handoffs between threads), one near it by CPU.
    console.log(
      `  CPU bound: ${total.toFixed(0)} µs per request in all (server, database, load generator) lets ` +
        `${cost.cores} cores serve at most ${Math.round(cost.bound)} req/s; ${cost.busyCores.toFixed(2)} of ${cost.cores} cores were busy`,
    );
  }
  await server.stop();
} finally {
  await server.stop().catch(() => undefined);
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
}
