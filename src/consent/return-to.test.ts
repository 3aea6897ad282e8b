import { describe, expect, it } from 'vitest';
import { checkReturnTo, withStatus, type ReturnToPolicy } from './return-to.ts';

const live: ReturnToPolicy = { env: 'live', callbackUrl: 'https://subscriber.example.org/pdx/callback' };
const sandbox: ReturnToPolicy = { env: 'sandbox', callbackUrl: 'https://subscriber.example.org/pdx/callback' };

describe('checkReturnTo', () => {
  it('accepts in live any path on the origin of the callback URL', () => {
    for (const url of [
      'https://subscriber.example.org/hello-world',
      'https://subscriber.example.org/',
      'https://SUBSCRIBER.example.org:443/a?b=c',
    ]) {
      expect(checkReturnTo(url, live), url).toHaveProperty('url');
    }
  });

  it('refuses in live http, another host, another port and a look-alike host (BCP-05)', () => {
    const origin = "return_to must be on the origin of the connection's callback URL (https://subscriber.example.org).";
    const cases: Record<string, string> = {
      'http://subscriber.example.org/hello-world': 'return_to must use https.',
      'https://evil.example.org/': origin,
      'https://subscriber.example.org:8443/': origin,
      'https://subscriber.example.org.evil.example/': origin,
      'https://subscriber.example.org@evil.example/': 'return_to must not contain a user name or password.',
    };
    for (const [url, problem] of Object.entries(cases)) expect(checkReturnTo(url, live), url).toEqual({ problem });
  });

  it('accepts in the sandbox any http or https URL, local ones included', () => {
    expect(checkReturnTo('http://localhost:3000/done', sandbox)).toEqual({ url: 'http://localhost:3000/done' });
    expect(checkReturnTo('https://elsewhere.example/x', sandbox)).toEqual({ url: 'https://elsewhere.example/x' });
  });

  it('refuses other schemes, relative URLs, control characters, fragments and overlong URLs everywhere', () => {
    const bad = [
      'javascript:alert(1)',
      'data:text/html,hi',
      '//evil.example/',
      'https://subscriber.example.org/a\nb',
      'https://subscriber.example.org/a\tb',
      'https://subscriber.example.org/#x',
      `https://subscriber.example.org/${'a'.repeat(2048)}`,
    ];
    for (const url of bad) expect(checkReturnTo(url, sandbox), url).toHaveProperty('problem');
  });
});

describe('withStatus', () => {
  it('adds the status as the first or a further query parameter', () => {
    expect(withStatus('https://s.example/done', 'connected')).toBe('https://s.example/done?status=connected');
    expect(withStatus('https://s.example/done?ref=7', 'rejected')).toBe('https://s.example/done?ref=7&status=rejected');
    expect(withStatus('https://s.example/done?', 'expired')).toBe('https://s.example/done?status=expired');
  });
});
