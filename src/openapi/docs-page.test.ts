import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DOCS_CSP, renderDocsPage } from './docs-page.ts';
import type { OpenApiDocument } from './document.ts';

const doc: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'T <x>', version: '1' },
  tags: [{ name: 'Things', description: 'About `things`' }],
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'getThing',
        summary: 'Reads a <thing>.',
        tags: ['Things'],
        security: [{ oauth2: ['mydex:pdx', 'get:/things'] }],
        parameters: [{ $ref: '#/components/parameters/Id' }],
        responses: {
          '200': {
            description: 'The thing.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: { type: 'object', description: '"quoted" & <b>', properties: { part: { $ref: '#/components/schemas/Part' } } },
      Part: {},
    },
    parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'string' } } },
  },
};

describe('renderDocsPage', () => {
  const html = renderDocsPage(doc);

  it('escapes every text from the document', () => {
    expect(html).toContain('<title>T &#60;x&#62; API reference</title>');
    expect(html).toContain('Reads a &#60;thing&#62;.');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<thing>');
  });

  it('lists operations under their tag with scopes, resolved parameters and linked schemas', () => {
    expect(html).toContain('<h2 id="tag-Things">Things</h2><p>About <code>things</code></p>');
    expect(html).toContain('<span class="method">get</span> <code>/things/{id}</code>');
    expect(html).toContain('<code>mydex:pdx</code> and <code>get:/things</code>');
    expect(html).toContain('<th scope="row"><code>id</code></th><td>path</td><td>yes</td>');
    expect(html).toContain('Schema: <a href="#schema-Thing"><code>Thing</code></a>');
    expect(html).toContain('<h3 id="schema-Thing">Thing</h3>');
    expect(html).toContain('&#34;<a href="#schema-Part">#/components/schemas/Part</a>&#34;');
  });

  it('has no script, and a stylesheet its CSP admits by hash', () => {
    expect(html).not.toMatch(/<script/i);
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(DOCS_CSP).toContain(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    expect(DOCS_CSP).toContain("default-src 'none'");
  });
});
