/** The printed (and saved) Markdown report: results table, targets, durability, machine, command. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Measurement } from './scenarios.ts';

export interface Target {
  name: string;
  pass: boolean;
  detail: string;
  /**
   * A check of this bench's own, beyond the issue's targets (the same targets with every server
   * on several processes): reported apart so the two are never confused.
   */
  extra?: boolean;
}

/** One table's results: each server on `processes` processes. */
export interface ReportTable {
  processes: number;
  /** the median rounds of the ceiling and the peer */
  ceiling: Measurement;
  peer: Measurement;
  openpdx: Measurement[];
  /** every round of the scenarios measured in turn, by key */
  rounds: Map<string, Measurement[]>;
}

export interface Report {
  /** the one-process table of each database OpenPDX ran on, side by side */
  engines: (ReportTable & { name: string; engine: string })[];
  peerFormat: string;
  openpdxFormat: string;
  /** the same comparisons with every server on N processes */
  multi?: ReportTable | undefined;
  targets: Target[];
  durability: string;
  settings: string;
  command: string;
  loadBefore: number[];
}

/** The issue's targets per OpenPDX scenario: its rate against `factor` × the peer's or the ceiling's. */
export const TARGETS = {
  token: { factor: 3, of: 'peer' },
  'metadata-read': { factor: 0.2, of: 'ceiling' },
  'tx-read': { factor: 0.03, of: 'ceiling' },
  'tx-write': { factor: 0.05, of: 'ceiling' },
} as const satisfies Record<string, { factor: number; of: 'peer' | 'ceiling' }>;

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : '—');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');
/** A ratio: three decimals below 0.1, where two would round 0.014× and 0.005× alike. */
export const ratioText = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 0.1 ? 3 : 2) : '—');

export function machine(): string {
  const list = cpus();
  return `${list[0]?.model.trim() ?? 'unknown CPU'}, ${list.length} cores, Node ${process.version}, ${process.platform}/${process.arch}`;
}

function row(m: Measurement, ceilingRps: number, peerRps: number | undefined): string {
  const label = `${m.spec.label} (c=${m.spec.connections})`;
  const vsPeer = peerRps === undefined ? '—' : `${ratioText(m.rps / peerRps)}×`;
  return `| ${label} | ${f1(m.rps)} | ${f2(m.p50)} | ${f2(m.p99)} | ${ratioText(m.rps / ceilingRps)}× | ${vsPeer} |`;
}

/**
 * Ratios in the second table are taken against the better ceiling and the better peer of the two
 * tables, so that spreading a server over processes can only make OpenPDX's ratios harder to meet.
 */
function multiTable(r: Report, m: ReportTable): string[] {
  const c = Math.max(r.engines[0]!.ceiling.rps, m.ceiling.rps);
  const p = Math.max(r.engines[0]!.peer.rps, m.peer.rps);
  return [
    `Every server on ${m.processes} processes (node:cluster; OpenPDX on ${r.engines[0]!.name}, \`--workers ${m.processes}\`); ratios against the better ceiling (${f1(c)} req/s) and the better peer (${f1(p)} req/s) of both tables:`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | × ceiling | × peer |',
    '|---|---:|---:|---:|---:|---:|',
    row(m.ceiling, c, undefined),
    row(m.peer, c, p),
    ...m.openpdx.map((x) => row(x, c, x.spec.key === 'token' ? p : undefined)),
    '',
  ];
}

/** Each round's req/s of the scenarios measured in turn. */
function roundLines(t: ReportTable): string[] {
  const [first] = t.rounds.values();
  if (!first || first.length < 2) return [];
  return [
    `Rounds${t.processes > 1 ? ` (${t.processes} processes)` : ''}, req/s in measuring order:`,
    '',
    ...[...t.rounds.values()].map((ms) => `- ${ms[0]!.spec.label}: ${ms.map((m) => f1(m.rps)).join(', ')}`),
    '',
  ];
}

/**
 * The one-process tables side by side: a row per scenario, a column group per database. Each
 * database's ratios are against the ceiling and peer measured in its own table.
 */
function sideBySide(engines: Report['engines']): string[] {
  const head = engines.map((e) => `${e.name} req/s | p50 ms | p99 ms | × ceiling | × peer`).join(' | ');
  const rule = engines.map(() => '---:|---:|---:|---:|---:').join('|');
  const cells = (e: Report['engines'][number], m: Measurement | undefined) => {
    if (!m) return '— | — | — | — | —';
    const vsPeer = m.spec.key === 'token' || m.spec.key === 'peer-token' ? `${ratioText(m.rps / e.peer.rps)}×` : '—';
    return `${f1(m.rps)} | ${f2(m.p50)} | ${f2(m.p99)} | ${ratioText(m.rps / e.ceiling.rps)}× | ${vsPeer}`;
  };
  const keys = [...new Set(engines.flatMap((e) => [e.ceiling, e.peer, ...e.openpdx].map((m) => m.spec.key)))];
  const find = (e: Report['engines'][number], key: string) => [e.ceiling, e.peer, ...e.openpdx].find((m) => m.spec.key === key);
  return [
    `| scenario | ${head} |`,
    `|---|${rule}|`,
    ...keys.map((key) => {
      const first = engines.map((e) => find(e, key)).find(Boolean)!;
      return `| ${first.spec.label} (c=${first.spec.connections}) | ${engines.map((e) => cells(e, find(e, key))).join(' | ')} |`;
    }),
    '',
  ];
}

