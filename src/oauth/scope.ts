/**
 * RFC 6749 §3.3 scope grammar: space-delimited tokens of %x21 / %x23-5B / %x5D-7E, so `:` and `/`
 * are legal (`get:/api/pds/mam`) while space, `"`, `\`, controls and non-ASCII are not.
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/**
 * Splits a `scope` parameter into distinct tokens in request order; undefined when any token
 * breaks the grammar. Runs of spaces are tolerated, any other separator is not.
 */
export function parseScope(raw: string): string[] | undefined {
  const tokens = raw.split(' ').filter((t) => t !== '');
  if (!tokens.every(isScopeToken)) return undefined;
  return [...new Set(tokens)];
}
