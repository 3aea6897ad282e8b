/**
 * GET /docs: the OpenAPI document in Swagger UI (swagger-ui-dist), served from this package
 * (no CDN), with "Try it out" against a sandbox. Its files are read from swagger-ui-dist on first
 * use and served under /docs/assets/ with a long cache lifetime (their names carry the version).
 * The page's CSP allows scripts and styles from this server only; GET /docs/plain keeps the
 * server-rendered reference for readers without JavaScript.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors.ts';
import { escapeHtml } from '../web/html.ts';
import { htmlResponse, NO_SECURITY } from './operation-builders.ts';
import type { RouteSchema } from './route-schema.ts';

// Found at run time in node_modules (never bundled): the compiled server (bin/build.mjs) finds it too.
const SWAGGER_PACKAGE = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json');
const SWAGGER_DIR = dirname(SWAGGER_PACKAGE);
const SWAGGER_VERSION = (JSON.parse(readFileSync(SWAGGER_PACKAGE, 'utf8')) as { version: string }).version;

/**
 * Starts Swagger UI: a file of its own (not inline), so the page's CSP allows no inline script.
 * The page's settings arrive in a JSON data block, which is never executed. Kept here rather than
 * in a .js file so the compiled server (bin/build.mjs) carries it.
 */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  var settings = JSON.parse(document.getElementById('docs-settings').textContent);
  window.ui = SwaggerUIBundle({
    url: settings.documentUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    showExtensions: false,
    // "Try it out" sends real requests to this server: offered by a sandbox only.
    supportedSubmitMethods: settings.tryItOut ? ['get', 'put', 'post', 'delete', 'patch'] : [],
    persistAuthorization: false,
  });
});
`;

/** The files the page loads: name under /docs/assets/ → its content (or where it is read from) and type. */
const ASSETS: Record<string, { path: string; type: string } | { text: string; type: string }> = {
  'docs-init.js': { text: INIT_SCRIPT, type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { path: join(SWAGGER_DIR, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { path: join(SWAGGER_DIR, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { path: join(SWAGGER_DIR, 'favicon-32x32.png'), type: 'image/png' },
};

/**
 * Scripts and styles from this server only; images may be data: URIs (Swagger UI's icons); calls
 * (the document, "Try it out", the token request of Authorize) go to this server only.
 */
const VIEWER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DOCS: RouteSchema = {
  operationId: 'getApiDocs',
  tags: ['Service'],
  summary: 'The API reference in Swagger UI, with "Try it out" in a sandbox.',
  security: NO_SECURITY,
  responses: { '200': htmlResponse('The Swagger UI page; its script and styles are under /docs/assets/.') },
};
const ASSET: RouteSchema = { undocumentedBecause: 'the static files of the /docs page (Swagger UI)' };

export function registerApiViewer(
  app: FastifyInstance,
  options: { title: string; documentUrl: string; plainUrl: string; tryItOut: boolean },
): void {
  const versioned = (name: string) => `/docs/assets/${name}?v=${SWAGGER_VERSION}`;
  const settings = JSON.stringify({ documentUrl: options.documentUrl, tryItOut: options.tryItOut }).replace(/</g, '\\u003c');
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} API reference</title>
<link rel="icon" href="${versioned('favicon-32x32.png')}">
<link rel="stylesheet" href="${versioned('swagger-ui.css')}">
<script type="application/json" id="docs-settings">${settings}</script>
<script src="${versioned('swagger-ui-bundle.js')}" defer></script>
<script src="${versioned('docs-init.js')}" defer></script>
</head>
<body>
<noscript><p>This page needs JavaScript. <a href="${options.plainUrl}">The same reference without JavaScript</a>, and the document itself at <a href="${options.documentUrl}">${options.documentUrl}</a>.</p></noscript>
<main id="swagger-ui"></main>
</body>
</html>
`;
  const cache = new Map<string, Buffer>();

  app.get('/docs', { schema: DOCS }, async (_req, reply) =>
    reply
      .header('content-security-policy', VIEWER_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'public, max-age=300')
      .type('text/html; charset=utf-8')
      .send(page),
  );

  app.get<{ Params: { name: string } }>('/docs/assets/:name', { schema: ASSET }, async (req, reply) => {
    const asset = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!asset) throw new NotFoundError('Not found', 'No such file of the /docs page.');
    let body = cache.get(req.params.name);
    if (!body) cache.set(req.params.name, (body = 'text' in asset ? Buffer.from(asset.text) : readFileSync(asset.path)));
    return reply.header('cache-control', 'public, max-age=86400').type(asset.type).send(body);
  });
}
