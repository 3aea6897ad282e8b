import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HERE = import.meta.dirname;
const SHARED = join(HERE, '..', '..', '..', 'shared', 'reference');
const FILES = ['mydex-pdx-feature-blocks.openapi.yaml', 'mydex-idaas.openapi.yaml'];

describe('vendored reference OpenAPI documents', () => {
  it.each(FILES)('%s is present and, where shared/ is beside the checkout, identical to it', (file) => {
    const ours = readFileSync(join(HERE, file));
    expect(ours.toString('utf8')).toMatch(/^openapi: 3\./);
    const theirs = join(SHARED, file);
    if (existsSync(theirs)) expect(ours.equals(readFileSync(theirs))).toBe(true);
  });
});
