/**
 * The human-readable reference at /docs, rendered on the server from the OpenAPI document: no
 * script at all, one inline stylesheet allowed by its hash in the page's CSP, operations grouped
 * by tag with their scopes, parameters and schemas, and `$ref`s as links to the schema list.
 */
import { createHash } from 'node:crypto';
import type { OpenApiDocument } from './document.ts';
import type { OperationObject, ParameterObject, ResponseObject, TagObject } from './openapi-types.ts';

const CSS = `
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#555;--line:#ccc;--code:#f3f3f3;--link:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#121212;--muted:#bbb;--line:#444;--code:#1e1e1e;--link:#8ab4f8}}
body{font:1rem/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:72rem;padding:1rem}
a{color:var(--link)}a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
code,pre{font-family:ui-monospace,monospace;background:var(--code)}pre{padding:.75rem;overflow:auto;border:1px solid var(--line);max-height:30rem}
article{border-top:1px solid var(--line);padding:.5rem 0 1rem}h3{font-size:1.1rem}
.method{display:inline-block;min-width:4.5rem;font-family:ui-monospace,monospace;font-weight:700;text-transform:uppercase}
table{border-collapse:collapse;width:100%}td{overflow-wrap:anywhere}th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
nav ul ul{columns:2;font-size:.9rem}.muted{color:var(--muted)}`;

/** The `style-src` source that admits exactly the page's stylesheet (CSP Level 2 hash source). */
const DOCS_STYLE_SOURCE = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;
export const DOCS_CSP = `default-src 'none'; style-src ${DOCS_STYLE_SOURCE}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options'] as const;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escaped text with `code` spans, as the descriptions write them. */
function prose(s: string): string {
  return escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

const anchor = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-');

/** A schema as indented JSON, each component `$ref` a link to its entry; a bare `$ref` as just the link. */
function schemaBlock(schema: unknown): string {
  const only = schema as { $ref?: unknown };
  if (typeof only.$ref === 'string' && Object.keys(only).length === 1 && only.$ref.startsWith('#/components/schemas/')) {
    const name = only.$ref.slice('#/components/schemas/'.length);
    return `<p>Schema: <a href="#schema-${anchor(name)}"><code>${escapeHtml(name)}</code></a></p>`;
  }
  const text = escapeHtml(JSON.stringify(schema, null, 2)).replace(
    /&#34;#\/components\/schemas\/([^&]+)&#34;/g,
    (_m, name: string) => `&#34;<a href="#schema-${anchor(name)}">#/components/schemas/${name}</a>&#34;`,
  );
  return `<pre><code>${text}</code></pre>`;
}

interface Resolver {
  resolve<T>(value: T | { $ref: string }): T;
}

function resolver(doc: OpenApiDocument): Resolver {
  return {
    resolve<T>(value: T | { $ref: string }): T {
      if (typeof value !== 'object' || value === null || !('$ref' in value)) return value as T;
      const [, , kind, name] = value.$ref.split('/');
      return ((doc.components as Record<string, Record<string, unknown>>)[kind!]?.[name!] ?? {}) as T;
    },
  };
}

function scopesOf(op: OperationObject): string {
  if (!op.security?.length) return '<p>None.</p>';
  const ways = op.security.map((req) =>
    Object.entries(req)
      .map(([scheme, scopes]) =>
        scheme === 'oauth2'
          ? `OAuth2 bearer token with ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' and ')}`
          : escapeHtml(scheme === 'clientSecretBasic' ? 'HTTP Basic client authentication' : scheme),
      )
      .join(', '),
  );
  return `<ul>${ways.map((w) => `<li>${w || 'Client credentials in the form body'}</li>`).join('')}</ul>`;
}

