import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next.ts';

describe('safeNext', () => {
  it.each(['/me', '/me/data', '/me/activity?page=2', '/ftc/begin/40000/abc_DEF-123/2', '/oauth2/interaction/Ab9_-x'])(
    'allows %s',
    (next) => {
      expect(safeNext(next)).toBe(next);
    },
  );

  it.each([
    'https://evil.example/me',
    '//evil.example/me',
    '/\\evil.example',
    '\\\\evil.example',
    '/me//evil.example',
    '/me/../admin',
    '/me/%2e%2e/admin',
    '/login',
    '/oauth2/token',
    '/oauth2/interaction/a/../../admin',
    '/oauth2/interaction/',
    'me',
    '',
    'javascript:alert(1)',
    '/me\nSet-Cookie: x=1',
    '/me@evil.example',
    `/me/${'a'.repeat(700)}`,
  ])('refuses %j', (next) => {
    expect(safeNext(next)).toBeUndefined();
  });

  it('refuses values that are not strings', () => {
    expect(safeNext(undefined)).toBeUndefined();
    expect(safeNext(['/me'])).toBeUndefined();
  });
});