/**
 * Token issuance with sender-constrained credentials beside the client-secret figure of the
 * same table (measured once, after the rounds; the client-secret figure is the median round).
 */
function senderConstrainedLines(e: Report['engines'][number]): string[] {
  const secret = e.openpdx.find((m) => m.spec.key === 'token');
  return e.openpdx
    .filter((m) => m.spec.key === 'token-pkjwt' || m.spec.key === 'token-dpop')
    .map(
      (m) =>
        `- ${m.spec.label} on ${e.name}: ${f1(m.rps)} tokens/s` +
        (secret ? `, ${ratioText(m.rps / secret.rps)}× the client-secret figure (${f1(secret.rps)} tokens/s)` : '') +
        ` (${m.responses} requests in ${f2(m.seconds)} s; one freshly signed JWT per request, pre-signed before the load)`,
    );
}

/**
 * What each OpenPDX scenario cost in CPU per request (the median round of the rotated ones), and
 * the most req/s the machine's cores could serve at that cost, beside the rate its target asks in
 * this run: a target above the bound cannot be met on this machine by less waiting alone.
 */
function cpuLines(engines: Report['engines']): string[] {
  const rows = engines.flatMap((e) =>
    e.openpdx
      .filter((m) => m.cpu)
      .map((m) => {
        const c = m.cpu!;
        const t = TARGETS[m.spec.key as keyof typeof TARGETS] as { factor: number; of: 'peer' | 'ceiling' } | undefined;
        const needs = t ? f1(t.factor * (t.of === 'peer' ? e.peer.rps : e.ceiling.rps)) : '—';
        const micros = [c.serverMicros, c.databaseMicros, c.loadMicros].map((n) => n.toFixed(0)).join(' + ');
        return `| ${m.spec.label} | ${e.name} | ${f1(m.rps)} | ${micros} | ${c.bound.toFixed(0)} | ${f2(c.busyCores)} of ${c.cores} | ${needs} |`;
      }),
  );
  if (!rows.length) return [];
  return [
    'CPU per request (server + database + load generator, all on this machine), the most req/s the cores could serve at that cost, and the rate each target asks in this run:',
    '',
    '| scenario | database | req/s | µs per request | CPU bound req/s | cores busy | target asks req/s |',
    '|---|---|---:|---|---:|---:|---:|',
    ...rows,
    '',
  ];
}

export function renderReport(r: Report): string {
  const lines = [
    ...sideBySide(r.engines),
    ...r.engines.flatMap((e) => roundLines(e).map((l, i) => (i === 0 ? l.replace('Rounds', `Rounds on ${e.name}`) : l))),
    ...cpuLines(r.engines),
    ...(r.multi ? [...multiTable(r, r.multi), ...roundLines(r.multi)] : []),
    `- peer: node-oidc-provider 9, client_credentials, access token format: ${r.peerFormat}`,
    `- OpenPDX: ${r.engines.map((e) => e.engine).join(' and ')}, access token format: ${r.openpdxFormat}`,
    ...r.engines.flatMap((e) =>
      e.openpdx
        .filter((m) => m.spec.rowsPerRequest !== undefined)
        .map(
          (m) =>
            `- ${m.spec.label} on ${e.name}: ${f1(m.rps * m.spec.rowsPerRequest!)} rows/s (${m.responses} requests in ${f2(m.seconds)} s)`,
        ),
    ),
    ...r.engines.flatMap((e) => senderConstrainedLines(e)),
    '',
    '**Targets** (token issuance ≥ 3× the peer in the same run, metadata read ≥ 0.2× the ceiling, 100-row read ≥ 0.03× and single durable write ≥ 0.05× the ceiling, every acknowledged write stored; on each database)',
    '',
    ...r.targets.filter((t) => !t.extra).map(targetLine),
    '',
    ...extraLines(r.targets.filter((t) => t.extra)),
    `${r.durability}`,
    '',
    `- machine: ${machine()}; load average before the run ${r.loadBefore.map((n) => n.toFixed(2)).join(' ')}`,
    `- settings: ${r.settings}`,
    `- command: \`${r.command}\``,
    `- date: ${new Date().toISOString()}`,
  ];
  return `${lines.join('\n')}\n`;
}

function targetLine(t: Target): string {
  return `- ${t.pass ? 'PASS' : 'FAIL'} ${t.name}: ${t.detail}`;
}

function extraLines(extra: Target[]): string[] {
  if (!extra.length) return [];
  return [
    '**Also checked** (beyond those targets: the same ratios with every server on several processes, where the single-threaded peer gains a core and OpenPDX, already on two busy threads, gains little)',
    '',
    ...extra.map(targetLine),
    '',
  ];
}

export function saveReport(text: string): string {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL('latest.md', dir);
  writeFileSync(file, `# OpenPDX benchmark (latest run)\n\n${text}`);
  return file.pathname;
}

export const currentLoad = (): number[] => loadavg();
