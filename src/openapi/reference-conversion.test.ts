import { describe, expect, it } from 'vitest';
import { renameRefs, sameMeaning, toOpenApi31 } from './reference-conversion.ts';

describe('toOpenApi31', () => {
  it('turns nullable into a null type, and admits null to an enum', () => {
    expect(toOpenApi31({ type: 'string', nullable: true, enum: ['A'] })).toEqual({ type: ['string', 'null'], enum: ['A', null] });
    expect(toOpenApi31({ properties: { a: { type: 'integer', nullable: true } } })).toEqual({
      properties: { a: { type: ['integer', 'null'] } },
    });
  });

  it('wraps a nullable schema without a type, and drops nullable: false', () => {
    expect(toOpenApi31({ $ref: '#/components/schemas/X', nullable: true })).toEqual({
      anyOf: [{ $ref: '#/components/schemas/X' }, { type: 'null' }],
    });
    expect(toOpenApi31({ type: 'string', nullable: false })).toEqual({ type: 'string' });
  });
});

describe('renameRefs and sameMeaning', () => {
  it('points references at renamed components only', () => {
    const renamed = renameRefs(
      { a: { $ref: '#/components/schemas/E' }, b: [{ $ref: '#/components/schemas/F' }] },
      'schemas',
      new Map([['E', 'IdaasE']]),
    );
    expect(renamed).toEqual({ a: { $ref: '#/components/schemas/IdaasE' }, b: [{ $ref: '#/components/schemas/F' }] });
  });

  it('compares components without their examples', () => {
    expect(sameMeaning({ type: 'string', example: 'a' }, { type: 'string', example: 'b' })).toBe(true);
    expect(sameMeaning({ type: 'string' }, { type: 'integer' })).toBe(false);
  });
});
