/**
 * GET /metrics after real traffic: requests by route pattern and status, latency, tokens issued,
 * outbox depth and delivery attempts, the database pool on PostgreSQL, and the process's own
 * metrics. Access: open in a sandbox, a bearer token when one is configured, off in live without.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, TEST_PG_URL, type TestApp } from '../harness.ts';

let t: TestApp;
let sub: Subscriber;

/** The value of one sample line, `name{labels} value`; undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t, ['ds_personal_details:rw']);
});
afterAll(() => t.close());

describe('GET /metrics', () => {
  it('counts requests by route pattern, method and status, with latency, tokens and the outbox', async () => {
    const m = await connectMember(t.ctx, sub, 'metrics.member');
    const url = `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&source_type=connection&dataset=ds_personal_details`;
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ method: 'GET', url, headers: bearer(sub) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    await t.app.inject({ method: 'GET', url: `/no/such/path/${'x'.repeat(40)}` });

    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    const route = 'route="/api/pds/pds/:file"';
    expect(sample(text, 'openpdx_http_requests_total', `method="GET",${route},status="200"`)).toBe(3);
    expect(sample(text, 'openpdx_http_requests_total', `method="GET",${route},status="401"`)).toBe(1);
    expect(sample(text, 'openpdx_http_requests_total', 'method="GET",route="unmatched",status="404"')).toBe(1);
    expect(text).not.toContain('xxxxxxxx'); // no URL becomes a label
    expect(text).not.toContain(m.key);
    expect(sample(text, 'openpdx_http_request_duration_seconds_count', `method="GET",${route}`)).toBe(4);
    // createSubscriber asked for one token; connecting the member queued its consent callback.
    expect(sample(text, 'openpdx_oauth_tokens_issued_total', 'grant="client_credentials"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'openpdx_outbox_depth')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE openpdx_outbox_delivery_attempts_total counter');
    expect(sample(text, 'openpdx_process_resident_memory_bytes')).toBeGreaterThan(0);
    if (TEST_PG_URL) {
      expect(sample(text, 'openpdx_db_pool_max')).toBe(10);
      expect(sample(text, 'openpdx_db_pool_connections')).toBeGreaterThanOrEqual(1);
    } else {
      expect(sample(text, 'openpdx_db_pool_max')).toBeUndefined(); // SQLite has no pool
    }
  });

  it('counts delivery attempts as the outbox delivers', async () => {
    const before =
      sample(
        (await t.app.inject({ method: 'GET', url: '/metrics' })).body,
        'openpdx_outbox_delivery_attempts_total',
        'outcome="retry"',
      ) ?? 0;
    await t.ctx.outbox.runOnce(); // the consent callback's URL is unreachable in tests: a retry
    const after = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(after, 'openpdx_outbox_delivery_attempts_total', 'outcome="retry"')).toBeGreaterThan(before);
  });
});

describe('access to /metrics', () => {
  it('asks for the bearer token when OPENPDX_METRICS_TOKEN is set, and is off in live without one', async () => {
    const token = 'm'.repeat(40);
    const guarded = await createTestApp({ env: { OPENPDX_METRICS_TOKEN: token } });
    try {
      const none = await guarded.app.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      const wrong = await guarded.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${'n'.repeat(40)}` },
      });
      expect(wrong.statusCode).toBe(401);
      const right = await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      expect(right.statusCode).toBe(200);
      expect(right.body).toContain('# TYPE openpdx_http_requests_total counter');
    } finally {
      await guarded.close();
    }
    const live = await createTestApp({
      env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org', OPENPDX_TRUST_PROXY: '127.0.0.1' },
    });
    try {
      const off = await live.app.inject({ method: 'GET', url: '/metrics' });
      expect(off.statusCode).toBe(404);
      expect(off.body).toContain('Metrics are off: set OPENPDX_METRICS_TOKEN to serve them.');
    } finally {
      await live.close();
    }
  });
});
