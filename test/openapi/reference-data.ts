/**
 * The feature-block and IDaaS parts of the OpenPDX document come from Mydex's reference OpenAPI
 * documents (Apache-2.0, vendored read-only in test/reference). The runtime must not read test/,
 * so each is kept as a JSON copy in src/openapi/reference; this module makes and compares them.
 *
 * Regenerate after a reference update: `npx tsx test/openapi/reference-data.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const REPO = join(import.meta.dirname, '..', '..');

export const REFERENCE_COPIES = [
  ['test/reference/mydex-pdx-feature-blocks.openapi.yaml', 'src/openapi/reference/mydex-pdx-feature-blocks.json'],
  ['test/reference/mydex-idaas.openapi.yaml', 'src/openapi/reference/mydex-idaas.json'],
] as const;

/** The YAML as data. CORE_SCHEMA: an unquoted `2025-03-26T09:15:00Z` example stays a string, not a Date. */
export function loadReference(yamlPath: string): unknown {
  return yaml.load(readFileSync(join(REPO, yamlPath), 'utf8'), { schema: yaml.CORE_SCHEMA });
}

export function referenceJson(yamlPath: string): string {
  return `${JSON.stringify(loadReference(yamlPath), null, 2)}\n`;
}

export function readCopy(jsonPath: string): string {
  return readFileSync(join(REPO, jsonPath), 'utf8');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [from, to] of REFERENCE_COPIES) {
    writeFileSync(join(REPO, to), referenceJson(from));
    console.log(`${from} -> ${to}`);
  }
}
