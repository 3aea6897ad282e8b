import qs from 'qs';
import { describe, expect, it } from 'vitest';
import { QS_OPTIONS, parseQuery } from './query.ts';

/** Deterministic pseudo-random numbers, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = [
  'a',
  'key',
  'con_id',
  'dataset',
  'uid',
  'x.y',
  '1',
  '0',
  '=',
  '&',
  '&&',
  '+',
  '%20',
  '%2B',
  '%26',
  '%3D',
  '%',
  '%Z',
  '%e2%82%ac',
  '%E2%82',
  '%C3%A9',
  'é',
  '€',
  '[',
  ']',
  '%5B',
  '%5d',
  'filters[a][eq]',
  '[]',
  'toString',
  '__proto__',
  'hasOwnProperty',
  'constructor',
  'utf8=%E2%9C%93',
  ' ',
  '?',
  '.',
  ',',
  'a,b',
  'true',
  'null',
];

function randomQuery(next: () => number): string {
  const n = 1 + Math.floor(next() * 12);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

describe('query strings', () => {
  it('parses a flat query like qs does', () => {
    const q = 'key=abc&con_id=1-40000&source_type=connection&dataset=ds_personal_details&instance=0';
    expect(parseQuery(q)).toEqual(qs.parse(q, QS_OPTIONS));
    expect(parseQuery('a=1+2&b=%E2%82%AC&c&=x&d=%ZZ')).toEqual({ a: '1 2', b: '€', c: '', d: '%ZZ' });
  });

  it('drops Object.prototype names and never sets a prototype', () => {
    const parsed = parseQuery('__proto__=x&toString=y&constructor=z&ok=1');
    expect(parsed).toEqual({ ok: '1' });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('leaves brackets and repeated names to qs', () => {
    expect(parseQuery('filters[status][eq]=open&a=1')).toEqual({ filters: { status: { eq: 'open' } }, a: '1' });
    expect(parseQuery('filters%5Bstatus%5D%5Beq%5D=open')).toEqual({ filters: { status: { eq: 'open' } } });
    expect(parseQuery('a=1&a=2')).toEqual({ a: ['1', '2'] });
  });

  it('gives exactly what qs gives on 20,000 generated queries', () => {
    const next = rng(20261128);
    for (let i = 0; i < 20_000; i++) {
      const q = randomQuery(next);
      expect(parseQuery(q), q).toEqual(qs.parse(q, QS_OPTIONS));
    }
  });

  it('keeps qs’s parameter limit', () => {
    const q = Array.from({ length: 1500 }, (_, i) => `p${i}=${i}`).join('&');
    const parsed = parseQuery(q);
    expect(Object.keys(parsed)).toHaveLength(1000);
    expect(parsed).toEqual(qs.parse(q, QS_OPTIONS));
  });
});
