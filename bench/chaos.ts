/**
 * `npm run chaos`: OpenPDX as real processes, under load, through the faults docs/operations.md
 * promises to survive, each in bounded loops, with a table of what was acknowledged against what
 * was stored, delivered against expected, and how long recovery took. The latest output is kept
 * in bench/results/chaos.md.
 *
 *   kill -9      the whole server killed under write load and started again on the same data,
 *                CHAOS_CYCLES times (default 5), on SQLite and on PostgreSQL
 *   PostgreSQL   the database stopped (-m fast: a restart) and crashed (-m immediate) under write
 *                load, with 2 worker processes
 *   callbacks    a subscriber's receiver down, then failing with 500, then killed OpenPDX with
 *                deliveries pending; every change notification must arrive, correctly signed
 *   worker kill  workers killed under write load and connection churn: no connection unanswered
 *
 * PostgreSQL rows use a server of the run's own (initdb under /tmp, as the tests do). Exit code 1
 * when any row fails its check.
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { startPrivatePostgres, type PrivatePostgres } from '../test/private-postgres.ts';
import { connectionChurn, storedNames, writeLoad, type LoadResult } from '../test/reliability/load.ts';
import { startServerProcess, until, type ServerProcess } from '../test/reliability/server-process.ts';

const CYCLES = Number(process.env.CHAOS_CYCLES ?? 5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  scenario: string;
  database: string;
  loops: number;
  checked: string;
  expected: number;
  got: number;
  /** answers seen by the clients, e.g. "200 4,120 · 503 38" */
  answers: string;
  recovery: string;
  ok: boolean;
}

const rows: Row[] = [];
const fmt = (n: number) => n.toLocaleString('en-GB');

function answers(outcomes: Record<string, number>): string {
  return Object.entries(outcomes)
    .sort()
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(' · ');
}

function merge(into: LoadResult, from: LoadResult): void {
  into.acknowledged.push(...from.acknowledged);
  into.recoveries.push(...from.recoveries);
  for (const [k, v] of Object.entries(from.outcomes)) into.outcomes[k] = (into.outcomes[k] ?? 0) + v;
}

function spread(ms: number[]): string {
  if (!ms.length) return '—';
  const s = [...ms].sort((a, b) => a - b);
  return `median ${(s[Math.floor(s.length / 2)]! / 1000).toFixed(1)} s, max ${(s[s.length - 1]! / 1000).toFixed(1)} s`;
}

async function tokenOf(server: ServerProcess): Promise<string> {
  return until('a token', () => server.token().catch(() => undefined), 60_000);
}

/** kill -9 of the whole server under write load, then a restart on the same data, CYCLES times. */
async function killNine(database: 'SQLite' | 'PostgreSQL', pg: PrivatePostgres | undefined): Promise<void> {
  const databaseUrl = pg ? await pg.createDatabase() : undefined;
  let server = await startServerProcess({ workers: 1, databaseUrl, keep: true });
  const { dir, masterKey } = server;
  const all: LoadResult = { acknowledged: [], outcomes: {}, recoveries: [] };
  const restarts: number[] = [];
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    let token = await tokenOf(server);
    const load = writeLoad(server.base, server.creds, () => token, { concurrency: 8, tag: `k${cycle}` });
    await sleep(1500 + 300 * cycle);
    server.child.kill('SIGKILL');
    await server.exited();
    merge(all, await load.stop());
    const started = Date.now();
    server = await startServerProcess({ workers: 1, databaseUrl, dir, masterKey, keep: true });
    restarts.push(Date.now() - started);
    token = await tokenOf(server);
  }
  const stored = await storedNames(server.base, server.creds, await tokenOf(server));
  const missing = all.acknowledged.filter((n) => !stored.has(n));
  server.child.kill('SIGTERM');
  await server.exited();
  let integrity = '';
  if (!pg) {
    const db = new SqliteDatabase(join(dir, 'openpdx.sqlite'), { readonly: true });
    integrity = String(db.pragma('integrity_check', { simple: true }));
    db.close();
  }
  server.close();
  spawnSync('rm', ['-rf', dir]);
  rows.push({
    scenario: 'kill -9 under write load, restart',
    database,
    loops: CYCLES,
    checked: `acknowledged rows stored${pg ? '' : `; integrity_check ${integrity}`}`,
    expected: all.acknowledged.length,
    got: all.acknowledged.length - missing.length,
    answers: answers(all.outcomes),
    recovery: `restart to listening: ${spread(restarts)}`,
    ok: missing.length === 0 && (pg !== undefined || integrity === 'ok'),
  });
}

