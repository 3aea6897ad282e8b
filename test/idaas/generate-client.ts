/**
 * The typed IDaaS client's types, generated from Mydex's reference OpenAPI (test/reference, never
 * edited) with openapi-typescript and formatted with the repository's Prettier settings, so that
 * `npm run format` leaves the checked-in file alone. client-drift.test.ts regenerates it in memory
 * and fails when the file differs.
 *
 * Regenerate after a reference update: `npx tsx test/idaas/generate-client.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import prettier from 'prettier';

const HERE = import.meta.dirname;
const REFERENCE = join(HERE, '..', 'reference', 'mydex-idaas.openapi.yaml');
export const GENERATED = join(HERE, 'generated', 'idaas-api.ts');

const NOTE = [
  '// From test/reference/mydex-idaas.openapi.yaml (Mydex CIC, Apache License 2.0).',
  '// Regenerate: npx tsx test/idaas/generate-client.ts (test/idaas/client-drift.test.ts checks it).',
  '',
].join('\n');

export async function generateClientTypes(): Promise<string> {
  const ast = await openapiTS(pathToFileURL(REFERENCE), { silent: true });
  const options = (await prettier.resolveConfig(GENERATED)) ?? {};
  return prettier.format(`${COMMENT_HEADER}${NOTE}${astToString(ast)}`, { ...options, parser: 'typescript' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GENERATED, await generateClientTypes());
  console.log(`wrote ${GENERATED}`);
}
