/** An operator's own names, logo and links on every member page and email (docs/member-web.md, "Branding"). */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { useBranding } from '../../src/web/branding.ts';
import { createMember } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { FormClient, squash } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'openpdx-brand-'));
const logoFile = join(dir, 'civic.svg');
writeFileSync(logoFile, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      OPENPDX_SERVICE_NAME: 'Civic Vault',
      OPENPDX_ID_NAME: 'CivicID',
      OPENPDX_LOGO_FILE: logoFile,
      OPENPDX_PRIVACY_URL: 'https://civic.example/privacy',
      OPENPDX_SUPPORT_URL: 'mailto:help@civic.example',
    },
  });
});
afterAll(() => t.close());

describe('branding', () => {
  it('names the service and the identifier as the operator does, with their logo and links', async () => {
    const c = new FormClient(t.app);
    for (const path of ['/', '/login', '/register', '/forgot-password']) {
      const body = squash((await c.get(path)).body);
      expect(body, path).toMatch(/<title>[^<]* – Civic Vault<\/title>/);
      expect(body, path).not.toMatch(/MydexID|OpenPDX/);
      expect(body, path).toContain(squash('<a href="https://civic.example/privacy">Privacy notice</a>'));
      expect(body, path).toContain(squash('<a href="mailto:help@civic.example">Help and support</a>'));
    }
    const login = squash((await c.get('/login')).body);
    expect(login).toContain(squash('<label class="label" for="f-mydexid">CivicID</label>'));
    const src = /<img class="site-header__logo" src="(\/assets\/logo-[0-9a-f]{12}\.svg)" alt="">/.exec(login)?.[1];
    expect(src).toBeDefined();
    const logo = await t.app.inject({ method: 'GET', url: src! });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/svg+xml');
  });

  it('uses the identifier’s name in emails too', async () => {
    const m = await createMember(t.ctx, 'brandmail');
    await t.ctx.passwordResets.request(m.mydexid);
    const [mail] = (await t.ctx.outbox.listSandboxMessages()).filter((x) => x.recipient === `${m.mydexid}@example.org`);
    expect(mail!.body).toContain(`the password of CivicID ${m.mydexid}`);
    expect(mail!.body).not.toContain('MydexID');
  });

  it('refuses links that are not web or mail addresses, and logos it would not serve', () => {
    expect(() => loadConfig({ OPENPDX_PRIVACY_URL: 'javascript:alert(1)' })).toThrow(/OPENPDX_PRIVACY_URL/);
    expect(() => loadConfig({ OPENPDX_SUPPORT_URL: 'ftp://civic.example' })).toThrow(/OPENPDX_SUPPORT_URL/);
    const gif = join(dir, 'logo.gif');
    writeFileSync(gif, 'GIF89a');
    const branding = { ...loadConfig({}).branding, logoFile: gif };
    expect(() => useBranding(branding)).toThrow(/must be a \.png, \.svg, \.jpg or \.webp file/);
    expect(() => useBranding({ ...branding, logoFile: join(dir, 'missing.png') })).toThrow(/cannot be read/);
  });
});
