/**
 * Reads client credentials from a request: HTTP Basic (`client_secret_basic`) or `client_id` +
 * `client_secret` in the form (`client_secret_post`) (RFC 6749 §2.3.1), or a signed JWT in
 * `client_assertion` (`private_key_jwt`, RFC 7523 §2.2); exactly one of them.
 */
import { decodeJwt } from 'jose';
import type { OAuthForm } from './oauth-form.ts';
import { invalidClient, invalidRequest } from './oauth-errors.ts';

export type ClientCredentials =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; clientSecret: string }
  /** not yet verified: ClientAuthenticator checks the signature and claims */
  | { method: 'private_key_jwt'; clientId: string; assertion: string };

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const BASIC_SCHEME = /^basic(?: |$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const malformedBasic = () => invalidRequest('malformed Basic authorization header');

/**
 * `realm` is the Basic challenge realm (the issuer). A request with no credentials at all gets
 * 401 `invalid_client` with that challenge (OA-05, pinned: RFC 6749 §5.2 lets us advertise Basic).
 */
export function clientCredentialsOf(authorization: string | undefined, form: OAuthForm, realm: string): ClientCredentials {
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  const assertion = form.has('client_assertion') || form.has('client_assertion_type');

  if (authorization !== undefined) {
    if (formSecret !== undefined || assertion) throw invalidRequest('only one client authentication method may be used');
    const basic = parseBasic(authorization);
    if (formId !== undefined && formId !== basic.clientId)
      throw invalidRequest('client_id does not match the Authorization header');
    return basic;
  }
  if (formSecret !== undefined) {
    if (assertion) throw invalidRequest('only one client authentication method may be used');
    if (formId === undefined) throw invalidRequest('client_secret was sent without client_id');
    return { clientId: formId, clientSecret: formSecret, method: 'client_secret_post' };
  }
  if (assertion) return assertionOf(form, formId);
  // Nothing, or a bare client_id (a public client): the caller decides whether that may pass.
  throw invalidClient(realm, 'client authentication required');
}

/**
 * RFC 7523 §2.2 and §3: the assertion's `sub` (and `iss`) is the client id; `client_id` in the form
 * is optional but must agree. The claims are only read here; the authenticator verifies them.
 */
function assertionOf(form: OAuthForm, formId: string | undefined): ClientCredentials {
  const type = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (type !== JWT_BEARER_ASSERTION) {
    throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  }
  if (!assertion) throw invalidRequest('client_assertion is required with client_assertion_type');
  let sub: unknown;
  try {
    sub = decodeJwt(assertion).sub;
  } catch {
    throw invalidRequest('client_assertion is not a JWT');
  }
  if (typeof sub !== 'string' || sub === '') throw invalidRequest('client_assertion has no sub claim (the client id)');
  if (formId !== undefined && formId !== sub) throw invalidRequest('client_id does not match the client_assertion sub');
  return { method: 'private_key_jwt', clientId: sub, assertion };
}

function parseBasic(header: string): ClientCredentials {
  const match = BASIC.exec(header.trim());
  if (!match?.[1]) {
    if (BASIC_SCHEME.test(header.trim())) throw malformedBasic();
    throw invalidRequest('unsupported authorization scheme; use Basic');
  }
  const encoded = match[1];
  const bytes = Buffer.from(encoded, 'base64');
  // Buffer.from skips what it cannot read; insist the header was canonical base64 (padding optional).
  if (bytes.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) throw malformedBasic();
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw malformedBasic();
  }
  const colon = text.indexOf(':');
  if (colon < 0) throw malformedBasic();
  const clientId = formDecode(text.slice(0, colon));
  const clientSecret = formDecode(text.slice(colon + 1));
  if (clientId === '' || clientSecret === '') throw malformedBasic();
  // Decoded from base64, so the edge's NUL checks never saw it (docs/security.md, "NUL characters").
  if (clientId.includes('\0') || clientSecret.includes('\0')) throw malformedBasic();
  return { clientId, clientSecret, method: 'client_secret_basic' };
}

/**
 * RFC 6749 Appendix B: each part is form-urlencoded before base64. Values that were never encoded
 * (UUID ids, `pdx_cs_` secrets: unreserved characters only) decode to themselves, so both styles of
 * client work; a broken `%` sequence is a malformed request.
 */
function formDecode(part: string): string {
  if (!part.includes('%') && !part.includes('+')) return part;
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw malformedBasic();
  }
}
