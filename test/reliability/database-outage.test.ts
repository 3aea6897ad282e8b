/**
 * A database outage is a 503, not a dead process (docs/operations.md, "Database outages"). The
 * PostgreSQL half of the suite stops and restarts a PostgreSQL server of its own under the app;
 * the SQLite half fills its database to the limit. Either way: every API answers 503 with
 * Retry-After in its own format, /readyz answers 503, nothing acknowledged is lost, and service
 * resumes by itself when the database is back.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, TEST_PG_URL, type TestApp } from '../harness.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../private-postgres.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
let pg: PrivatePostgres | undefined;
const acknowledged: string[] = [];

beforeAll(async () => {
  if (TEST_PG_URL) pg = await startPrivatePostgres();
  t = await createTestApp({ startWorkers: false, ...(pg ? { env: { OPENPDX_DATABASE_URL: pg.url } } : {}) });
  sub = await createSubscriber(t, ['ds_referrals:rw']);
  m = await connectMember(t.ctx, sub, 'outage.member');
}, 60_000);
afterAll(async () => {
  await t.close();
  pg?.destroy();
});

const rowsUrl = () => `/api/pds/transaction/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_referrals&limit=10000`;

async function write(name: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/pds/transaction?uid=${m.uid}&key=${m.key}&con_id=${m.conId}&dataset=ds_referrals`,
    headers: bearer(sub),
    payload: { ds_referrals: { contact_name: name } },
  });
  if (res.statusCode === 200) acknowledged.push(name);
  return res;
}

async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200;

/** Takes the database away: PostgreSQL stopped (`fast`, as a restart does), or SQLite full. */
async function outage(): Promise<void> {
  if (pg) pg.stop('fast');
  else {
    const pages = await sql<{ page_count: number }>`pragma page_count`.execute(t.ctx.db);
    await sql.raw(`pragma max_page_count = ${pages.rows[0]!.page_count}`).execute(t.ctx.db);
  }
}

async function recovery(): Promise<void> {
  if (pg) pg.start();
  else await sql.raw('pragma max_page_count = 1073741823').execute(t.ctx.db);
}

describe(`a database outage (${TEST_PG_URL ? 'PostgreSQL stopped and started again' : 'SQLite full'})`, () => {
  it('serves normally before', async () => {
    for (let i = 0; i < 20; i++) expect((await write(`before-${i}`)).statusCode).toBe(200);
    expect(await ready()).toBe(true);
  });

  it('answers 503 with Retry-After in each route format while it lasts, and /healthz still 200', async () => {
    await outage();
    // Filling SQLite to the brim takes a few rows; a stopped PostgreSQL refuses the first.
    let res = await write('during-0');
    for (let i = 1; res.statusCode === 200 && i < 200; i++) res = await write(`during-${i}`);
    expect(res.statusCode, res.body).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toEqual({
      error: {
        message: 'Service unavailable',
        reason: pg
          ? 'The database is not answering at the moment. Nothing was changed; try again in a few seconds.'
          : 'The server cannot store data at the moment. Nothing was changed; try again later.',
      },
    });
    const readyz = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(readyz.statusCode).toBe(503);
    expect(readyz.json()).toEqual({ status: 'unavailable', outage: pg ? 'unreachable' : 'full' });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    if (pg) {
      // A client this process has not cached must be looked up: the OAuth format's 503.
      const token = await t.app.inject({
        method: 'POST',
        url: '/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=client_credentials&scope=mydex:pdx&client_id=never-seen-client&client_secret=pdx_cs_x',
      });
      expect(token.statusCode).toBe(503);
      expect(token.json().error).toBe('temporarily_unavailable');
      // A member page that must look its link up: the HTML error page's 503.
      const page = await t.app.inject({ method: 'GET', url: `/ftc/begin/${sub.nid}/pdx_ln_${'x'.repeat(43)}/1` });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toContain('text/html');
    }
  });

  it('resumes by itself when the database is back, with every acknowledged write present', async () => {
    // Idle pooled connections die with the server; the process must live through their errors.
    await new Promise((r) => setTimeout(r, 1500));
    await recovery();
    await until('/readyz to answer 200 again', ready);
    await until('a write to succeed again', async () => (await write('after-0')).statusCode === 200);
    for (let i = 1; i < 10; i++) expect((await write(`after-${i}`)).statusCode).toBe(200);
    const rows = (await t.app.inject({ method: 'GET', url: rowsUrl(), headers: bearer(sub) })).json() as Record<
      string,
      { contact_name: string }
    >;
    const stored = new Set(Object.values(rows).map((r) => r.contact_name));
    expect(acknowledged.filter((name) => !stored.has(name))).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);
  });
});
