import { describe, expect, it } from 'vitest';
import { serviceDocumentation } from './service-operations.ts';

describe('serviceDocumentation', () => {
  it('describes any route of the member web family by rule, as text/html', () => {
    const [web] = serviceDocumentation('live').families!;
    expect(web!.family).toBe('member-web');
    const page = web!.describe('post', '/me/identities/{id}/remove');
    expect(page).toMatchObject({
      tags: ['member-web'],
      operationId: 'webPostMeIdentitiesByidRemove',
      summary: 'A member web form.',
    });
    expect(page.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(Object.keys((page.responses['200'] as { content: object }).content)).toEqual(['text/html']);
  });
});
