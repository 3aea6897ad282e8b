import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { validateCallbackUrl } from './callback-url.ts';

describe('validateCallbackUrl', () => {
  it('accepts http and https in sandbox', () => {
    expect(validateCallbackUrl(' http://localhost:8080/cb ', 'sandbox')).toBe('http://localhost:8080/cb');
    expect(validateCallbackUrl('https://example.org/cb', 'sandbox')).toBe('https://example.org/cb');
  });

  it('accepts only https in live', () => {
    expect(validateCallbackUrl('https://example.org/cb', 'live')).toBe('https://example.org/cb');
    expect(() => validateCallbackUrl('http://example.org/cb', 'live')).toThrow(
      expect.objectContaining({ reason: 'The callback URL must use https in live.' }),
    );
  });

  it('refuses relative URLs, other schemes and embedded credentials', () => {
    for (const bad of ['/cb', 'example.org', 'ftp://example.org/cb', 'javascript:alert(1)', 'https://u:p@example.org/cb']) {
      expect(() => validateCallbackUrl(bad, 'sandbox')).toThrow(ValidationError);
    }
  });

  it('refuses loopback, private and link-local address hosts in live, and allows them in sandbox', () => {
    for (const bad of [
      'https://127.0.0.1/cb',
      'https://10.1.2.3/cb',
      'https://[::1]/cb',
      'https://169.254.169.254/x',
      'https://localhost/cb',
    ]) {
      let reason = '';
      try {
        validateCallbackUrl(bad, 'live');
      } catch (err) {
        reason = (err as ValidationError).reason ?? '';
      }
      expect(reason, bad).toMatch(/loopback, private or link-local/);
      expect(validateCallbackUrl(bad.replace('https', 'http'), 'sandbox')).toBeTruthy();
    }
    expect(validateCallbackUrl('https://93.184.215.14/cb', 'live')).toBe('https://93.184.215.14/cb');
  });
});
