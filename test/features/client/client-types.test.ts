import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateFeatureBlockTypes, TYPES_FILE } from './generate.ts';

describe('feature-blocks.ts', () => {
  it('is what openapi-typescript makes of the reference today (regenerate: npx tsx test/features/client/generate.ts)', async () => {
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(await generateFeatureBlockTypes());
  });
});
