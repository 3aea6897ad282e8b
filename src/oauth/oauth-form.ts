/**
 * RFC 6749 §3.2: endpoint parameters arrive form-encoded in a POST body. Empty values count as
 * absent, unknown names are ignored by the callers, and no parameter may appear twice.
 */
import { invalidRequest } from './oauth-errors.ts';

export type OAuthForm = ReadonlyMap<string, string>;

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** `body` is the raw string src/http/server.ts hands every route. */
export function readOAuthForm(contentType: string | undefined, body: unknown): OAuthForm {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== FORM_TYPE) throw invalidRequest(`content type must be ${FORM_TYPE}`);
  const form = new Map<string, string>();
  if (typeof body !== 'string' || body === '') return form;
  for (const [name, value] of new URLSearchParams(body)) {
    if (name.includes('\0') || value.includes('\0')) throw invalidRequest('request parameters must not contain NUL characters');
    if (value === '') continue;
    if (form.has(name)) throw invalidRequest('request parameters must not be repeated');
    form.set(name, value);
  }
  return form;
}
