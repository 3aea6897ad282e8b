/**
 * In-process timings of the metadata read path, piece by piece, for finding where a read's time
 * goes (`npm run bench:read-path`). A measurement, not a test: numbers vary with machine load.
 */
import { createTestApp } from '../test/harness.ts';
import { bearer, connectMember, createSubscriber } from '../test/fixtures.ts';

const t = await createTestApp({ startWorkers: false });
const sub = await createSubscriber(t, ['ds_personal_details:rw']);
const m = await connectMember(t.ctx, sub, 'perf');
const principal = (await t.ctx.oauth.verifyAccessToken(sub.accessToken))!;
const url = `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&source_type=connection&dataset=ds_personal_details&instance=0`;
await t.app.inject({
  method: 'POST',
  url,
  headers: bearer(sub),
  payload: { ds_personal_details: { field_personal_fname: 'X' } },
});

async function sequential(name: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(200, n); i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  console.log(`${name.padEnd(34)} ${(Number(process.hrtime.bigint() - t0) / 1e3 / n).toFixed(1).padStart(8)} µs each`);
}

async function concurrent(name: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  let i = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (i++ < n) await fn();
    }),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  console.log(
    `${name.padEnd(34)} ${((n / ms) * 1000).toFixed(0).padStart(8)} req/s, ${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU each`,
  );
}

console.log('sequential:');
await sequential('verifyAccessToken (cached)', 5000, () => t.ctx.oauth.verifyAccessToken(sub.accessToken));
await sequential('connectionAccess', 5000, async () =>
  (await t.ctx.members.access.check(principal, m.conId, m.key, ['ds_personal_details'])).keys.wipe(),
);
const access = await t.ctx.members.access.check(principal, m.conId, m.key, ['ds_personal_details']);
await sequential('select + decrypt one record', 5000, () =>
  t.ctx.datasets.pds.read(m.uid, access.keys, (r) => r.metadata('ds_personal_details', 0)),
);
await sequential('access log entry (alone: one flush)', 300, () =>
  t.ctx.datasets.pds.recordAccess(m.uid, {
    nid: 1,
    actor: 'connection',
    dataset: 'ds_personal_details',
    fields: ['a'],
    action: 'read',
  }),
);
console.log('20 concurrent (group commit shares flushes):');
for (let round = 0; round < 3; round++) {
  await concurrent(`GET metadata via inject, round ${round + 1}`, 3000, () =>
    t.app.inject({ method: 'GET', url, headers: bearer(sub) }),
  );
}
await concurrent('GET /healthz via inject (floor)', 3000, () => t.app.inject({ method: 'GET', url: '/healthz' }));
await t.close();
