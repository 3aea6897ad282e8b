import { describe, expect, it } from 'vitest';
import type { FieldAccess } from '../connections/dssa.ts';
import { diffPermissions, hasChanges } from './dssa-diff.ts';

const acc = (r: 0 | 1, w: 0 | 1, s: 'A' | 'R' = 'A'): FieldAccess => ({ r: { a: r, s }, w: { a: w, s } });

describe('diffPermissions', () => {
  it('marks added, removed, changed and unchanged fields', () => {
    const before = { ds_a: { f1: acc(1, 0), f2: acc(1, 1), f3: acc(1, 0) } };
    const after = { ds_a: { f1: acc(1, 0), f2: acc(1, 0), f4: acc(1, 1) }, ds_b: { g: acc(1, 0) } };
    const diff = diffPermissions(before, after);
    expect(diff.get('ds_a')!.map((d) => [d.field, d.change])).toEqual([
      ['f1', 'same'],
      ['f2', 'changed'],
      ['f4', 'added'],
      ['f3', 'removed'],
    ]);
    expect(diff.get('ds_b')!.map((d) => d.change)).toEqual(['added']);
    expect(hasChanges(diff)).toBe(true);
  });

  it('treats a field granted neither read nor write as absent', () => {
    const diff = diffPermissions({ ds_a: { f: acc(0, 0) } }, { ds_a: { f: acc(1, 0) } });
    expect(diff.get('ds_a')![0]!.change).toBe('added');
    expect(diffPermissions({ ds_a: { f: acc(1, 0) } }, { ds_a: { f: acc(0, 0) } }).get('ds_a')![0]!.change).toBe('removed');
  });

  it('sees a switch between automatic and on request as a change', () => {
    const diff = diffPermissions({ ds_a: { f: acc(1, 0, 'A') } }, { ds_a: { f: acc(1, 0, 'R') } });
    expect(diff.get('ds_a')![0]!.change).toBe('changed');
  });

  it('reports no changes for identical agreements, and everything as added without a previous one', () => {
    const p = { ds_a: { f: acc(1, 1) } };
    expect(hasChanges(diffPermissions(p, p))).toBe(false);
    expect(diffPermissions(undefined, p).get('ds_a')![0]!.change).toBe('added');
  });
});
