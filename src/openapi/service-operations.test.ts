import { describe, expect, it } from 'vitest';
import { serviceDocumentation } from './service-operations.ts';

describe('serviceDocumentation', () => {
  it('describes the sandbox surfaces in a sandbox only, as the routes exist only there', () => {
    const paths = (env: 'sandbox' | 'live') => serviceDocumentation(env).operations.map((o) => o.path);
    expect(paths('sandbox')).toContain('/dev/outbox');
    expect(paths('live').some((p) => p.startsWith('/dev/'))).toBe(false);
  });

  it('describes any member web page by rule, as text/html, and nothing else', () => {
    const [web] = serviceDocumentation('live').families!;
    expect(web!.covers('get', '/me/identities')).toBe(true);
    expect(web!.covers('get', '/api/pds')).toBe(false);
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
