/** GET /docs: the reference page, server-rendered from /openapi.json, strict CSP, no script. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../../src/openapi/document.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(async () => t?.close());

describe('GET /docs/plain (the reference without JavaScript)', () => {
  it('answers an HTML page with a CSP that allows no script, cacheable like the document', async () => {
    const res = await t.app.inject({ url: '/docs/plain' });
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
    const html = (await t.app.inject({ url: '/docs/plain' })).body;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(html, `${method} ${path}`).toContain(`<article id="op-${op.operationId.replace(/[^A-Za-z0-9_-]+/g, '-')}"`);
      }
    }
    for (const tag of ['OAuth2', 'Datasets', 'Calendar', 'Templates', 'member-web'])
      expect(html).toContain(`<h2 id="tag-${tag}">`);
  });
});

describe('GET /docs (Swagger UI) and its files', () => {
  it('answers a page that loads only this server’s script and styles, under a CSP that allows nothing else', async () => {
    const res = await t.app.inject({ url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    const sources = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.filter((s) => s.startsWith('/docs/assets/'))).toHaveLength(4);
    expect(sources.every((s) => s.startsWith('/'))).toBe(true); // no CDN
    expect(res.body).toContain('<a href="/docs/plain">The same reference without JavaScript</a>');
    for (const src of sources.filter((s) => s.startsWith('/docs/assets/'))) {
      const asset = await t.app.inject({ url: src });
      expect(asset.statusCode, src).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=86400');
      expect(asset.rawPayload.length, src).toBeGreaterThan(100);
    }
    const bundle = await t.app.inject({ url: '/docs/assets/swagger-ui-bundle.js' });
    expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(bundle.body).toContain('SwaggerUIBundle');
  });

  it('serves no other file', async () => {
    for (const name of ['package.json', 'index.html', '..%2F..%2Fpackage.json', 'constructor', '__proto__']) {
      expect((await t.app.inject({ url: `/docs/assets/${name}` })).statusCode, name).toBe(404);
    }
  });
});
