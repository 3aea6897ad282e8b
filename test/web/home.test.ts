/** `/`: a landing page that explains the service and leads to sign-in, registration and the API reference. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { csrfFor, FormClient } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(() => t.close());

describe('the landing page', () => {
  it('explains the service and links to sign in, register and the API reference, with the member pages’ headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.body).toContain('<h1>Your Personal Data Store</h1>');
    for (const href of ['/login', '/register', '/docs', '/dev/outbox']) expect(res.body).toContain(`href="${href}"`);
  });

  it('sends a signed-in member to their store instead', async () => {
    const m = await createMember(t.ctx, 'home.jo');
    const browser = new FormClient(t.app);
    const login = await browser.get('/login');
    await browser.post('/login', { csrf: csrfFor(login.body, '/login'), mydexid: m.mydexid, password: m.password });
    const res = await browser.get('/');
    expect(res.body).toContain('href="/me"');
    expect(res.body).not.toContain('href="/register"');
  });

  it('does not mention the sandbox outbox in live', async () => {
    const live = await createTestApp({
      startWorkers: false,
      env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org' },
    });
    try {
      const res = await live.app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('/dev/outbox');
    } finally {
      await live.close();
    }
  });
});
