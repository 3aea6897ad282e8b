/** IDaaS paths answer errors in the reference's formats, not the PDX or HTML ones. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ValidationError } from '../../src/errors.ts';
import { present } from '../../src/http/error-presenters.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(() => t.close());

describe('the IDaaS wire format', () => {
  it('answers the IDaaS routes, and unknown paths under /members/, not the member pages', async () => {
    // Each IDaaS route is in the 'idaas' route family: no token → AuthErrorResponse, bad input → ErrorResponse.
    for (const url of ['/ftc/setup', '/identify', '/members/notify', '/members/invite']) {
      const res = await t.app.inject({ method: 'POST', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.message, url).toBeTypeOf('string');
    }
    const unknown = await t.app.inject({ method: 'GET', url: '/members/unknown/path' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ success: 0, message: expect.stringContaining('Not found') });
    for (const url of ['/me/no-such-page', '/ftc/begin/1/x/1/extra']) {
      const page = await t.app.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(404);
      expect(page.headers['content-type'], url).toMatch(/^text\/html/);
      expect(page.headers['x-frame-options'], url).toBe('DENY');
    }
    for (const url of ['/api/no-such-route', '/ftc/neither']) {
      const pdx = await t.app.inject({ method: 'GET', url });
      expect(pdx.json(), url).toMatchObject({ error: { message: 'Not found' } });
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
