import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../pds/schema/catalogue.ts';
import { normalisePermissions } from './dssa-permissions.ts';

const catalogue = loadCatalogue();
const rw = { r: { a: 1, s: 'A' }, w: { a: 1, s: 'A' } } as const;

describe('normalisePermissions', () => {
  it('maps legacy dataset aliases to their canonical names', () => {
    expect(normalisePermissions({ field_ds_personal_details: { field_personal_fname: rw } }, catalogue)).toEqual({
      ds_personal_details: { field_personal_fname: rw },
    });
  });

  it('refuses unknown datasets, unknown fields and malformed flags', () => {
    expect(() => normalisePermissions({ ds_nope: {} }, catalogue)).toThrow(/Invalid DSSA permissions/);
    expect(() => normalisePermissions({ ds_personal_details: { nope: rw } }, catalogue)).toThrow(/Invalid/);
    const bad = { r: { a: 2, s: 'A' }, w: { a: 1, s: 'A' } } as unknown as typeof rw;
    expect(() => normalisePermissions({ ds_personal_details: { field_personal_fname: bad } }, catalogue)).toThrow(/Invalid/);
  });
});
