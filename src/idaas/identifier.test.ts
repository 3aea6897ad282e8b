import fc from 'fast-check';
import { MAX_ID } from '../ids.ts';
import { describe, expect, it } from 'vitest';
import { identifierFor, parseIdentifier, UUID } from './identifier.ts';

describe('member identifiers (con_id as a UUIDv8)', () => {
  it('writes con_id 4020-40000 as 00000000-9c40-8000-8000-000000000fb4', () => {
    expect(identifierFor({ uid: 4020, nid: 40000 })).toBe('00000000-9c40-8000-8000-000000000fb4');
  });

  it('is an RFC 9562 UUID: version 8, variant 10', () => {
    const id = identifierFor({ uid: 1, nid: 40000 });
    expect(id).toMatch(UUID);
    expect(id[14]).toBe('8');
    expect(parseInt(id[19]!, 16) >> 2).toBe(0b10);
  });

  it('reads back the uid and NID it was made from, whatever the case', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_ID }), fc.integer({ min: 1, max: MAX_ID }), (uid, nid) => {
        const id = identifierFor({ uid, nid });
        expect(parseIdentifier(id)).toEqual({ uid, nid });
        expect(parseIdentifier(id.toUpperCase())).toEqual({ uid, nid });
      }),
    );
  });

  it('names nothing for other UUIDs, zero ids and text that is not a UUID', () => {
    for (const value of [
      '550e8400-e29b-41d4-a716-446655440000',
      '00000000-9c40-8000-8000-000000000000',
      '00000000-0000-8000-8000-000000000001',
      '00000000-9c40-8000-c000-000000000fb4',
      '00000000-9c40-8000-8000-000000000fb4x',
      '',
    ]) {
      expect(parseIdentifier(value), value).toBeUndefined();
    }
  });

  it('names nothing for ids past what a uid or NID column holds (2^31 − 1)', () => {
    expect(parseIdentifier(identifierFor({ uid: MAX_ID + 1, nid: 1 }))).toBeUndefined();
    expect(parseIdentifier(identifierFor({ uid: 1, nid: 2 ** 48 - 1 }))).toBeUndefined();
    expect(parseIdentifier('ffffffff-ffff-8000-8000-ffffffffffff')).toBeUndefined();
  });

  it('refuses ids that do not fit in 48 bits', () => {
    expect(() => identifierFor({ uid: 2 ** 48, nid: 1 })).toThrow(RangeError);
    expect(() => identifierFor({ uid: 1, nid: 0 })).toThrow(RangeError);
  });
});
