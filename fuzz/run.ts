/**
 * `npm run fuzz`: the schema fuzz of test/security/schema-fuzz.test.ts, for longer. Boots OpenPDX
 * in this process (SQLite in a temporary folder; PostgreSQL with OPENPDX_TEST_DATABASE_URL, in a
 * throwaway schema), sends FUZZ_REQUESTS (default 100,000) requests drawn from FUZZ_SEED (default:
 * today's date) across every operation of /openapi.json, prints progress every 10,000 and a summary.
 *
 * Exit code: 0 when no answer was a 5xx or leaked internals and /healthz always answered; 1
 * otherwise, after printing the first failing requests so they can be replayed.
 */
import { startFuzzApp } from './fuzz-app.ts';
import { fuzzOpenApi } from './openapi-fuzz.ts';

const requests = Number(process.env.FUZZ_REQUESTS ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? new Date().toISOString().slice(0, 10).replace(/-/g, ''));
const database = process.env.OPENPDX_TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite';

const target = await startFuzzApp();
const started = Date.now();
console.log(`Fuzzing ${requests.toLocaleString('en-GB')} requests on ${database}, seed ${seed} (FUZZ_SEED replays a run).`);
const report = await fuzzOpenApi(target.document, target.context, (req) => target.send(req), {
  requests,
  seed,
  onProgress: (done, r) => {
    if (done % 10_000 === 0)
      console.log(
        `  ${done.toLocaleString('en-GB')} sent, ${r.failures.length} failing, ${Math.round(done / ((Date.now() - started) / 1000))} req/s`,
      );
  },
});
await target.close();

const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\n${report.requests.toLocaleString('en-GB')} requests over ${report.operations} operations in ${seconds} s`);
console.log(
  `answers: ${Object.entries(report.byStatus)
    .sort()
    .map(([k, v]) => `${k} ${v.toLocaleString('en-GB')}`)
    .join(', ')}`,
);
console.log(`/healthz: ${report.healthChecks - report.healthFailures} of ${report.healthChecks} probes answered 200`);
console.log(`errors logged by the server: ${target.errors.length}`);
for (const f of report.failures.slice(0, 10))
  console.log(`\nFAILED ${f.status} ${f.request.method} ${f.request.url}\n${JSON.stringify(f.request)}\n${f.body}`);
for (const line of target.errors.slice(0, 5)) console.log(`\nSERVER ERROR ${line.slice(0, 1000)}`);
const ok = report.failures.length === 0 && report.healthFailures === 0 && target.errors.length === 0;
console.log(ok ? '\nNo 5xx, no leak, /healthz always up.' : '\nFAILED: see the requests above.');
process.exit(ok ? 0 : 1);
