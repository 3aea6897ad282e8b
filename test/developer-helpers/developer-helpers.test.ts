import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubscriber, tokenFor, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
let sub: Subscriber;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:r'], ['mydex:pdx', 'get:/timeline']);
});
afterAll(() => t.close());

const get = (path: string, token = sub.accessToken) =>
  t.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });

describe('developer helpers (contract §7)', () => {
  it('lists every dataset with its machine name, title, type, status and description', async () => {
    const res = await get('/developer-helpers/datasets');
    expect(res.statusCode).toBe(200);
    const list = res.json() as Record<string, string>[];
    expect(list.map((d) => d.dataset_machine_name)).toEqual(t.ctx.catalogue.datasets().map((d) => d.name));
    expect(list.find((d) => d.dataset_machine_name === 'ds_events')).toEqual({
      dataset_machine_name: 'ds_events',
      dataset_name: t.ctx.catalogue.dataset('ds_events')!.title,
      dataset_type: 'transactional',
      status: 'Live',
      description: expect.any(String),
    });
  });

  it('lists the datasets of one type', async () => {
    const res = await get('/developer-helpers/datasetsbytype/metadata');
    expect(res.statusCode).toBe(200);
    const list = res.json() as { dataset_type: string; dataset_machine_name: string }[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((d) => d.dataset_type === 'metadata')).toBe(true);
    expect(list.map((d) => d.dataset_machine_name)).toContain('ds_personal_details');
    const rows = (await get('/developer-helpers/datasetsbytype/transactional')).json() as { dataset_machine_name: string }[];
    expect(rows.map((d) => d.dataset_machine_name)).toContain('ds_referrals');
  });

  it('describes the fields of a dataset, with lookups and the system fields of rows', async () => {
    const res = await get('/developer-helpers/types/ds_personal_details');
    expect(res.statusCode).toBe(200);
    expect(res.json().field_personal_title).toEqual({
      field_name: 'field_personal_title',
      display_name: 'Title',
      data_type: 'varchar',
      description: expect.any(String),
      lookup: 'lu_title',
      max_length: 255,
    });
    const events = (await get('/developer-helpers/types/ds_events')).json();
    expect(events.id).toMatchObject({ data_type: 'serial', system: true });
    expect(events.status.options).toEqual(['INVITED', 'TENTATIVE', 'CONFIRMED', 'REJECTED', 'CANCELLED']);
  });

  it('accepts the legacy field_ds_ name of a dataset', async () => {
    const legacy = await get('/developer-helpers/types/field_ds_personal_details');
    expect(legacy.statusCode).toBe(200);
    expect(legacy.json()).toEqual((await get('/developer-helpers/types/ds_personal_details')).json());
  });

  it('lists the options of a lookup with or without its lu_ prefix', async () => {
    const res = await get('/developer-helpers/options/lu_utility_service');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(['Broadband', 'Electricity', 'Gas', 'Gas & Electricity', 'Oil', 'Telephone', 'Water']);
    expect((await get('/developer-helpers/options/utility_service')).json()).toEqual(res.json());
  });

  describe('unknown names: 404 in the PDX error format', () => {
    const cases: [string, string, string][] = [
      ['/developer-helpers/datasetsbytype/everything', 'Unknown dataset type', 'The type must be metadata or transactional.'],
      ['/developer-helpers/types/ds_nothing', 'Unknown dataset', 'There is no dataset named ds_nothing.'],
      ['/developer-helpers/options/lu_nothing', 'Unknown lookup', 'There is no lookup list named lu_nothing.'],
    ];
    for (const [path, message, reason] of cases) {
      it(`answers 404 for ${path}`, async () => {
        const res = await get(path);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ error: { message, reason } });
      });
    }
  });

  it('needs mydex:pdx', async () => {
    const token = await tokenFor(t, sub.clientId, sub.clientSecret, 'get:/timeline');
    const res = await get('/developer-helpers/datasets', token);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toBe('Access denied');
    expect((await get('/developer-helpers/datasets', 'nope')).statusCode).toBe(401);
  });
});