/** PostgreSQL stopped (fast) and crashed (immediate) under write load, 2 workers. */
async function postgresOutage(pg: PrivatePostgres): Promise<void> {
  const server = await startServerProcess({ workers: 2, databaseUrl: await pg.createDatabase() });
  const pids = server.workerPids().sort();
  const all: LoadResult = { acknowledged: [], outcomes: {}, recoveries: [] };
  const backAfterStart: number[] = [];
  let loops = 0;
  for (const mode of ['fast', 'immediate'] as const) {
    for (let i = 0; i < Math.max(1, Math.floor(CYCLES / 2)); i++, loops++) {
      let token = await tokenOf(server);
      const load = writeLoad(server.base, server.creds, () => token, { concurrency: 4, tag: `pg-${mode}-${i}` });
      await sleep(1000);
      pg.stop(mode);
      await sleep(3000);
      pg.start();
      const started = Date.now();
      await until('readiness', async () => (await fetch(`${server.base}/readyz`).catch(() => undefined))?.status === 200, 60_000);
      backAfterStart.push(Date.now() - started);
      await sleep(1000);
      merge(all, await load.stop());
      token = await tokenOf(server);
    }
  }
  const stored = await storedNames(server.base, server.creds, await tokenOf(server));
  const missing = all.acknowledged.filter((n) => !stored.has(n));
  const alive = server.child.exitCode === null && server.workerPids().sort().join() === pids.join();
  const unexpected = Object.keys(all.outcomes).filter((k) => k !== '200' && k !== '503');
  server.close();
  rows.push({
    scenario: 'PostgreSQL restart (-m fast) and crash (-m immediate), 3 s down, 2 workers',
    database: 'PostgreSQL',
    loops,
    checked: `acknowledged rows stored; same processes throughout: ${alive ? 'yes' : 'NO'}`,
    expected: all.acknowledged.length,
    got: all.acknowledged.length - missing.length,
    answers: answers(all.outcomes),
    recovery: `PostgreSQL up to /readyz 200: ${spread(backAfterStart)}; client-seen outage: ${spread(all.recoveries)}`,
    ok: missing.length === 0 && alive && unexpected.length === 0 && (all.outcomes['503'] ?? 0) > 0,
  });
}

