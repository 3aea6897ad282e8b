import { describe, expect, it } from 'vitest';
import type { FieldAccess } from '../connections/dssa.ts';
import { jsonString, metadataJson, type MetadataView } from './render.ts';

const granted: FieldAccess = Object.freeze({ r: { a: 1, s: 'A' }, w: { a: 1, s: 'R' } }) as FieldAccess;
const readOnly: FieldAccess = Object.freeze({ r: { a: 1, s: 'A' }, w: { a: 0, s: 'A' } }) as FieldAccess;

/** A small deterministic PRNG, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const TRICKY = [
  '',
  'Ada',
  'O"Brien',
  'back\\slash',
  'line\nbreak',
  'tab\t',
  '\u0000\u001f',
  'é — ü',
  '😀',
  '\ud800',
  '</script>',
  '1',
  'null',
];

function randomView(next: () => number): MetadataView {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const view: MetadataView = {};
  for (let d = 0; d < 1 + Math.floor(next() * 3); d++) {
    const instances: MetadataView[string] = {};
    for (let i = 0; i < Math.floor(next() * 3); i++) {
      const fields: MetadataView[string][string] = {};
      for (let f = 0; f < Math.floor(next() * 6); f++) {
        fields[`field_${pick(['a', 'b', 'c', 'd', 'e', 'f', 'g'])}_${f}`] = {
          value: next() < 0.3 ? null : pick(TRICKY),
          access: pick([granted, readOnly]),
        };
      }
      instances[`instance_${Math.floor(next() * 5)}`] = fields;
    }
    view[`ds_${pick(['personal', 'address', 'x"y', 'ü'])}_${d}`] = instances;
  }
  return view;
}

describe('metadataJson', () => {
  it('writes exactly what JSON.stringify writes, for 5,000 generated views', () => {
    const next = rng(20261128);
    for (let n = 0; n < 5000; n++) {
      const view = randomView(next);
      expect(metadataJson(view), `view ${n}`).toBe(JSON.stringify(view));
    }
  });

  it('writes empty datasets, instances and views as JSON.stringify does', () => {
    const views: MetadataView[] = [{}, { ds_a: {} }, { ds_a: { instance_0: {} } }, { ds_a: { instance_0: {} }, ds_b: {} }];
    for (const view of views) {
      expect(metadataJson(view)).toBe(JSON.stringify(view));
    }
  });

  it('writes each access object as it is, even when several share a field', () => {
    const view: MetadataView = {
      ds_a: { instance_0: { f1: { value: 'x', access: granted }, f2: { value: null, access: readOnly } } },
      ds_b: { instance_3: { f1: { value: 'y', access: readOnly } } },
    };
    const parsed = JSON.parse(metadataJson(view)) as MetadataView;
    expect(parsed.ds_a!.instance_0!.f1!.access).toEqual(granted);
    expect(parsed.ds_a!.instance_0!.f2!.access).toEqual(readOnly);
    expect(parsed.ds_b!.instance_3!.f1!.access).toEqual(readOnly);
  });
});

describe('jsonString', () => {
  /** Code units from every class JSON treats differently: plain, escaped, control, surrogate, beyond. */
  const UNITS = [
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\n',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '\u2028',
    '\ud83d',
    '\ude00',
    '\uffff',
  ];

  it('writes exactly what JSON.stringify writes, for 20,000 generated strings', () => {
    const next = rng(20261206);
    for (let n = 0; n < 20000; n++) {
      let s = '';
      const length = Math.floor(next() * 12);
      for (let i = 0; i < length; i++) s += UNITS[Math.floor(next() * UNITS.length)];
      expect(jsonString(s), JSON.stringify(s)).toBe(JSON.stringify(s));
    }
  });

  it('writes each tricky value as JSON.stringify does', () => {
    for (const s of TRICKY) expect(jsonString(s)).toBe(JSON.stringify(s));
  });
});
