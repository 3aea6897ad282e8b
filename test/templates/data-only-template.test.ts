import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.ts';
import { loadCatalogue } from '../../src/pds/schema/catalogue.ts';
import registry from '../../src/templates/registry.json' with { type: 'json' };
import { parseTemplateRegistry } from '../../src/templates/template-registry.ts';
import { registerTemplateRoutes } from '../../src/templates/template-routes.ts';
import { TemplateService } from '../../src/templates/template-service.ts';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';

/** A second template, as data only: nothing in src/ knows its name. */
const CARE_PLAN = {
  title: 'Care plan',
  modules: {
    'my-home': {
      title: 'My home',
      subsections: {
        address: {
          title: 'Where I live',
          dataset: 'ds_home',
          fields: ['field_home_postcode', 'field_home_town'],
          methods: ['GET', 'PUT', 'DELETE'],
        },
      },
    },
  },
  actions: {
    'log-visit': { title: 'Log a visit', dataset: 'ds_events', fields: ['title', 'start_timestamp'], methods: ['POST', 'GET'] },
  },
};

const SCOPES = [
  'mydex:pdx',
  'get:/api/pds/care-plan',
  'get:/api/pds/care-plan/my-home',
  'get:/api/pds/care-plan/my-home/address',
  'put:/api/pds/care-plan/my-home/address',
  'delete:/api/pds/care-plan/my-home/address',
  'post:/api/pds/care-plan/log-visit',
  'get:/api/pds/care-plan/log-visit',
];

let t: TestApp;
let app: FastifyInstance;
let sub: Subscriber;
let m: ConnectedMember;

const withTemplates = (extra: Record<string, unknown>) => ({ templates: { ...registry.templates, ...extra } });

beforeAll(async () => {
  t = await createTestApp();
  const templates = new TemplateService(parseTemplateRegistry(withTemplates({ 'care-plan': CARE_PLAN }), t.ctx.catalogue), t.ctx);
  app = createHttpServer(t.ctx.logger);
  registerTemplateRoutes(app, { oauth: t.ctx.oauth, templates, catalogue: t.ctx.catalogue });
  await app.ready();
  sub = await createSubscriber(t, ['ds_home:rw', 'ds_events:rw'], SCOPES);
  m = await connectMember(t.ctx, sub, 'care-plan-member');
});
afterAll(async () => {
  await app.close();
  await t.close();
});

function call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, payload?: unknown) {
  return app.inject({
    method,
    url: `${path}?uid=${m.uid}&con_id=${m.conId}`,
    headers: { authorization: `Bearer ${sub.accessToken}`, 'connection-token': m.key },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

describe('a template added as data only', () => {
  it('is served with its indexes', async () => {
    const res = await call('GET', '/api/pds/care-plan/index');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      template: 'care-plan',
      modules: { 'my-home': { path: '/api/pds/care-plan/my-home' } },
      actions: { 'log-visit': { dataset: 'ds_events', methods: ['POST', 'GET'] } },
    });
    const mod = await call('GET', '/api/pds/care-plan/my-home');
    expect(mod.json().subsections.address).toMatchObject({ dataset: 'ds_home', methods: ['GET', 'PUT', 'DELETE'] });
  });

  it('keeps the shipped template alongside it', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/pds/mam', headers: { authorization: `Bearer ${sub.accessToken}` } });
    // This subscriber has no mam scopes: the route exists and refuses, rather than 404.
    expect(res.statusCode).toBe(403);
  });

  it('writes and reads a metadata subsection, showing only its own fields', async () => {
    const direct = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_home`,
      headers: { authorization: `Bearer ${sub.accessToken}` },
      payload: { ds_home: { field_home_country: 'Scotland' } },
    });
    expect(direct.statusCode).toBe(200);
    const put = await call('PUT', '/api/pds/care-plan/my-home/address', {
      field_home_postcode: 'EH1 1AA',
      field_home_town: 'Edinburgh',
    });
    expect(put.statusCode).toBe(200);
    const res = await call('GET', '/api/pds/care-plan/my-home/address');
    expect(Object.keys(res.json().ds_home.instance_0)).toEqual(['field_home_postcode', 'field_home_town']);
    expect(res.json().ds_home.instance_0.field_home_town.value).toBe('Edinburgh');
  });

  it('clears only its own fields on DELETE', async () => {
    const res = await call('DELETE', '/api/pds/care-plan/my-home/address');
    expect(res.statusCode).toBe(200);
    const direct = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_home`,
      headers: { authorization: `Bearer ${sub.accessToken}` },
    });
    const record = direct.json().ds_home.instance_0;
    expect(record.field_home_town.value).toBeNull();
    expect(record.field_home_country.value).toBe('Scotland');
  });

  it('inserts and lists rows of a transactional action', async () => {
    const post = await call('POST', '/api/pds/care-plan/log-visit', { title: 'Nurse visit', start_timestamp: 1754289000 });
    expect(post.statusCode).toBe(200);
    const id = String(post.json().last_insert_id);
    const res = await call('GET', '/api/pds/care-plan/log-visit');
    expect(res.json()[id]).toEqual({
      id,
      ds_id: id,
      instance: '0',
      source: 'connection',
      created_timestamp: expect.any(String),
      updated_timestamp: expect.any(String),
      title: 'Nurse visit',
      start_timestamp: '1754289000',
    });
  });
});

describe('loading a template registry', () => {
  const catalogue = loadCatalogue();
  const load = (extra: Record<string, unknown>) => () => parseTemplateRegistry(withTemplates(extra), catalogue);

  it('refuses a template named pds or transaction, which would shadow the dataset API', () => {
    expect(load({ pds: CARE_PLAN })).toThrow(/"pds" is reserved/);
    expect(load({ transaction: CARE_PLAN })).toThrow(/"transaction" is reserved/);
  });

  it('refuses an index as a module or subsection name', () => {
    expect(load({ x: { ...CARE_PLAN, modules: { index: CARE_PLAN.modules['my-home'] } } })).toThrow(/"index" is reserved/);
  });

  it('refuses an unknown dataset, a legacy alias and a field the dataset does not have', () => {
    const sub = (dataset: string, fields: string[]) => ({
      title: 'x',
      modules: { m: { title: 'm', subsections: { s: { title: 's', dataset, fields, methods: ['GET'] } } } },
    });
    expect(load({ a: sub('ds_nothing', ['x']) })).toThrow(/unknown dataset ds_nothing/);
    expect(load({ a: sub('field_ds_home', ['field_home_town']) })).toThrow(/use ds_home/);
    expect(load({ a: sub('ds_home', ['field_home_shoe']) })).toThrow(/ds_home has no writable field field_home_shoe/);
    expect(load({ a: sub('ds_people', ['id']) })).toThrow(/ds_people has no writable field id/);
  });

  it('refuses names that are not lower-case words joined by hyphens, and methods it does not know', () => {
    expect(load({ 'Care Plan': CARE_PLAN })).toThrow(/Invalid key in record[\s\S]*Care Plan/);
    expect(load({ a: { ...CARE_PLAN, actions: { x: { ...CARE_PLAN.actions['log-visit'], methods: ['PATCH'] } } } })).toThrow(
      /Invalid template registry/,
    );
  });
});
