/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) as the functions with the most self time.
 * Also runnable alone: `npx tsx bench/profile.ts <file.cpuprofile> [count]`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function where(url: string, line: number): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
  // tsx-compiled sources report line 0: the path alone is more honest than ":1".
  return line > 0 ? `${path}:${line + 1}` : path;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${where(url, lineNumber)}`.trim();
}

function table(title: string, totals: Map<string, number>, total: number, count: number): string[] {
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
  return [
    title,
    ...rows.map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`),
  ];
}

/**
 * Two views of the busy (non-idle) samples: self time per function, and the same time charged to
 * the nearest OpenPDX frame (src/…) on the stack, which names the app code behind native or library time.
 */
export function topSelfTime(file: string, count = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const appFrame = new Map<number, string>();
  const nearestApp = (id: number): string => {
    const known = appFrame.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const p = parent.get(id);
    const found = node.callFrame.url.includes('/src/') ? label(node) : p === undefined ? '(outside src/)' : nearestApp(p);
    appFrame.set(id, found);
    return found;
  };
  const self = new Map<string, number>();
  const app = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + us);
    const owner = nearestApp(id);
    app.set(owner, (app.get(owner) ?? 0) + us);
    total += us;
  });
  return [
    `busy (non-idle) time ${(total / 1000).toFixed(0)} ms`,
    ...table(`top ${count} by self time:`, self, total, count),
    ...table(`top ${count} by nearest src/ frame on the stack:`, app, total, count),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profile.ts <file.cpuprofile> [count]');
    process.exit(2);
  }
  console.log(topSelfTime(file, n ? Number(n) : 15));
}
