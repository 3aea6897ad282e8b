import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../errors.ts';
import { clientCredentialsOf } from './client-auth.ts';

const REALM = 'https://pdx.example';
const form = (entries: Record<string, string> = {}) => new Map(Object.entries(entries));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function errorOf(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  throw new Error('expected an OAuthError');
}

describe('clientCredentialsOf', () => {
  it('reads HTTP Basic, decoding each part as a form value (RFC 6749 Appendix B)', () => {
    expect(clientCredentialsOf(`Basic ${b64('a%3Ab:c%25d+e')}`, form(), REALM)).toStrictEqual({
      clientId: 'a:b',
      clientSecret: 'c%d e',
      method: 'client_secret_basic',
    });
  });

  it('splits at the first colon only', () => {
    expect(clientCredentialsOf(`Basic ${b64('id:se:cret')}`, form(), REALM)).toMatchObject({ clientSecret: 'se:cret' });
  });

  it('accepts Basic without padding and in any case', () => {
    const encoded = b64('id:s').replace(/=+$/, '');
    expect(clientCredentialsOf(`basic ${encoded}`, form(), REALM).clientId).toBe('id');
  });

  it('reads client_secret_post', () => {
    expect(clientCredentialsOf(undefined, form({ client_id: 'id', client_secret: 's' }), REALM)).toStrictEqual({
      clientId: 'id',
      clientSecret: 's',
      method: 'client_secret_post',
    });
  });

  it('accepts a body client_id equal to the Basic one', () => {
    expect(clientCredentialsOf(`Basic ${b64('id:s')}`, form({ client_id: 'id' }), REALM).clientId).toBe('id');
  });

  it('answers no credentials with 401 invalid_client and a Basic challenge for the realm', () => {
    const err = errorOf(() => clientCredentialsOf(undefined, form(), REALM));
    expect([err.code, err.status, err.headers]).toStrictEqual([
      'invalid_client',
      401,
      { 'www-authenticate': `Basic realm="${REALM}"` },
    ]);
  });

  it.each([
    ['', 'unsupported authorization scheme; use Basic'],
    ['Basic', 'malformed Basic authorization header'],
    ['Basic ', 'malformed Basic authorization header'],
    [`Basic ${b64('nocolon')}`, 'malformed Basic authorization header'],
    [`Basic ${b64('id:%E0%A4%A')}`, 'malformed Basic authorization header'],
    [`Basic ${b64('id:s')}x`, 'malformed Basic authorization header'],
    [`Basic ${b64('id:s')} extra`, 'malformed Basic authorization header'],
    ['Digest abc', 'unsupported authorization scheme; use Basic'],
    ['Bearer abc', 'unsupported authorization scheme; use Basic'],
  ])('answers %j with 400 invalid_request', (header, description) => {
    const err = errorOf(() => clientCredentialsOf(header, form(), REALM));
    expect([err.code, err.status, err.message]).toStrictEqual(['invalid_request', 400, description]);
  });

  it('never throws anything but an OAuthError, whatever the header (FZ-08)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string({ unit: 'binary' }).map((s) => `Basic ${b64(s)}`),
        ),
        (header) => {
          try {
            const creds = clientCredentialsOf(header, form(), REALM);
            expect(creds.clientId).not.toBe('');
            expect(creds.method === 'private_key_jwt' ? creds.assertion : creds.clientSecret).not.toBe('');
          } catch (err) {
            expect(err).toBeInstanceOf(OAuthError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