function parameterTable(params: ParameterObject[]): string {
  if (!params.length) return '';
  const rows = params
    .map(
      (p) =>
        `<tr><th scope="row"><code>${escapeHtml(p.name)}</code></th><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(p.schema ?? {}))}</code></td><td>${prose(p.description ?? '')}</td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Required</th><th scope="col">Schema</th><th scope="col">Description</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function contentBlocks(content: Record<string, { schema?: unknown }> | undefined): string {
  return Object.entries(content ?? {})
    .map(([type, media]) => `<p><code>${escapeHtml(type)}</code></p>${media.schema ? schemaBlock(media.schema) : ''}`)
    .join('');
}

function operationArticle(path: string, method: string, op: OperationObject, r: Resolver): string {
  const id = `op-${anchor(op.operationId)}`;
  const params = (op.parameters ?? []).map((p) => r.resolve<ParameterObject>(p));
  const body = op.requestBody ? r.resolve(op.requestBody) : undefined;
  const responses = Object.entries(op.responses)
    .map(([status, res]) => {
      const resolved = r.resolve<ResponseObject>(res);
      return `<dt><code>${escapeHtml(status)}</code></dt><dd>${prose(resolved.description)}${contentBlocks(resolved.content)}</dd>`;
    })
    .join('');
  return `<article id="${id}" aria-labelledby="${id}-h"><h3 id="${id}-h"><span class="method">${method}</span> <code>${escapeHtml(path)}</code></h3>
<p>${prose(op.summary)}</p>${op.description ? `<p class="muted">${prose(op.description)}</p>` : ''}
<h4>Authorisation</h4>${scopesOf(op)}${parameterTable(params)}
${body ? `<h4>Request body</h4>${body.description ? `<p>${prose(body.description)}</p>` : ''}${contentBlocks(body.content)}` : ''}
<h4>Responses</h4><dl>${responses}</dl></article>`;
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const r = resolver(doc);
  const info = doc.info as { title: string; version: string; description?: string };
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((m) => (item[m] ? [{ path, method: m, op: item[m] }] : [])),
  );
  const tags = [...(doc.tags as TagObject[])];
  for (const o of ops) for (const t of o.op.tags) if (!tags.some((x) => x.name === t)) tags.push({ name: t });
  const groups = tags.map((tag) => ({ tag, ops: ops.filter((o) => o.op.tags[0] === tag.name) })).filter((g) => g.ops.length);
  const nav = groups
    .map(
      (g) =>
        `<li><a href="#tag-${anchor(g.tag.name)}">${escapeHtml(g.tag.name)}</a><ul>${g.ops
          .map(
            (o) =>
              `<li><a href="#op-${anchor(o.op.operationId)}"><span class="method">${o.method}</span> ${escapeHtml(o.path)}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('');
  const sections = groups
    .map(
      (g) =>
        `<section aria-labelledby="tag-${anchor(g.tag.name)}"><h2 id="tag-${anchor(g.tag.name)}">${escapeHtml(g.tag.name)}</h2>${g.tag.description ? `<p>${prose(g.tag.description)}</p>` : ''}${g.ops
          .map((o) => operationArticle(o.path, o.method, o.op, r))
          .join('\n')}</section>`,
    )
    .join('\n');
  const schemas = Object.entries((doc.components as { schemas?: Record<string, unknown> }).schemas ?? {})
    .map(([name, s]) => `<h3 id="schema-${anchor(name)}">${escapeHtml(name)}</h3>${schemaBlock(s)}`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} API reference</title><style>${CSS}</style></head>
<body><a class="skip" href="#main">Skip to the operations</a>
<header><h1>${escapeHtml(info.title)} API reference</h1><p>Version ${escapeHtml(info.version)}. Machine-readable: <a href="/openapi.json">OpenAPI 3.1 document</a>.</p>${info.description ? `<p>${prose(info.description)}</p>` : ''}</header>
<nav aria-label="Operations"><h2>Operations</h2><ul>${nav}<li><a href="#schemas">Schemas</a></li></ul></nav>
<main id="main">${sections}
<section aria-labelledby="schemas"><h2 id="schemas">Schemas</h2>${schemas}</section></main></body></html>
`;
}
