/**
 * The typed client (client/index.ts) and the Postman collection, both generated from OpenPDX's own
 * OpenAPI document: the checked-in files match a fresh generation, the client (compiled by
 * `npm run typecheck` with this file) calls a running server, and the collection holds every
 * operation.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionCredentials, createOpenPdxClient, OpenPdxError, requestAccessToken } from '../../client/index.ts';
import { generatePostman, generateTypes, POSTMAN_FILE, sandboxDocument, TYPES_FILE } from '../../scripts/generate-client.ts';
import { connectMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
let base: string;
let sub: Subscriber;
let document: { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  t = await createTestApp();
  base = await t.listen();
  sub = await createSubscriber(t, ['ds_personal_details:rw']);
  document = (await sandboxDocument()) as typeof document;
}, 60_000);
afterAll(() => t.close());

describe('the generated files', () => {
  it('match a fresh generation from the document (regenerate: npm run client)', async () => {
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(await generateTypes(document));
    expect(readFileSync(POSTMAN_FILE, 'utf8')).toBe(await generatePostman(document));
  }, 60_000);

  it('give Postman every operation, in a folder per tag, against {{baseUrl}}', () => {
    interface Item {
      name: string;
      item?: Item[];
      request?: { method: string; url: { host: string[]; path: string[] } };
    }
    const collection = JSON.parse(readFileSync(POSTMAN_FILE, 'utf8')) as {
      info: { schema: string };
      item: Item[];
      variable: { key: string; value: string }[];
    };
    expect(collection.info.schema).toBe('https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    expect(collection.variable).toContainEqual(expect.objectContaining({ key: 'baseUrl', value: 'http://localhost:8080' }));
    const requests: NonNullable<Item['request']>[] = [];
    const walk = (items: Item[]) => items.forEach((i) => (i.item ? walk(i.item) : i.request && requests.push(i.request)));
    walk(collection.item);
    const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(requests).toHaveLength(operations);
    expect(requests.every((r) => r.url.host.join('') === '{{baseUrl}}')).toBe(true);
    expect(requests.map((r) => `${r.method} /${r.url.path.join('/')}`)).toContain('POST /oauth2/token');
  });

  it('has Postman get each request a token for exactly the scopes its operation needs, with the collection’s client', () => {
    interface Item {
      item?: Item[];
      request?: { method: string; url: { path: string[] }; auth?: { type: string; oauth2?: { key: string; value: string }[] } };
    }
    const collection = JSON.parse(readFileSync(POSTMAN_FILE, 'utf8')) as { item: Item[]; variable: { key: string }[] };
    expect(collection.variable.map((v) => v.key)).toEqual(expect.arrayContaining(['baseUrl', 'clientId', 'clientSecret']));
    const needed = new Map<string, string>();
    for (const [path, item] of Object.entries(document.paths))
      for (const [method, op] of Object.entries(item as Record<string, { security?: Record<string, string[]>[] }>))
        needed.set(
          `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
          (op.security ?? []).flatMap((s) => s.oauth2 ?? []).join(' '),
        );
    const checked: string[] = [];
    const walk = (items: Item[]) =>
      items.forEach((i) => {
        if (i.item) walk(i.item);
        if (i.request?.auth?.type !== 'oauth2') return;
        const auth = Object.fromEntries(i.request.auth.oauth2!.map((e) => [e.key, e.value]));
        const key = `${i.request.method} /${i.request.url.path.join('/')}`;
        expect(auth.scope, key).toBe(needed.get(key));
        expect(auth).toMatchObject({
          accessTokenUrl: '{{baseUrl}}/oauth2/token',
          clientId: '{{clientId}}',
          clientSecret: '{{clientSecret}}',
        });
        checked.push(key);
      });
    walk(collection.item);
    expect(checked.length).toBeGreaterThan(50);
    expect(checked).toContain('POST /calendar/add-event');
  });
});

describe('the typed client against a running server', () => {
  it('gets a token, writes and reads a member’s data, and gives the typed error body when refused', async () => {
    const m = await connectMember(t.ctx, sub, 'client.member');
    const token = await requestAccessToken({ baseUrl: base, clientId: sub.clientId, clientSecret: sub.clientSecret });
    expect(token.token_type).toBe('bearer');
    const pdx = createOpenPdxClient(base, token.access_token);
    const query = { dataset: 'ds_personal_details', key: m.key, con_id: m.conId, instance: '0' };
    const file = `${m.uid}.json`;

    const written = await pdx.POST('/api/pds/pds/{file}', {
      params: { path: { file }, query },
      body: { ds_personal_details: { field_personal_fname: 'Ada' } },
    });
    expect(written.data).toEqual({ success: 1 });

    const read = await pdx.GET('/api/pds/pds/{file}', { params: { path: { file }, query } });
    expect(read.response.status).toBe(200);
    // The body is JSON for a .json file (the document also allows XML for .xml): narrowed here.
    const body = typeof read.data === 'object' ? read.data : undefined;
    expect(body?.ds_personal_details?.instance_0?.field_personal_fname?.value).toBe('Ada');

    const refused = await pdx.GET('/api/pds/pds/{file}', { params: { path: { file }, query: { ...query, con_id: 'nope' } } });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.error.message).toBe('Invalid parameter');

    await expect(requestAccessToken({ baseUrl: base, clientId: sub.clientId, clientSecret: 'wrong' })).rejects.toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    } satisfies Partial<OpenPdxError>);
  });

  it('makes a registration link with the connection credentials', async () => {
    const token = await requestAccessToken({ baseUrl: base, clientId: sub.clientId, clientSecret: sub.clientSecret });
    const pdx = createOpenPdxClient(base, token.access_token);
    const sat = await pdx.GET('/access-token/{nid}', { params: { path: { nid: String(sub.nid) } } });
    expect(typeof sat.data).toBe('string');
    const creds = connectionCredentials(sat.data as string, sub.connectionToken);
    const link = await pdx.POST('/api/pds', {
      params: { header: creds.headers },
      body: {
        mydexid: 'client.newcomer',
        email: 'client.newcomer@example.org',
        password: 'a password of theirs',
        connection_nid: sub.nid,
        connection_token_hash: creds.connectionTokenHash,
        return_to: 'https://subscriber.example.org/back',
      },
    });
    expect(link.error).toBeUndefined();
    expect(link.data).toMatch(new RegExp(`/ftc/begin/${sub.nid}/[^/]+/\\d+$`));
  });
});
