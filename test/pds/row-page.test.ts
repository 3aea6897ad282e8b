import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredRow } from '../../src/pds/pds-store.ts';
import { orderedJson } from '../../src/pds/render.ts';
import { RowPage, RowShape } from '../../src/pds/row-page.ts';
import { modelRowView as objectView } from './row-model.ts';

const FIELD_NAMES = ['contact_name', 'memo', 'status', 'instance', 'source', 'id', 'é', 'a"b', 'x\\y', 'created_timestamp'];
const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', 'null', '1', '\u0000', '\ud800', '</x>'),
);
const row = fc.record({
  id: fc.nat(),
  instance: fc.nat(),
  source: fc.oneof(fc.constant('connection'), fc.string()),
  createdAt: fc.nat(),
  updatedAt: fc.nat(),
  values: fc.dictionary(fc.constantFrom(...FIELD_NAMES), fc.oneof(value, fc.constant(null))),
});

describe('RowPage', () => {
  it('writes exactly the JSON and views the object-per-row read wrote, in the read order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...FIELD_NAMES)), fc.array(row, { maxLength: 8 }), (fields, rows) => {
        const page = new RowPage(rows, new RowShape(fields));
        const expected = rows.map((r) => [String(r.id), objectView(r, fields)] as [string, Record<string, string | null>]);
        expect(page.entries()).toEqual(expected);
        // Key order matters too: compare the serialised forms, not just deep equality.
        expect(page.entries().map(([, v]) => JSON.stringify(v))).toEqual(expected.map(([, v]) => JSON.stringify(v)));
        expect(page.json().toString('utf8')).toBe(orderedJson(expected));
        for (const r of rows)
          for (const f of [...FIELD_NAMES, 'ds_id', 'updated_timestamp', 'absent']) {
            expect(page.shape.value(r, f)).toBe(objectView(r, fields)[f] ?? null);
          }
      }),
      { seed: 1305, numRuns: 300 },
    );
  });

  it('keeps a descending id order as given', () => {
    const r = (id: number): StoredRow => ({
      id,
      instance: 0,
      source: 'connection',
      createdAt: 1,
      updatedAt: 2,
      values: { memo: `m${id}` },
    });
    const page = new RowPage([r(10), r(9), r(2)], new RowShape(['memo']));
    const json = page.json().toString('utf8');
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['2', '9', '10']); // what JSON.parse does to integer keys
    expect(json.indexOf('"10":')).toBeLessThan(json.indexOf('"9":'));
    expect(json.indexOf('"9":')).toBeLessThan(json.indexOf('"2":'));
  });
});