/** A subscriber's callback receiver: down, failing or up; keeps what it received, with signatures checked. */
class Receiver {
  mode: 'down' | 'failing' | 'up' = 'up';
  readonly received = new Map<string, { body: Record<string, string>; signed: boolean }>();
  private server: Server | undefined;
  port = 0;
  secret = Buffer.alloc(0);

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (this.mode === 'failing') return res.writeHead(500).end();
        const id = String(req.headers['webhook-id']);
        const expected = createHmac('sha256', this.secret)
          .update(`${id}.${req.headers['webhook-timestamp']}.${body}`)
          .digest('base64');
        const signed = String(req.headers['webhook-signature'] ?? '')
          .split(' ')
          .includes(`v1,${expected}`);
        const parsed = (req.headers['content-type'] ?? '').includes('json') ? (JSON.parse(body) as Record<string, string>) : {};
        this.received.set(id, { body: parsed, signed });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

function cli(server: ServerProcess, args: string[], databaseUrl: string | undefined): Record<string, unknown> {
  const r = spawnSync('node', ['bin/openpdx.js', ...args, '--json'], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      OPENPDX_DATA_DIR: server.dir,
      OPENPDX_DATABASE_URL: databaseUrl ?? join(server.dir, 'openpdx.sqlite'),
      OPENPDX_MASTER_KEY: server.masterKey,
      OPENPDX_LOG_LEVEL: 'silent',
    },
  });
  if (r.status !== 0) throw new Error(`openpdx ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/**
 * Change notifications to a receiver that is down, then failing, then up; then OpenPDX killed with
 * deliveries pending and started again. Every acknowledged write must reach the receiver once
 * (at least once: duplicates are counted, not failed), correctly signed.
 */
async function callbackOutage(database: 'SQLite' | 'PostgreSQL', pg: PrivatePostgres | undefined): Promise<void> {
  const databaseUrl = pg ? await pg.createDatabase() : undefined;
  let server = await startServerProcess({ workers: 1, databaseUrl, keep: true });
  const receiver = new Receiver();
  await receiver.start();
  const { org_id: orgId } = cli(server, ['admin', 'org', 'create', '--name', 'Chaos receiver'], databaseUrl);
  const connection = cli(
    server,
    [
      'admin',
      'connection',
      'create',
      '--org',
      String(orgId),
      '--callback',
      `http://127.0.0.1:${receiver.port}/hook`,
      '--notifications',
      '--grant',
      'ds_referrals:r',
    ],
    databaseUrl,
  ) as { nid: number; token: string };
  receiver.secret = Buffer.from(connection.token);
  const alice = server.creds.members[0]!;
  cli(
    server,
    ['admin', 'connect', '--mydexid', alice.mydexid, '--nid', String(connection.nid), '--private-key', alice.private_key],
    databaseUrl,
  );
  const written: LoadResult = { acknowledged: [], outcomes: {}, recoveries: [] };
  const phase = async (ms: number) => {
    const token = await tokenOf(server);
    const load = writeLoad(server.base, server.creds, () => token, { concurrency: 2, tag: `cb${written.acknowledged.length}` });
    await sleep(ms);
    merge(written, await load.stop());
  };
  await receiver.stop();
  receiver.mode = 'down';
  await phase(4000);
  await receiver.start(receiver.port);
  receiver.mode = 'failing';
  await phase(4000);
  receiver.mode = 'up';
  await phase(2000);
  // Killed with deliveries still queued or in flight: their leases expire and another run takes them.
  server.child.kill('SIGKILL');
  await server.exited();
  server = await startServerProcess({ workers: 1, databaseUrl, dir: server.dir, masterKey: server.masterKey, keep: true });
  const expected = new Set(written.acknowledged);
  const started = Date.now();
  const arrivedNames = () => {
    // A notification names the row id; the rows' names come from the API.
    const ids = new Set(
      [...receiver.received.values()].filter((r) => r.body.type === 'notification').map((r) => r.body.updated_id),
    );
    return ids;
  };
  const token = await tokenOf(server);
  const rowsRes = await fetch(
    `${server.base}/api/pds/transaction/${alice.uid}.json?key=${alice.key}&con_id=${alice.con_id}&dataset=ds_referrals&limit=10000`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  const idByName = new Map(
    Object.entries((await rowsRes.json()) as Record<string, { contact_name: string }>).map(([id, r]) => [r.contact_name, id]),
  );
  const expectedIds = new Set([...expected].map((n) => idByName.get(n)).filter((x): x is string => x !== undefined));
  await until('every notification to arrive', () => [...expectedIds].every((id) => arrivedNames().has(id)), 180_000).catch(
    () => undefined,
  );
  const deliveredAfter = Date.now() - started;
  const arrived = arrivedNames();
  const got = [...expectedIds].filter((id) => arrived.has(id)).length;
  const badSignatures = [...receiver.received.values()].filter((r) => !r.signed).length;
  server.child.kill('SIGTERM');
  await server.exited();
  server.close();
  spawnSync('rm', ['-rf', server.dir]);
  await receiver.stop();
  rows.push({
    scenario: 'callbacks: receiver down 4 s, failing 4 s, then OpenPDX kill -9 with deliveries pending',
    database,
    loops: 1,
    checked: `change notifications delivered, ${badSignatures} bad signature(s)`,
    expected: expectedIds.size,
    got,
    answers: answers(written.outcomes),
    recovery: `all delivered ${(deliveredAfter / 1000).toFixed(1)} s after the restart`,
    ok: got === expectedIds.size && expectedIds.size === expected.size && badSignatures === 0,
  });
}

