import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMember, createSubscriber, tokenFor, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';

const MAM_SCOPES = [
  'get:/api/pds/mam',
  'get:/api/pds/mam/this-is-me',
  'get:/api/pds/mam/this-is-me/personal-details',
  'put:/api/pds/mam/this-is-me/personal-details',
  'get:/api/pds/mam/this-is-me/contact-details',
  'put:/api/pds/mam/this-is-me/contact-details',
  'post:/api/pds/mam/add-person',
  'delete:/api/pds/mam/delete-person',
];
const ACCESS_DENIED = {
  error: {
    message: 'Access denied',
    reason: 'Unable to authorize the request. Please make sure you send an OAuth2.0 bearer token or an API key.',
  },
};

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(
    t,
    ['ds_personal_details:rw', 'ds_contact_details:rw', 'ds_people:rw'],
    ['mydex:pdx', ...MAM_SCOPES],
  );
  m = await connectMember(t.ctx, sub, 'mam-member');
});
afterAll(() => t.close());

interface Call {
  token?: string;
  query?: Record<string, string | number>;
  payload?: unknown;
  member?: boolean;
}

function call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, c: Call = {}) {
  const query = new URLSearchParams();
  if (c.member ?? true) {
    query.set('uid', String(m.uid));
    query.set('con_id', m.conId);
  }
  for (const [k, v] of Object.entries(c.query ?? {})) query.set(k, String(v));
  return t.app.inject({
    method,
    url: `${path}?${query.toString()}`,
    headers: { authorization: `Bearer ${c.token ?? sub.accessToken}`, 'connection-token': m.key },
    ...(c.payload !== undefined ? { payload: c.payload as object } : {}),
  });
}

