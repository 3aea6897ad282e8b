import { describe, expect, it } from 'vitest';
import { field, project } from './wire-view.ts';

describe('projecting dataset rows onto OpenAPI shapes', () => {
  const spec = {
    id: field('id', 'integer'),
    service_contact_number: field('contact_number'),
    title: field('title', 'nullable'),
    memo: field('memo'),
    status: field('status', 'string', ['Referred', 'Accepted']),
    is_processed: field('is_processed', 'boolean'),
    referree_availability: field('referree_availability', 'object'),
    ratio: field('ratio', 'number'),
  };

  it('renames and types each field', () => {
    expect(
      project(
        {
          id: '7',
          contact_number: '0123',
          title: 'T',
          memo: 'm',
          status: 'Accepted',
          is_processed: '0',
          referree_availability: '{"AM":[]}',
          ratio: '0.5',
        },
        spec,
      ),
    ).toEqual({
      id: 7,
      service_contact_number: '0123',
      title: 'T',
      memo: 'm',
      status: 'Accepted',
      is_processed: false,
      referree_availability: { AM: [] },
      ratio: 0.5,
    });
  });

  it('sends null only for nullable fields and leaves out what cannot take its type', () => {
    expect(
      project(
        { id: 'x', title: null, memo: null, status: 'open', is_processed: '1', referree_availability: '[1]', ratio: '' },
        spec,
      ),
    ).toEqual({ title: null, is_processed: true });
  });

  it('leaves out fields absent from the row, as unreadable fields are', () => {
    expect(project({ id: '1' }, spec)).toEqual({ id: 1 });
  });
});
