/** IDaaS paths answer errors in the reference's formats, not the PDX or HTML ones. */
import { describe, expect, it } from 'vitest';
import { AppError, ValidationError } from '../../src/errors.ts';
import { present, wireFormatFor } from '../../src/http/error-presenters.ts';

describe('the IDaaS wire format', () => {
  it('applies to /ftc/setup, /identify and everything under /members/, not to the member pages', () => {
    for (const url of ['/ftc/setup', '/identify', '/members/notify', '/members/invite/abc?x=1', '/members/unknown']) {
      expect(wireFormatFor(url), url).toBe('idaas');
    }
    for (const [url, format] of [
      ['/me', 'html'],
      ['/me/identities', 'html'],
      ['/ftc/begin/1/x/1', 'html'],
      ['/identify/1', 'pdx'],
      ['/api/connection', 'pdx'],
    ] as const) {
      expect(wireFormatFor(url), url).toBe(format);
    }
  });

  it('is ErrorResponse {success:0, message} for bad input and AuthErrorResponse for 401 and 403', () => {
    expect(present('idaas', new ValidationError('Member does not exist.'), 'r1').body).toEqual({
      success: 0,
      message: 'Member does not exist.',
    });
    const denied = present('idaas', new AppError('x', 403, 'Access denied', { reason: 'No.' }), 'r1');
    expect(denied).toMatchObject({ status: 403, body: { error: { message: 'Access denied', reason: 'No.' } } });
    const internal = present('idaas', new AppError('internal_error', 500, 'boom', { expose: false }), 'r1');
    expect(internal).toMatchObject({ status: 500, body: { success: 0, message: 'Internal error' } });
  });
});
