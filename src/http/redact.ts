/** Query parameters and body fields that carry secrets: never logged, never echoed. */
export const SECRET_PARAMS = [
  'key',
  'api_key',
  'access_token',
  'token',
  'client_secret',
  'password',
  'private_key',
  'connection_token',
  'connection_token_hash',
] as const;

const SECRET_SET = new Set<string>(SECRET_PARAMS);

/** One-time link paths carry their token in the path: /ftc/begin/{nid}/{token}/{version}. */
const TOKEN_IN_PATH = /^(\/ftc\/begin\/[^/?]*\/)[^/?]+/;

/** Replaces secret path segments and the values of secret-bearing query parameters in a URL. */
export function redactUrl(raw: string): string {
  const url = raw.replace(TOKEN_IN_PATH, '$1[redacted]');
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeSafe(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
      return SECRET_SET.has(name) && eq >= 0 ? `${pair.slice(0, eq)}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** pino redact paths: request headers and any body/claims field with a secret name. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.authentication',
  'req.headers["short-access-token"]',
  'req.headers["connection-token"]',
  'req.headers.cookie',
  ...SECRET_PARAMS.map((p) => `*.${p}`),
];
