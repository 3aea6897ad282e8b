import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScopeToken, parseScope } from './scope.ts';

describe('scope grammar (RFC 6749 §3.3)', () => {
  it.each(['mydex:pdx', 'get:/api/pds/mam', 'post:/calendar/add-event', '!#[]~', 'a'])('accepts %s', (s) => {
    expect(isScopeToken(s)).toBe(true);
  });

  it.each(['', 'a b', 'a"b', 'a\\b', 'a\nb', 'a\tb', '\u0000', 'é', 'a\u007f'])('refuses %j', (s) => {
    expect(isScopeToken(s)).toBe(false);
  });

  it('splits on spaces, drops duplicates and keeps request order', () => {
    expect(parseScope('get:/x  mydex:pdx get:/x')).toStrictEqual(['get:/x', 'mydex:pdx']);
  });

  it('returns an empty list for spaces only and undefined for any illegal token', () => {
    expect(parseScope('   ')).toStrictEqual([]);
    expect(parseScope('mydex:pdx api:read\ninjected')).toBeUndefined();
  });

  it('never yields a token containing a character outside the grammar', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (raw) => {
        const parsed = parseScope(raw);
        if (parsed) for (const t of parsed) expect(t).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+$/);
      }),
    );
  });
});
