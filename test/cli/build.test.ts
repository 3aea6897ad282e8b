import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiledEntry } from '../../bin/build.mjs';
import { serverNodeFlags } from '../../bin/server-settings.mjs';

describe('the compiled server (bin/build.mjs)', () => {
  it('bundles the CLI, both thread scripts and the web assets into a folder named for the sources', async () => {
    const entry = (await compiledEntry())!;
    expect(entry).toMatch(/\/dist\/[0-9a-f]{16}\/openpdx\.mjs$/);
    const dir = dirname(entry);
    for (const file of ['signing-thread.mjs', 'append-thread.mjs', 'assets']) expect(existsSync(join(dir, file))).toBe(true);
    // The same sources give the same build, not a second one.
    expect(await compiledEntry()).toBe(entry);
  });
});

describe('the serving process flags (bin/server-settings.mjs)', () => {
  it('adds the smaller young generation unless the operator chose one', () => {
    expect(serverNodeFlags([], '')).toEqual(['--max-semi-space-size=8']);
    expect(serverNodeFlags(['--max-semi-space-size=32'], '')).toEqual([]);
    expect(serverNodeFlags([], '--trace-gc --max_semi_space_size=2')).toEqual([]);
    expect(serverNodeFlags(['--max-old-space-size=512'], '')).toEqual(['--max-semi-space-size=8']);
  });
});