describe('the mam template (Modular About Me)', () => {
  describe('indexes', () => {
    it('lists the modules and actions of the template at /api/pds/mam and /api/pds/mam/index', async () => {
      const res = await call('GET', '/api/pds/mam', { member: false });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        template: 'mam',
        title: 'Modular About Me',
        description: expect.any(String),
        modules: { 'this-is-me': { title: 'This is me', path: '/api/pds/mam/this-is-me' } },
        actions: {
          'add-person': { title: expect.any(String), path: '/api/pds/mam/add-person', dataset: 'ds_people', methods: ['POST'] },
          'delete-person': {
            title: expect.any(String),
            path: '/api/pds/mam/delete-person',
            dataset: 'ds_people',
            methods: ['DELETE'],
          },
        },
      });
      const index = await call('GET', '/api/pds/mam/index', { member: false });
      expect(index.json()).toEqual(res.json());
      expect((await call('GET', '/api/pds/mam.json', { member: false })).json()).toEqual(res.json());
    });

    it('serves an index as XML with .xml', async () => {
      const res = await call('GET', '/api/pds/mam/index.xml', { member: false });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/xml');
      expect(res.body).toContain('<template>mam</template>');
    });

    it('lists the subsections of a module', async () => {
      const res = await call('GET', '/api/pds/mam/this-is-me/index', { member: false });
      expect(res.statusCode).toBe(200);
      expect(res.json().subsections).toEqual({
        'personal-details': {
          title: 'Personal details',
          path: '/api/pds/mam/this-is-me/personal-details',
          dataset: 'ds_personal_details',
          methods: ['GET', 'PUT'],
        },
        'contact-details': {
          title: 'Contact details',
          path: '/api/pds/mam/this-is-me/contact-details',
          dataset: 'ds_contact_details',
          methods: ['GET', 'PUT'],
        },
      });
    });

    it('describes the fields of a subsection', async () => {
      const res = await call('GET', '/api/pds/mam/this-is-me/personal-details/index', { member: false });
      expect(res.statusCode).toBe(200);
      expect(res.json().fields.field_personal_title).toEqual({
        label: 'Title',
        type: 'varchar',
        description: expect.any(String),
        lookup: 'lu_title',
      });
    });
  });

  describe('personal details', () => {
    it('writes with PUT and reads back with GET in the dataset API shape, values as strings', async () => {
      const put = await call('PUT', '/api/pds/mam/this-is-me/personal-details', {
        payload: { field_personal_fname: 'John', field_personal_faname: 'Smith' },
      });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toEqual({ success: 1 });
      const res = await call('GET', '/api/pds/mam/this-is-me/personal-details');
      expect(res.statusCode).toBe(200);
      const record = res.json().ds_personal_details.instance_0;
      expect(record.field_personal_fname).toEqual({ value: 'John', access: { r: { a: 1, s: 'A' }, w: { a: 1, s: 'A' } } });
      expect(record.field_personal_faname.value).toBe('Smith');
      expect(record.field_personal_nickname.value).toBeNull();
    });

    it('accepts the dataset-wrapped body of the dataset API too', async () => {
      const put = await call('PUT', '/api/pds/mam/this-is-me/personal-details.json', {
        payload: { ds_personal_details: { field_personal_nickname: 'Jack' } },
      });
      expect(put.statusCode).toBe(200);
      const res = await call('GET', '/api/pds/mam/this-is-me/personal-details.json');
      expect(res.json().ds_personal_details.instance_0.field_personal_nickname.value).toBe('Jack');
    });

    it('refuses a field that is not part of the subsection', async () => {
      const res = await call('PUT', '/api/pds/mam/this-is-me/personal-details', { payload: { field_contact_email: 'a@b.c' } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: {
          message: 'Unknown fields',
          reason: '/api/pds/mam/this-is-me/personal-details has no field field_contact_email.',
        },
      });
    });

    it('refuses a value of the wrong kind as the dataset API does', async () => {
      const res = await call('PUT', '/api/pds/mam/this-is-me/personal-details', { payload: { field_personal_title: 'Emperor' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.reason).toContain('field_personal_title must be one of');
    });

    it('answers 404 for a method the subsection does not have', async () => {
      const res = await call('DELETE', '/api/pds/mam/this-is-me/personal-details');
      expect(res.statusCode).toBe(404);
    });
  });

  describe('contact details', () => {
    it('reads and writes ds_contact_details', async () => {
      const put = await call('PUT', '/api/pds/mam/this-is-me/contact-details', {
        payload: { field_contact_preferred_method: 'Email' },
      });
      expect(put.statusCode).toBe(200);
      const res = await call('GET', '/api/pds/mam/this-is-me/contact-details');
      expect(Object.keys(res.json())).toEqual(['ds_contact_details']);
      expect(res.json().ds_contact_details.instance_0.field_contact_preferred_method.value).toBe('Email');
    });
  });

  describe('people', () => {
    let personId: number;

    it('adds a person as a row of ds_people', async () => {
      const res = await call('POST', '/api/pds/mam/add-person', {
        payload: { name: 'Ann Other', relationship: 'Sister', role: 'important to me' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ success: 1, last_insert_id: expect.any(Number) });
      personId = res.json().last_insert_id;
      const rows = await t.app.inject({
        method: 'GET',
        url: `/api/pds/transaction/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_people`,
        headers: { authorization: `Bearer ${sub.accessToken}` },
      });
      expect(rows.json()[String(personId)]).toMatchObject({ name: 'Ann Other', relationship: 'Sister', role: 'important to me' });
    });

    it('deletes a person by id', async () => {
      const res = await call('DELETE', '/api/pds/mam/delete-person', { query: { id: personId } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ success: 1 });
      const again = await call('DELETE', '/api/pds/mam/delete-person', { query: { id: personId } });
      expect(again.statusCode).toBe(404);
    });

    it('refuses a person field ds_people does not have', async () => {
      const res = await call('POST', '/api/pds/mam/add-person', { payload: { name: 'x', shoe_size: 9 } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.reason).toBe('/api/pds/mam/add-person has no field shoe_size.');
    });
  });

  describe('route scopes (contract §3)', () => {
    const routes: ['GET' | 'PUT' | 'POST' | 'DELETE', string, string][] = [
      ['GET', '/api/pds/mam', 'get:/api/pds/mam'],
      ['GET', '/api/pds/mam/index', 'get:/api/pds/mam'],
      ['GET', '/api/pds/mam/this-is-me', 'get:/api/pds/mam/this-is-me'],
      ['GET', '/api/pds/mam/this-is-me/index.json', 'get:/api/pds/mam/this-is-me'],
      ['GET', '/api/pds/mam/this-is-me/personal-details', 'get:/api/pds/mam/this-is-me/personal-details'],
      ['GET', '/api/pds/mam/this-is-me/personal-details.json', 'get:/api/pds/mam/this-is-me/personal-details'],
      ['PUT', '/api/pds/mam/this-is-me/personal-details', 'put:/api/pds/mam/this-is-me/personal-details'],
      ['PUT', '/api/pds/mam/this-is-me/personal-details.xml', 'put:/api/pds/mam/this-is-me/personal-details'],
      ['POST', '/api/pds/mam/add-person', 'post:/api/pds/mam/add-person'],
      ['DELETE', '/api/pds/mam/delete-person', 'delete:/api/pds/mam/delete-person'],
    ];
    const all = ['mydex:pdx', ...MAM_SCOPES];

    for (const [method, path, scope] of routes) {
      it(`${method} ${path} needs ${scope}`, async () => {
        const without = await tokenFor(t, sub.clientId, sub.clientSecret, all.filter((s) => s !== scope).join(' '));
        const res = await call(method, path, { token: without, payload: {} });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(ACCESS_DENIED);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
      });

      it(`${method} ${path} needs mydex:pdx as well as ${scope}`, async () => {
        const only = await tokenFor(t, sub.clientId, sub.clientSecret, scope);
        const res = await call(method, path, { token: only, payload: {} });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(ACCESS_DENIED);
      });

      it(`${method} ${path} lets mydex:pdx and ${scope} through`, async () => {
        const enough = await tokenFor(t, sub.clientId, sub.clientSecret, `mydex:pdx ${scope}`);
        const res = await call(method, path, {
          token: enough,
          payload: { field_personal_suffix: 'Jr', name: 'x' },
          query: { id: 1 },
        });
        expect([401, 403]).not.toContain(res.statusCode);
      });
    }

    it('refuses a request without a bearer token with 401 and the contract body', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/pds/mam' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(ACCESS_DENIED);
    });

    it('refuses a wrong member key with 403', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/pds/mam/this-is-me/personal-details?uid=${m.uid}&con_id=${m.conId}`,
        headers: { authorization: `Bearer ${sub.accessToken}`, 'connection-token': 'B'.repeat(32) },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: { message: 'Access denied', reason: 'The connection credentials are not valid for this member.' },
      });
    });
  });

  it('leaves the dataset API routes under /api/pds in place', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_personal_details`,
      headers: { authorization: `Bearer ${sub.accessToken}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().ds_personal_details.instance_0.field_personal_fname.value).toBe('John');
  });
});
