import { describe, expect, it } from 'vitest';
import { OAuthError } from '../errors.ts';
import { readOAuthForm } from './oauth-form.ts';

const FORM = 'application/x-www-form-urlencoded';

describe('readOAuthForm', () => {
  it('reads form parameters, decoding + and %XX', () => {
    expect(Object.fromEntries(readOAuthForm(FORM, 'a=1&scope=x+y&b=%2F'))).toStrictEqual({ a: '1', scope: 'x y', b: '/' });
  });

  it('accepts parameters on the media type, in any case', () => {
    expect(readOAuthForm('Application/X-WWW-Form-Urlencoded; charset=UTF-8', 'a=1').get('a')).toBe('1');
  });

  it.each([undefined, 'application/json', 'text/plain', 'multipart/form-data', `${FORM}x`])('refuses content type %s', (ct) => {
    expect(() => readOAuthForm(ct, 'a=1')).toThrow(
      expect.objectContaining({ code: 'invalid_request', status: 400 }) as unknown as Error,
    );
  });

  it('treats empty values as absent', () => {
    const form = readOAuthForm(FORM, 'scope=&a=1&b');
    expect(form.has('scope')).toBe(false);
    expect(form.has('b')).toBe(false);
    expect(form.get('a')).toBe('1');
  });

  it('refuses a repeated parameter', () => {
    expect(() => readOAuthForm(FORM, 'a=1&a=2')).toThrow(OAuthError);
    expect(() => readOAuthForm(FORM, 'a=1&a=2')).toThrow('request parameters must not be repeated');
  });

  it('does not count an empty repeat as a repeat', () => {
    expect(readOAuthForm(FORM, 'a=&a=2').get('a')).toBe('2');
  });

  it('returns an empty form for an empty or missing body', () => {
    expect(readOAuthForm(FORM, '').size).toBe(0);
    expect(readOAuthForm(FORM, undefined).size).toBe(0);
  });
});
