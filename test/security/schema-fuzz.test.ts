/**
 * The bounded schema fuzz (docs/security.md, "Fuzzing"): every operation in /openapi.json, a few
 * thousand malformed and extreme requests, on whichever database the suite runs on. No answer may
 * be a 5xx or leak internals, /healthz must keep answering, and the database must never be the one
 * to refuse a value (that would log edge_validation_gap). `npm run fuzz` runs the same fuzzer longer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFuzzApp, type FuzzApp } from '../../fuzz/fuzz-app.ts';
import { fuzzOpenApi } from '../../fuzz/openapi-fuzz.ts';

const REQUESTS = Number(process.env.OPENPDX_FUZZ_REQUESTS ?? 3000);
let target: FuzzApp;

beforeAll(async () => {
  target = await startFuzzApp();
}, 60_000);
afterAll(() => target.close());

describe('schema fuzz of every operation', () => {
  it(`answers ${REQUESTS} fuzzed requests without a 5xx, and keeps answering /healthz`, async () => {
    const report = await fuzzOpenApi(target.document, target.context, (req) => target.send(req), {
      requests: REQUESTS,
      seed: 20261205,
    });
    expect(report.operations).toBeGreaterThanOrEqual(100);
    expect(report.requests).toBe(REQUESTS);
    expect(report.failures).toEqual([]);
    expect(report.healthChecks).toBeGreaterThan(0);
    expect(report.healthFailures).toBe(0);
    // The fuzz reached past authentication and validation, not only into 401s and 400s.
    expect(report.byStatus['2xx'] ?? 0).toBeGreaterThan(REQUESTS / 10);
    expect(target.errors).toEqual([]);
  }, 180_000);
});
