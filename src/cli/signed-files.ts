/** Reading the files `openpdx receipt verify` and `openpdx log verify` check, and the key set they check against. */
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { ValidationError } from '../errors.ts';

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(
      `Cannot read the ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
    );
  }
}

/**
 * The JWK Set in `source` (a file, or an http(s) URL), else fetched from `defaultUrl()` (which may
 * throw to say why there is none).
 */
export async function keySet(source: string | undefined, defaultUrl: () => string): Promise<JSONWebKeySet> {
  let text: string;
  if (source !== undefined && !/^https?:\/\//.test(source)) {
    text = readText(source, 'key set');
  } else {
    const url = source ?? defaultUrl();
    const res = await fetch(url).catch((err: Error) => {
      throw new ValidationError(`Cannot fetch the key set from ${url}: ${err.message}. Give a file with --jwks.`);
    });
    if (!res.ok) throw new ValidationError(`Cannot fetch the key set from ${url}: HTTP ${res.status}. Give a file with --jwks.`);
    text = await res.text();
  }
  try {
    const jwks = JSON.parse(text) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error('no "keys" array');
    return jwks;
  } catch (err) {
    throw new ValidationError(`The key set is not a JWK Set: ${(err as Error).message}.`);
  }
}
