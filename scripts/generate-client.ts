/**
 * The typed TypeScript client's types (client/openpdx-api.ts, openapi-typescript) and the Postman
 * collection (client/openpdx.postman_collection.json, openapi-to-postmanv2), both generated from
 * OpenPDX's own OpenAPI document, as a sandbox at http://localhost:8080 serves it. Formatted with
 * the repository's Prettier settings, so `npm run format` leaves them alone.
 * test/client/client.test.ts regenerates both in memory and fails when a file differs.
 *
 *   npm run client        (after changing a route or its schema)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import type { CollectionResult } from 'openapi-to-postmanv2';
import pino from 'pino';
import prettier from 'prettier';
import { createAppContext } from '../src/app-context.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { MasterKeyRing } from '../src/crypto/master-key.ts';

const CLIENT_DIR = join(import.meta.dirname, '..', 'client');
export const TYPES_FILE = join(CLIENT_DIR, 'openpdx-api.ts');
export const POSTMAN_FILE = join(CLIENT_DIR, 'openpdx.postman_collection.json');

/** The document a default sandbox serves (http://localhost:8080), from a throwaway database. */
export async function sandboxDocument(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'openpdx-client-'));
  try {
    const config = loadConfig({
      OPENPDX_DATABASE_URL: join(dir, 'openpdx.sqlite'),
      OPENPDX_DATA_DIR: dir,
      OPENPDX_MASTER_KEY: MasterKeyRing.generateSpec('client'),
      OPENPDX_LOG_LEVEL: 'silent',
      OPENPDX_SEED: 'off',
    });
    const ctx = await createAppContext(config, { logger: pino({ level: 'silent' }), startWorkers: false });
    try {
      const app = await buildApp(ctx);
      try {
        return app.openapi.build().document;
      } finally {
        await app.close();
      }
    } finally {
      await ctx.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function generateTypes(document: object): Promise<string> {
  const ast = await openapiTS(JSON.stringify(document), { silent: true });
  const note = '// From OpenPDX’s OpenAPI document. Regenerate: npm run client (test/client/client.test.ts checks it).\n';
  const options = (await prettier.resolveConfig(TYPES_FILE)) ?? {};
  return prettier.format(`${COMMENT_HEADER}${note}${astToString(ast)}`, { ...options, parser: 'typescript' });
}

/**
 * A Postman v2.1 collection: a folder per tag, `{{baseUrl}}` for the server, examples for bodies
 * and parameters. Postman's random `_postman_id` and ids are replaced by ones derived from the
 * content, so regenerating an unchanged document gives the same file.
 */
export async function generatePostman(document: object): Promise<string> {
  const result = await withSeededRandom(
    (postman) =>
      new Promise<CollectionResult>((resolve, reject) =>
        postman.convert(
          { type: 'json', data: JSON.stringify(document) },
          { folderStrategy: 'Tags', requestParametersResolution: 'Example', exampleParametersResolution: 'Example' },
          (err, out) => (err || !out ? reject(new Error(err?.message ?? 'no result')) : resolve(out)),
        ),
      ),
  );
  if (!result.result || !result.output?.[0]) throw new Error(`openapi-to-postmanv2 failed: ${result.reason ?? 'no output'}`);
  const collection = withClientCredentials(result.output[0].data as PostmanCollection, document as ScopedDocument);
  let counter = 0;
  const stable = JSON.stringify(collection, (key, value: unknown) =>
    key === '_postman_id' || key === 'id' ? `openpdx-${(counter++).toString().padStart(4, '0')}` : value,
  );
  const options = (await prettier.resolveConfig(POSTMAN_FILE)) ?? {};
  return prettier.format(stable, { ...options, parser: 'json' });
}

interface PostmanAuth {
  type: string;
  oauth2?: { key: string; value: string }[];
  basic?: { key: string; value: string }[];
}
interface PostmanItem {
  item?: PostmanItem[];
  request?: { method: string; url: { path?: string[] }; auth?: PostmanAuth | null };
}
interface PostmanCollection {
  item: PostmanItem[];
  variable?: { key: string; value: string; type?: string }[];
}
type ScopedDocument = { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> };

/**
 * The converter gives every OAuth2 request the scheme's whole scope list (a token for it would be
 * refused: a client is allowed only some scopes) and a fixed token URL. Each request instead asks
 * for exactly the scopes its operation needs, at `{{baseUrl}}/oauth2/token`, with the collection's
 * `{{clientId}}` and `{{clientSecret}}`; the client-authenticated OAuth calls use those too.
 */
function withClientCredentials(collection: PostmanCollection, document: ScopedDocument): PostmanCollection {
  const scopes = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const needed = op.security?.flatMap((s) => s.oauth2 ?? []) ?? [];
      scopes.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, needed.join(' '));
    }
  }
  const walk = (items: PostmanItem[]) => {
    for (const item of items) {
      if (item.item) walk(item.item);
      const request = item.request;
      if (!request?.auth) continue;
      if (request.auth.type === 'oauth2') {
        request.auth.oauth2 = [
          { key: 'grant_type', value: 'client_credentials' },
          { key: 'accessTokenUrl', value: '{{baseUrl}}/oauth2/token' },
          { key: 'clientId', value: '{{clientId}}' },
          { key: 'clientSecret', value: '{{clientSecret}}' },
          { key: 'client_authentication', value: 'header' },
          { key: 'scope', value: scopes.get(`${request.method} /${(request.url.path ?? []).join('/')}`) ?? 'mydex:pdx' },
        ];
      } else if (request.auth.type === 'basic') {
        request.auth.basic = [
          { key: 'username', value: '{{clientId}}' },
          { key: 'password', value: '{{clientSecret}}' },
        ];
      }
    }
  };
  walk(collection.item);
  collection.variable = [
    ...(collection.variable ?? []).filter((v) => !['clientId', 'clientSecret'].includes(v.key)),
    { key: 'clientId', value: '', type: 'string' },
    { key: 'clientSecret', value: '', type: 'string' },
  ];
  return collection;
}

/**
 * The converter fakes example values from the schemas with Math.random, and its schema faker keeps
 * the Math.random it finds when it is loaded. So it is loaded, and run, with Math.random set to a
 * seeded generator (mulberry32) whose seed is reset before each conversion: an unchanged document
 * gives a byte-identical collection. Nothing here is secret: the values are examples.
 */
let seed = 0;
function seededRandom(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
}

/* eslint-disable no-restricted-properties -- replaced for the converter, never read for a secret */
async function withSeededRandom<T>(fn: (converter: typeof import('openapi-to-postmanv2').default) => Promise<T>): Promise<T> {
  const original = Math.random;
  seed = 0x6f706478;
  Math.random = seededRandom;
  try {
    return await fn((await import('openapi-to-postmanv2')).default);
  } finally {
    Math.random = original;
  }
}
/* eslint-enable no-restricted-properties */

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const document = await sandboxDocument();
  writeFileSync(TYPES_FILE, await generateTypes(document));
  writeFileSync(POSTMAN_FILE, await generatePostman(document));
  console.log(`wrote ${TYPES_FILE}\nwrote ${POSTMAN_FILE}`);
}
