/**
 * Bad input never gets a 500 (security test plan §4.7): random bodies, query strings and headers
 * against every write route family. Bounded and seeded, so the run is deterministic.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t, ['ds_personal_details:rw', 'ds_referrals:rw']);
  m = await connectMember(t.ctx, sub, 'fuzzed');
});
afterAll(() => t.close());

const junk = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ ds_personal_details: v })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ ds_referrals: v })),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 })).map((d) => new URLSearchParams(d).toString()),
  fc.constantFrom('a[b][c][d][e][f][g]=1', '%', '{"__proto__":1}', '[]', 'null', '{"ds_referrals":[]}', '\u0000'),
);

const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.constantFrom(
        'dataset',
        'instance',
        'id',
        'limit',
        'offset',
        'sort',
        'uid',
        'filters[x][operator]',
        'filters[status][value]',
      ),
      fc.string({ maxLength: 15 }),
    )
    .map((d) => new URLSearchParams(d).toString()),
);

describe('fuzzing the write routes (never a 500)', () => {
  it('answers every random request with a 2xx or a 4xx in the route format', async () => {
    const base = `key=${m.key}&con_id=${m.conId}&source_type=connection`;
    const targets = [
      (q: string) => ['POST', `/api/pds/pds/${m.uid}.json?${base}&dataset=ds_personal_details&${q}`],
      (q: string) => ['PUT', `/api/pds/pds/${m.uid}.json?${base}&dataset=ds_personal_details&${q}`],
      (q: string) => ['POST', `/api/pds/transaction?uid=${m.uid}&${base}&${q}`],
      (q: string) => ['PUT', `/api/pds/transaction/${m.uid}.json?${base}&dataset=ds_referrals&id=1&${q}`],
      (q: string) => ['GET', `/api/pds/transaction/${m.uid}.json?${base}&dataset=ds_referrals&${q}`],
      (q: string) => ['POST', `/oauth2/token?${q}`],
      (q: string) => ['POST', `/api/connection?${q}`],
      (q: string) => ['POST', `/calendar/add-event?uid=${m.uid}&con_id=${m.conId}&${q}`],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(targets.length - 1),
        junk,
        query,
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        async (i, body, q, type) => {
          const [method, url] = targets[i]!(q);
          const res = await t.app.inject({
            method: method as 'POST',
            url,
            payload: body,
            headers: { ...bearer(sub), 'content-type': type, 'connection-token': m.key },
          });
          expect(res.statusCode, `${method} ${url} ${body}`).toBeLessThan(500);
          expect(res.body).not.toMatch(/at \w+ \(|node_modules|SQLITE|syntax error/);
        },
      ),
      { numRuns: 400, seed: 20261128 },
    );
  });
});