/** Workers killed under write load and connection churn. */
async function workerKill(database: 'SQLite' | 'PostgreSQL', pg: PrivatePostgres | undefined): Promise<void> {
  const server = await startServerProcess({ workers: 2, databaseUrl: pg ? await pg.createDatabase() : undefined });
  let token = await tokenOf(server);
  const load = writeLoad(server.base, server.creds, () => token, { concurrency: 4, tag: 'wk', hangMs: 10_000 });
  const churn = connectionChurn(server.base, { concurrency: 16, hangMs: 5_000 });
  // At most four crashes a minute: the primary treats a fifth as a crash loop and gives up.
  const kills = Math.min(CYCLES, 4);
  for (let i = 0; i < kills; i++) {
    await sleep(1000);
    const [victim] = server.workerPids();
    process.kill(victim!, 'SIGKILL');
    await until('a replacement', () => server.workerPids().length === 2 && !server.workerPids().includes(victim!), 30_000);
    await sleep(2500);
  }
  const written = await load.stop();
  const connections = await churn.stop();
  token = await tokenOf(server);
  const stored = await storedNames(server.base, server.creds, token);
  const missing = written.acknowledged.filter((n) => !stored.has(n));
  server.close();
  const hung = (written.outcomes.hung ?? 0) + (connections.hung ?? 0);
  rows.push({
    scenario: 'worker kill -9 under writes and connection churn, 2 workers',
    database,
    loops: kills,
    checked: `acknowledged rows stored; unanswered connections: ${hung}`,
    expected: written.acknowledged.length,
    got: written.acknowledged.length - missing.length,
    answers: `writes: ${answers(written.outcomes)}; churn: ${answers(connections)}`,
    recovery: '—',
    ok: missing.length === 0 && hung === 0,
  });
}

const started = Date.now();
const pg = await startPrivatePostgres();
try {
  for (const [name, run] of [
    ['kill -9 (SQLite)', () => killNine('SQLite', undefined)],
    ['kill -9 (PostgreSQL)', () => killNine('PostgreSQL', pg)],
    ['PostgreSQL outage', () => postgresOutage(pg)],
    ['callbacks (SQLite)', () => callbackOutage('SQLite', undefined)],
    ['callbacks (PostgreSQL)', () => callbackOutage('PostgreSQL', pg)],
    ['worker kill (SQLite)', () => workerKill('SQLite', undefined)],
    ['worker kill (PostgreSQL)', () => workerKill('PostgreSQL', pg)],
  ] as const) {
    const t0 = Date.now();
    console.log(`[chaos] ${name}…`);
    await run();
    const row = rows[rows.length - 1]!;
    console.log(
      `[chaos] ${name}: ${row.ok ? 'ok' : 'FAILED'}, ${fmt(row.got)} of ${fmt(row.expected)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
} finally {
  pg.destroy();
}

const report = [
  '# Chaos run',
  '',
  `\`npm run chaos\` (CHAOS_CYCLES=${CYCLES}), ${new Date().toISOString()}, Node ${process.version}, ${((Date.now() - started) / 60000).toFixed(1)} minutes.`,
  '',
  '| scenario | database | loops | check | expected | got | client answers | recovery | |',
  '|---|---|---:|---|---:|---:|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.database} | ${r.loops} | ${r.checked} | ${fmt(r.expected)} | ${fmt(r.got)} | ${r.answers} | ${r.recovery} | ${r.ok ? 'ok' : '**FAILED**'} |`,
  ),
  '',
  'Answers: HTTP statuses the load clients saw, and connection errors by code (ECONNRESET, ECONNREFUSED: a killed process; "hung": no answer within the client timeout, which must never happen).',
  '',
].join('\n');
console.log(`\n${report}`);
writeFileSync(new URL('./results/chaos.md', import.meta.url), report);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
