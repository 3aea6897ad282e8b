/** GET /docs: the reference page, server-rendered from /openapi.json, strict CSP, no script. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../../src/openapi/document.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(async () => t?.close());

describe('GET /docs', () => {
  it('answers an HTML page with a CSP that allows no script, cacheable like the document', async () => {
    const res = await t.app.inject({ url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.body).not.toMatch(/<script|https?:\/\/[^"<\s]*\.(js|css)\b/i);
  });

  it('shows every operation of the document, grouped by tag', async () => {
    const doc: OpenApiDocument = (await t.app.inject({ url: '/openapi.json' })).json();
    const html = (await t.app.inject({ url: '/docs' })).body;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(html, `${method} ${path}`).toContain(`<article id="op-${op.operationId.replace(/[^A-Za-z0-9_-]+/g, '-')}"`);
      }
    }
    for (const tag of ['OAuth2', 'Datasets', 'Calendar', 'Templates', 'member-web'])
      expect(html).toContain(`<h2 id="tag-${tag}">`);
  });
});
