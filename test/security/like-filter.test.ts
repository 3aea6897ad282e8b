/**
 * LIKE filters cannot stall the server (docs/security.md, "LIKE filters"): patterns are matched in
 * linear time, never compiled into a RegExp, and capped in length and wildcards with a clear 400.
 * Before the fix, `%a%a%a%a%b` against a long value backtracked for minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIKE_PATTERN_LENGTH, MAX_LIKE_WILDCARDS } from '../../src/pds/like-pattern.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;
const ids: Record<string, string> = {};

const MIB = 1024 * 1024;

async function insert(values: Record<string, string>): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/pds/transaction?uid=${m.uid}&key=${m.key}&con_id=${m.conId}&source_type=connection`,
    headers: bearer(sub),
    payload: { ds_referrals: values },
  });
  expect(res.statusCode, res.body).toBe(200);
  return String(res.json().last_insert_id);
}

function likeRead(field: string, pattern: string) {
  const q = new URLSearchParams({
    key: m.key,
    con_id: m.conId,
    dataset: 'ds_referrals',
    [`filters[${field}][operator]`]: 'LIKE',
    [`filters[${field}][value]`]: pattern,
  });
  return t.app.inject({ method: 'GET', url: `/api/pds/transaction/${m.uid}.json?${q}`, headers: bearer(sub) });
}

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t, ['ds_referrals:rw']);
  m = await connectMember(t.ctx, sub, 'like.target');
  ids.text = await insert({ service_description: 'a'.repeat(65_000), contact_name: 'long text' });
  ids.blob = await insert({ referree_availability: `${'a'.repeat(MIB - 1)}b`, contact_name: 'long blob' });
  ids.short = await insert({ service_description: 'Counselling, Tuesdays', contact_name: 'Ann Smith' });
}, 60_000);
afterAll(() => t.close());

describe('LIKE filters on long stored values', () => {
  it("answers the review's %a%a%a%a%b against a 65,000-character value at once, matching nothing", async () => {
    const res = await likeRead('service_description', '%a%a%a%a%b');
    expect(res.statusCode, res.body).toBe(200);
    expect(Object.keys(res.json())).toEqual([]);
  });

  it('matches a 1 MiB value against a 200-wildcard pattern, and only the row that fits', async () => {
    const pattern = `${'%a_'.repeat(MAX_LIKE_WILDCARDS / 2 - 1)}%b%`;
    expect([...pattern].filter((c) => c === '%' || c === '_')).toHaveLength(MAX_LIKE_WILDCARDS);
    const res = await likeRead('referree_availability', pattern);
    expect(res.statusCode, res.body).toBe(200);
    expect(Object.keys(res.json())).toEqual([ids.blob]);
  });

  it('keeps LIKE semantics: % any run, _ one character, case-insensitive', async () => {
    const res = await likeRead('contact_name', 'ann_sMITH%');
    expect(Object.keys(res.json())).toEqual([ids.short]);
    expect(Object.keys((await likeRead('contact_name', 'long%')).json()).sort()).toEqual([ids.text, ids.blob].sort());
    expect(Object.keys((await likeRead('contact_name', 'Ann')).json())).toEqual([]);
  });
});

describe('LIKE pattern caps', () => {
  it(`refuses a pattern longer than ${MAX_LIKE_PATTERN_LENGTH} characters with a 400 that says so`, async () => {
    const res = await likeRead('contact_name', 'x'.repeat(MAX_LIKE_PATTERN_LENGTH + 1));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        message: 'Invalid filters',
        reason: `filters[contact_name][value]: a LIKE pattern may be at most ${MAX_LIKE_PATTERN_LENGTH} characters.`,
      },
    });
  });

  it(`refuses more than ${MAX_LIKE_WILDCARDS} wildcards with a 400 that says so`, async () => {
    const res = await likeRead('contact_name', '%_'.repeat(MAX_LIKE_WILDCARDS / 2) + '%');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.reason).toBe(
      `filters[contact_name][value]: a LIKE pattern may hold at most ${MAX_LIKE_WILDCARDS} wildcards (% and _).`,
    );
  });
});
