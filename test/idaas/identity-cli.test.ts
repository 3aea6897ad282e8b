/** `openpdx admin identity map|list|unmap`: the table the myaccount/scotaccount lookups answer from. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCli, memberArgs, type TestCli } from '../cli/cli-harness.ts';

let cli: TestCli;

/** A `--json` failure (one line of JSON on stderr) as the text the same failure prints without --json. */
function asText(stderr: string): string {
  const { error } = JSON.parse(stderr) as { error: { message: string; reason?: string } };
  return `error: ${error.message}${error.reason ? `: ${error.reason}` : ''}\n`;
}
beforeEach(async () => {
  cli = createTestCli();
  for (const mydexid of ['jo.bloggs', 'sam.smith']) {
    await cli.json(memberArgs(mydexid));
  }
});
afterEach(async () => {
  await cli.close();
});

const GUID = '123e4567-e89b-12d3-a456-426614174000';
const map = (provider: string, id: string, mydexid: string) =>
  cli.run(['admin', 'identity', 'map', '--provider', provider, '--id', id, '--mydexid', mydexid, '--json']);

describe('openpdx admin identity', () => {
  it('maps an identity and prints it as one line of JSON', async () => {
    const r = await map('scotaccount', GUID.toUpperCase(), 'jo.bloggs');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      id: 1,
      provider: 'scotaccount',
      external_id: GUID,
      mydexid: 'jo.bloggs',
      created_at: expect.any(Number),
    });
  });

  it('lists every mapping, or one member’s, as JSON and as a table', async () => {
    await map('myaccount', 'abc123xyz456', 'jo.bloggs');
    await map('scotaccount', GUID, 'sam.smith');
    const all = (await cli.json(['admin', 'identity', 'list'])) as { provider: string; mydexid: string }[];
    expect(all.map((r) => [r.provider, r.mydexid])).toEqual([
      ['myaccount', 'jo.bloggs'],
      ['scotaccount', 'sam.smith'],
    ]);
    expect(await cli.json(['admin', 'identity', 'list', '--mydexid', 'sam.smith'])).toEqual([
      { id: 2, provider: 'scotaccount', external_id: GUID, mydexid: 'sam.smith', created_at: expect.any(Number) },
    ]);
    const text = await cli.run(['admin', 'identity', 'list']);
    expect(text.stdout).toMatch(
      /^provider +external_id +mydexid +created\nmyaccount +abc123xyz456 +jo\.bloggs +\d{4}-\d\d-\d\dT/,
    );
    expect((await cli.run(['admin', 'identity', 'list', '--mydexid', 'nobody'])).stdout).toBe('No identities mapped.\n');
  });

  it('maps the same identity to the same member again without change, and refuses another member', async () => {
    const first = JSON.parse((await map('myaccount', 'svt-1', 'jo.bloggs')).stdout) as unknown;
    const again = await map('myaccount', 'svt-1', 'jo.bloggs');
    expect(JSON.parse(again.stdout)).toEqual(first);
    const other = await map('myaccount', 'svt-1', 'sam.smith');
    expect(other.code).toBe(1);
    expect(asText(other.stderr)).toBe(
      'error: Identity already mapped: This identity is mapped to another MydexID; unmap it first.\n',
    );
  });

  it('refuses an unknown provider, a malformed id and an unknown member with exit 1', async () => {
    const cases: [string[], string][] = [
      [['govuk', 'x', 'jo.bloggs'], 'error: Invalid provider: The provider must be one of: myaccount, scotaccount.\n'],
      [
        ['scotaccount', 'not-a-guid', 'jo.bloggs'],
        'error: Invalid identity: A ScotAccount sub is a GUID such as 123e4567-e89b-12d3-a456-426614174000.\n',
      ],
      [
        ['myaccount', 'has space', 'jo.bloggs'],
        'error: Invalid identity: A MyAccount SVT is 1 to 256 printable characters without spaces.\n',
      ],
      [['myaccount', 'svt-2', 'nobody'], 'error: Member not found: No member has the MydexID nobody.\n'],
    ];
    for (const [[provider, id, mydexid], stderr] of cases) {
      const r = await map(provider!, id!, mydexid!);
      expect(r.code, stderr).toBe(1);
      expect(asText(r.stderr)).toBe(stderr);
      expect(r.stdout).toBe('');
    }
    expect(await cli.json(['admin', 'identity', 'list'])).toEqual([]);
  });

  it('unmaps an identity; unmapping it again fails with exit 1', async () => {
    await map('scotaccount', GUID, 'jo.bloggs');
    expect(await cli.json(['admin', 'identity', 'unmap', '--provider', 'scotaccount', '--id', GUID.toUpperCase()])).toEqual({
      provider: 'scotaccount',
      external_id: GUID,
      removed: true,
    });
    expect(await cli.json(['admin', 'identity', 'list'])).toEqual([]);
    const again = await cli.run(['admin', 'identity', 'unmap', '--provider', 'scotaccount', '--id', GUID]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('error: Identity not mapped: No MydexID is mapped to this ScotAccount identity.\n');
  });

  it('needs --provider and --id (usage error, exit 2)', async () => {
    const r = await cli.run(['admin', 'identity', 'map', '--id', 'x', '--mydexid', 'jo.bloggs']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--provider <provider>' not specified");
  });
});
