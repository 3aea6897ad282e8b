/**
 * Request bodies have a limit per route family, checked from Content-Length before anything is
 * read and again while the body streams; bearer-protected routes refuse a bad token before reading
 * the body at all (docs/security.md, "Request bodies").
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../../src/http/body-limits.ts';
import { bearer, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES } from '../features/helpers.ts';

let t: TestApp;
let sub: Subscriber;
let port: number;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  port = Number(new URL(await t.listen()).port);
});
afterAll(() => t.close());

/**
 * Sends the headers and only `sent` bytes of a body that claims `length`, then waits for whatever
 * the server answers (status line and body) without ever sending the rest.
 */
function partialPost(
  path: string,
  length: number,
  headers: Record<string, string> = {},
  sent = 1024,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const head = data.indexOf('\r\n\r\n');
      const m = /content-length: (\d+)/i.exec(data);
      if (head >= 0 && m && data.length >= head + 4 + Number(m[1])) {
        socket.destroy();
        resolve({ status: Number(data.slice(9, 12)), text: data.slice(head + 4) });
      }
    });
    socket.on('error', reject);
    const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${length}`, 'Content-Type: application/json'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n${'{'.padEnd(sent, ' ')}`);
  });
}

describe('authentication before the body', () => {
  it('refuses an unauthenticated 8 MiB dataset write after reading only its headers', async () => {
    const res = await partialPost('/api/pds/transaction?uid=1', BODY_LIMITS.datasetWrite);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text).error.message).toBe('Access denied');
  });

  it('refuses a bad bearer token on a feature block before its body arrives', async () => {
    const res = await partialPost('/calendar/add-event?uid=1', 512 * 1024, { Authorization: 'Bearer not.a.token' });
    expect(res.status).toBe(401);
  });
});

describe('limits per route family', () => {
  it.each([
    ['/oauth2/token', BODY_LIMITS.oauth, {}],
    ['/login', BODY_LIMITS.memberForm, {}],
    ['/no/such/route', BODY_LIMITS.other, {}],
    ['/calendar/add-event?uid=1', BODY_LIMITS.api, 'bearer'],
    ['/api/pds/transaction?uid=1', BODY_LIMITS.datasetWrite, 'bearer'],
  ] as const)('answers %s with 413 as soon as Content-Length passes %i bytes', async (path, limit, auth) => {
    const headers: Record<string, string> = auth === 'bearer' ? { Authorization: bearer(sub).authorization! } : {};
    const res = await partialPost(path, limit + 1, headers);
    expect(res.status).toBe(413);
  });

  it('says what the limit is, in the route format', async () => {
    const oauth = await partialPost('/oauth2/token', BODY_LIMITS.oauth + 1);
    expect(JSON.parse(oauth.text)).toEqual({ error: 'invalid_request', error_description: 'Request body too large' });
    const pdx = await partialPost('/api/pds/transaction?uid=1', BODY_LIMITS.datasetWrite + 1, {
      Authorization: bearer(sub).authorization!,
    });
    expect(JSON.parse(pdx.text)).toEqual({
      error: { message: 'Request body too large', reason: `The limit for this route is ${BODY_LIMITS.datasetWrite} bytes.` },
    });
  });

  it('stops reading a chunked body that grows past the limit', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new ReadableStream({
        pull(controller) {
          controller.enqueue(new TextEncoder().encode('a'.repeat(4096)));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('still accepts a body within the limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&scope=mydex:pdx&client_id=${sub.clientId}&client_secret=${sub.clientSecret}&pad=${'x'.repeat(BODY_LIMITS.oauth - 500)}`,
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});
