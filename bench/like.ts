/**
 * `npm run bench:like`: the worst LIKE filters the API accepts, timed. The matcher (LikePattern)
 * against a 1 MiB value with 200 wildcards, and with the longest pattern allowed; then a real
 * request (in process) that filters a stored 1 MiB value that way. A measurement, not a test:
 * the numbers go to bench/results/like.md.
 */
import { writeFileSync } from 'node:fs';
import { LikePattern, MAX_LIKE_PATTERN_LENGTH, MAX_LIKE_WILDCARDS } from '../src/pds/like-pattern.ts';
import { bearer, connectMember, createSubscriber } from '../test/fixtures.ts';
import { createTestApp } from '../test/harness.ts';

const MIB = 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const value = `${'a'.repeat(MIB - 1)}b`;
const patterns: [string, string][] = [
  ['200 wildcards, the review shape `%a%a…%b`', `${'%a'.repeat(MAX_LIKE_WILDCARDS / 2 - 1)}%b%`],
  ['200 wildcards mixing % and _', `${'%a_'.repeat(MAX_LIKE_WILDCARDS / 2 - 1)}%b%`],
  [
    `the longest pattern allowed (${MAX_LIKE_PATTERN_LENGTH} characters)`,
    `%${'a_'.repeat(99)}%${'a'.repeat(MAX_LIKE_PATTERN_LENGTH - 201)}`,
  ],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rows: string[] = [];
for (const [name, pattern] of patterns) {
  const p = LikePattern.compile(pattern);
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    p.matches(value);
    times.push(performance.now() - t0);
  }
  rows.push(
    `| matcher, 1 MiB value, ${name} | ${median(times).toFixed(1)} | ${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)} |`,
  );
}

const t = await createTestApp({ startWorkers: false });
try {
  const sub = await createSubscriber(t, ['ds_referrals:rw']);
  const m = await connectMember(t.ctx, sub, 'bench.like');
  const base = `key=${m.key}&con_id=${m.conId}&dataset=ds_referrals`;
  const insert = await t.app.inject({
    method: 'POST',
    url: `/api/pds/transaction?uid=${m.uid}&${base}`,
    headers: bearer(sub),
    payload: { ds_referrals: { referree_availability: value } },
  });
  if (insert.statusCode !== 200) throw new Error(`insert failed: ${insert.body}`);
  const url = `/api/pds/transaction/${m.uid}.json?${base}&filters[referree_availability][operator]=LIKE&filters[referree_availability][value]=${encodeURIComponent(patterns[1]![1])}`;
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const res = await t.app.inject({ method: 'GET', url, headers: bearer(sub) });
    times.push(performance.now() - t0);
    if (res.statusCode !== 200 || Object.keys(res.json()).length !== 1) throw new Error(`unexpected answer ${res.statusCode}`);
  }
  rows.push(
    `| API read filtering one stored 1 MiB value, 200 wildcards (decrypt included) | ${median(times).toFixed(1)} | ${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)} |`,
  );
} finally {
  await t.close();
}

const report = [
  '# LIKE filters: the worst accepted patterns',
  '',
  `\`npm run bench:like\`, ${ROUNDS} rounds each, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`,
  'Before the linear matcher, `%a%a%a%a%b` alone against a long value took 24–67 s of event-loop time.',
  '',
  '| case | median ms | range ms |',
  '|---|---:|---:|',
  ...rows,
  '',
].join('\n');
console.log(report);
writeFileSync(new URL('./results/like.md', import.meta.url), report);
