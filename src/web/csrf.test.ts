import { describe, expect, it } from 'vitest';
import { csrfToken, newCsrfSecret, verifyCsrfToken } from './csrf.ts';

describe('CSRF tokens', () => {
  const secret = newCsrfSecret();

  it('accepts the token made for the same secret and action', () => {
    expect(verifyCsrfToken(secret, '/me/delete', csrfToken(secret, '/me/delete'))).toBe(true);
  });

  it('refuses a token made for another form action', () => {
    expect(verifyCsrfToken(secret, '/me/delete', csrfToken(secret, '/me/password'))).toBe(false);
  });

  it('refuses a token made with another secret', () => {
    expect(verifyCsrfToken(secret, '/me/delete', csrfToken(newCsrfSecret(), '/me/delete'))).toBe(false);
  });

  it('refuses missing, empty, non-string and oversized tokens, and a missing secret', () => {
    const good = csrfToken(secret, '/login');
    expect(verifyCsrfToken(secret, '/login', undefined)).toBe(false);
    expect(verifyCsrfToken(secret, '/login', '')).toBe(false);
    expect(verifyCsrfToken(secret, '/login', ['x'])).toBe(false);
    expect(verifyCsrfToken(secret, '/login', good + 'x'.repeat(100))).toBe(false);
    expect(verifyCsrfToken(undefined, '/login', good)).toBe(false);
  });

  it('makes 256-bit secrets that differ every time', () => {
    const a = newCsrfSecret();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(newCsrfSecret());
  });
});
