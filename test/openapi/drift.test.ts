/**
 * "CI fails when the document drifts from the routes": every route the app registers is
 * described (or left out with a reason: `undocumentedBecause` in its schema), and every described operation has its route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(async () => t?.close());

describe('the OpenAPI document and the registered routes', () => {
  it('sees the routes of every module, those of encapsulated plugins included', () => {
    const keys = t.app.openapi.routes.routes().map((r) => `${r.method} ${r.url}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /oauth2/token',
        'GET /api/pds/pds/:file',
        'POST /calendar/add-event',
        'GET /api/pds/mam.xml',
        'GET /me',
        'GET /docs',
      ]),
    );
    expect(keys.length).toBeGreaterThan(100);
  });

  it('describes every registered route', () => {
    expect(t.app.openapi.build().drift.undocumented).toEqual([]);
  });

  it('has a route for every operation it describes', () => {
    expect(t.app.openapi.build().drift.unrouted).toEqual([]);
  });
});
