/**
 * The vendored Mydex OpenAPI documents are unedited copies: each must hash to the digest of the
 * file as published (see README.md for where each comes from). Other tests match our routes
 * against them, so a missing or altered copy fails here rather than making those pass vacuously.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HERE = import.meta.dirname;

/** SHA-256 of each document as published by Mydex CIC. */
const PUBLISHED: Record<string, string> = {
  'mydex-pdx-feature-blocks.openapi.yaml': 'ef111a58f5c63cfe9f48350ead5e876265f1898706967f5bc5e72afb3a9f6f37',
  'mydex-idaas.openapi.yaml': '57b48372fc6c37f38e0e6bcf55991b3bc53f33c9a11b7b818e2c90985dc6245d',
};

describe('vendored reference OpenAPI documents', () => {
  it.each(Object.entries(PUBLISHED))(
    '%s is present, an OpenAPI 3 document, and byte for byte the published file',
    (file, digest) => {
      const ours = readFileSync(join(HERE, file));
      expect(ours.toString('utf8')).toMatch(/^openapi: 3\./);
      expect(createHash('sha256').update(ours).digest('hex')).toBe(digest);
    },
  );
});
