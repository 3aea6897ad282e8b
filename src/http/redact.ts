/** Query parameters and body fields that carry secrets: never logged, never echoed. */
const SECRET_PARAMS = [
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

/**
 * What a request line may show of a URL (docs/security.md, "Logs"): an allow-list, so that a new
 * parameter is redacted until someone decides it is safe. Path parameters are logged only when they
 * are ids; every other one (one-time link tokens, invite codes, MyAccount SVTs, ScotAccount subs)
 * becomes [redacted]. Query values are logged only for the parameters below: filter values, keys,
 * tokens and anything unforeseen become [redacted].
 */
const LOGGED_PATH_PARAMS = new Set(['file', 'nid', 'id', 'version', 'name']);
const LOGGED_QUERY_PARAMS = new Set([
  'dataset',
  'instance',
  'id',
  'limit',
  'offset',
  'sort',
  'uid',
  'con_id',
  'source_type',
  'page',
  'done',
  'status',
]);
/** `filters[<field>][operator]`: the field and the operator are the caller's query shape, not data. */
const FILTER_OPERATOR = /^filters\[[A-Za-z0-9_]{1,64}\]\[operator\]$/;
/** A parameter name is itself logged only when it looks like one; anything else could be data. */
const PLAIN_NAME = /^[A-Za-z0-9_.[\]-]{1,80}$/;
/** Path segments an unmatched URL may show as they are: numbers, and the static words of our routes. */
const NUMERIC_SEGMENT = /^[0-9]{1,10}(\.(json|xml))?$/;
const ROUTE_PARAM = /:([A-Za-z0-9_]+)/g;
const REDACTED = '[redacted]';

export interface MatchedRoute {
  /** the route's pattern, e.g. /members/invite/:invite */
  pattern: string;
  params: Record<string, string>;
}

export class UrlRedactor {
  private readonly words = new Set<string>();

  /** Learns the static segments of a route (src/http/server.ts calls this from onRoute). */
  addRoute(pattern: string): void {
    for (const segment of pattern.split('/'))
      if (segment && !segment.includes(':') && !segment.includes('*')) this.words.add(segment);
  }

  /** The URL as a request line may show it: matched through its route's pattern where there is one. */
  redact(url: string, route?: MatchedRoute): string {
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const path = route ? this.fromPattern(route) : this.unmatchedPath(rawPath);
    return q < 0 ? path : `${path}?${redactQuery(url.slice(q + 1))}`;
  }

  private fromPattern(route: MatchedRoute): string {
    if (route.pattern.includes('*')) return this.unmatchedPath(route.pattern);
    return route.pattern.replace(ROUTE_PARAM, (_m, name: string) =>
      LOGGED_PATH_PARAMS.has(name) && route.params[name] !== undefined ? encodeURIComponent(route.params[name]) : REDACTED,
    );
  }

  private unmatchedPath(path: string): string {
    return path
      .split('/')
      .map((s) => (s === '' || this.words.has(s) || NUMERIC_SEGMENT.test(s) ? s : REDACTED))
      .join('/');
  }
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      const name = decodeSafe(rawName);
      if (!PLAIN_NAME.test(name)) return REDACTED;
      if (eq < 0) return rawName;
      return LOGGED_QUERY_PARAMS.has(name) || FILTER_OPERATOR.test(name) ? pair : `${rawName}=${REDACTED}`;
    })
    .join('&');
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
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
