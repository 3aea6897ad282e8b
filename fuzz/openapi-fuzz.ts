/**
 * A schema-driven fuzzer: every operation in OpenPDX's own `/openapi.json`, with parameters and
 * bodies drawn from each operation's schema, then bent: extreme and malformed numbers, NUL,
 * over-long and odd Unicode text, wildcards, prototype keys, wrong types, deep nesting, repeated
 * and bracketed names, wrong content types, missing, junk and valid credentials. The one rule it
 * checks: no answer is a 5xx, and the server still answers /healthz.
 *
 * Used by test/security/schema-fuzz.test.ts (a few thousand requests, both databases, in CI) and by
 * `npm run fuzz` (fuzz/run.ts: 100,000 requests by default, for operators). Deterministic for a
 * given seed: fast-check draws every request from it.
 */
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

export interface FuzzResponse {
  status: number;
  body: string;
}

/** Real values of a seeded subscriber and member, so that requests reach past authentication. */
export interface FuzzContext {
  /** a bearer token holding every scope the document names */
  accessToken: string;
  clientId: string;
  clientSecret: string;
  uid: number;
  nid: number;
  conId: string;
  memberKey: string;
}

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** a /healthz probe every this many requests (default 250) */
  healthEvery?: number;
  /** progress, every 1,000 requests */
  onProgress?: (done: number, report: FuzzReport) => void;
}

export interface FuzzFailure {
  request: FuzzRequest;
  status: number;
  body: string;
}

export interface FuzzReport {
  requests: number;
  operations: number;
  byStatus: Record<string, number>;
  /** 5xx answers, and answers that leaked a stack trace or a database message */
  failures: FuzzFailure[];
  healthChecks: number;
  healthFailures: number;
}

type Schema = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; schema: Schema }[];
  bodyTypes: string[];
  bodySchema: Schema | undefined;
}

const LEAK = /\bat \w[\w.<>]* \(|node_modules|SQLITE_|syntax error at|violates .* constraint|duplicate key value/;
const MAX_FAILURES_KEPT = 50;

/** Runs `options.requests` fuzzed requests through `send`, and reports what came back. */
export async function fuzzOpenApi(
  document: unknown,
  context: FuzzContext,
  send: (req: FuzzRequest) => Promise<FuzzResponse>,
  options: FuzzOptions,
): Promise<FuzzReport> {
  const operations = operationsOf(document);
  const report: FuzzReport = {
    requests: 0,
    operations: operations.length,
    byStatus: {},
    failures: [],
    healthChecks: 0,
    healthFailures: 0,
  };
  const arbitrary = requestArbitrary(operations, context, document);
  const healthEvery = options.healthEvery ?? 250;
  const chunk = 500;
  for (let start = 0; start < options.requests; start += chunk) {
    const size = Math.min(chunk, options.requests - start);
    // One seed per chunk, derived from the run's: the same run always sends the same requests.
    for (const req of fc.sample(arbitrary, { numRuns: size, seed: options.seed + start })) {
      const res = await send(req);
      report.requests++;
      const key = `${Math.floor(res.status / 100)}xx`;
      report.byStatus[key] = (report.byStatus[key] ?? 0) + 1;
      if ((res.status >= 500 || LEAK.test(res.body)) && report.failures.length < MAX_FAILURES_KEPT) {
        report.failures.push({ request: req, status: res.status, body: res.body.slice(0, 500) });
      }
      if (report.requests % healthEvery === 0) {
        report.healthChecks++;
        const health = await send({ method: 'GET', url: '/healthz', headers: {} });
        if (health.status !== 200) report.healthFailures++;
      }
      if (report.requests % 1000 === 0) options.onProgress?.(report.requests, report);
    }
  }
  return report;
}

function operationsOf(document: unknown): Operation[] {
  const doc = document as { paths: Record<string, Record<string, Schema>>; components?: { parameters?: Record<string, Schema> } };
  const shared = doc.components?.parameters ?? {};
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = ((op.parameters as Schema[] | undefined) ?? []).map((p) => {
        const ref = typeof p.$ref === 'string' ? shared[p.$ref.split('/').pop()!] : p;
        return { name: String(ref?.name), in: String(ref?.in), schema: (ref?.schema as Schema | undefined) ?? {} };
      });
      const content = ((op.requestBody as Schema | undefined)?.content ?? {}) as Record<string, { schema?: Schema }>;
      const bodyTypes = Object.keys(content);
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: params,
        bodyTypes,
        bodySchema: bodyTypes.length ? content[bodyTypes[0]!]!.schema : undefined,
      });
    }
  }
  return out;
}

/** Numbers a parser should refuse, or hold at a limit. */
const EXTREME_NUMBERS = [
  '0',
  '-1',
  '1.5',
  '1e309',
  '2147483647',
  '2147483648',
  '4294967296',
  '9007199254740993',
  '999999999999999999999999',
  '0x10',
  'NaN',
  'Infinity',
  '+1',
  ' 1',
  '١٢٣',
];
/** Text a parser, a store or a log should survive. */
const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%00',
  '%',
  '%_%',
  '%a%a%a%a%a%a%b',
  "' OR '1'='1' --",
  '"; DROP TABLE members; --',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  '\ud800',
  '😀'.repeat(50),
  'e\u0301\u202e\u200b',
  'x'.repeat(5000),
  '[]',
  '{}',
  'null',
];

function requestArbitrary(operations: Operation[], ctx: FuzzContext, doc: unknown): fc.Arbitrary<FuzzRequest> {
  const text = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
    { weight: 2, arbitrary: fc.constantFrom(...EXTREME_NUMBERS) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
    { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 2000 }) },
  );
  const opIndex = fc.nat(operations.length - 1);
  return opIndex.chain((i) => {
    const op = operations[i]!;
    // Most parameters hold a value that passes (the seeded member's uid, con_id, key, a dataset…),
    // and one or two are bent: a request must get past the first check to test the next one.
    const plausibleOrHostile = (p: Operation['parameters'][number]) =>
      fc.record({ plausible: plausible(p.name, p.schema, ctx, doc), hostile: fc.oneof(fromSchema(p.schema, doc, 0), text) });
    const params = fc
      .tuple(
        fc.tuple(...op.parameters.map(plausibleOrHostile)),
        fc.array(fc.nat(Math.max(op.parameters.length - 1, 0)), { maxLength: 2 }),
        fc.array(fc.boolean(), { minLength: op.parameters.length, maxLength: op.parameters.length }),
      )
      .map(([values, bent, dropped]) =>
        values.map((v, k) => (bent.includes(k) ? v.hostile : dropped[k] && bent.length === 0 ? null : v.plausible)),
      );
    const extraQuery = fc.array(
      fc.tuple(
        fc.constantFrom('filters[x][operator]', 'filters[status][value]', 'a[b][c][d][e][f]', 'dataset', 'uid', 'id'),
        text,
      ),
      {
        maxLength: 3,
      },
    );
    const body = op.bodyTypes.length
      ? fc.oneof(
          { weight: 4, arbitrary: fromSchema(op.bodySchema ?? {}, doc, 0).map((v) => JSON.stringify(v)) },
          { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: text },
          {
            weight: 1,
            arbitrary: fc.constantFrom('{"a":'.repeat(40), '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', '{"__proto__":{"x":1}}'),
          },
          {
            weight: 2,
            arbitrary: fc
              .dictionary(fc.constantFrom('a', 'b[c]', 'ds_referrals[contact_name]', 'grant_type', 'scope', 'csrf'), text, {
                maxKeys: 4,
              })
              .map((d) => new URLSearchParams(d).toString()),
          },
        )
      : fc.constant(undefined);
    const contentType = fc.constantFrom(
      ...op.bodyTypes,
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/xml',
      '',
    );
    const auth = fc.oneof(
      { weight: 6, arbitrary: fc.constant(`Bearer ${ctx.accessToken}`) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: text.map((s) => `Bearer ${s}`) },
      { weight: 1, arbitrary: fc.constant(`Basic ${Buffer.from(`${ctx.clientId}:${ctx.clientSecret}`).toString('base64')}`) },
      { weight: 1, arbitrary: text.map((s) => `Basic ${Buffer.from(`${s}:${s}`).toString('base64')}`) },
    );
    return fc
      .record({
        params,
        extraQuery,
        body,
        contentType,
        auth,
        connectionToken: fc.option(fc.oneof(fc.constant(ctx.memberKey), text), { freq: 2 }),
      })
      .map((r) => {
        let path = op.path;
        const query: string[] = [];
        const headers: Record<string, string> = {};
        op.parameters.forEach((p, k) => {
          const v = r.params[k];
          if (p.in === 'path') {
            path = path.replace(`{${p.name}}`, enc(String(v ?? 'x')) || 'x');
          } else if (v !== null && v !== undefined) {
            if (p.in === 'query') query.push(`${enc(p.name)}=${enc(String(v))}`);
            else if (p.in === 'header') headers[p.name.toLowerCase()] = headerSafe(String(v));
          }
        });
        for (const [k, v] of r.extraQuery) query.push(`${k}=${enc(v)}`);
        if (r.auth !== undefined) headers.authorization = headerSafe(r.auth);
        if (r.connectionToken) headers['connection-token'] = headerSafe(r.connectionToken);
        if (r.body !== undefined && r.contentType) headers['content-type'] = r.contentType;
        return {
          method: op.method,
          url: `${path}${query.length ? `?${query.join('&')}` : ''}`,
          headers,
          ...(r.body !== undefined ? { payload: r.body } : {}),
        };
      });
  });
}

/** A value that passes for a parameter of this name, for the seeded subscriber and member. */
function plausible(name: string, schema: Schema, ctx: FuzzContext, doc: unknown): fc.Arbitrary<unknown> {
  switch (name.toLowerCase()) {
    case 'uid':
      return fc.constant(String(ctx.uid));
    case 'file':
      return fc.constantFrom(`${ctx.uid}.json`, `${ctx.uid}.xml`, String(ctx.uid));
    case 'con_id':
      return fc.constant(ctx.conId);
    case 'key':
    case 'connection-token':
      return fc.constant(ctx.memberKey);
    case 'nid':
      return fc.constant(String(ctx.nid));
    case 'dataset':
      return fc.constantFrom(
        'ds_personal_details',
        'ds_referrals',
        'ds_events',
        'ds_secure_messages',
        'ds_personal_details+ds_referrals',
      );
    case 'source_type':
      return fc.constant('connection');
    case 'instance':
    case 'id':
    case 'offset':
      return fc.constantFrom('0', '1', '2');
    case 'limit':
      return fc.constantFrom('1', '10', '1000');
    default:
      return fromSchema(schema, doc, 0);
  }
}

/** A value shaped by the schema, often a little wrong: that is where parsers break. */
function fromSchema(schema: Schema, doc: unknown, depth: number): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  if (depth > 4) return fc.constant(null);
  if (Array.isArray(s.enum) && s.enum.length)
    return fc.oneof(fc.constantFrom(...(s.enum as unknown[])), fc.constant('NOT_IN_ENUM'));
  const variants = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (variants?.length) return fc.oneof(...variants.map((v) => fromSchema(v, doc, depth + 1)));
  const type = Array.isArray(s.type) ? (s.type[0] as string) : (s.type as string | undefined);
  switch (type) {
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.integer({ min: -5, max: 50_000 }),
        fc.constantFrom(2147483647, 2147483648, -2147483649, 1e21, 0.5, Number.MAX_SAFE_INTEGER + 2),
        fc.constantFrom(...EXTREME_NUMBERS),
      );
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('true', 0, 'yes'));
    case 'array':
      return fc.array(fromSchema((s.items as Schema | undefined) ?? {}, doc, depth + 1), { maxLength: 4 });
    case 'object': {
      const props = Object.entries((s.properties as Record<string, Schema> | undefined) ?? {});
      const record = fc.record(Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, doc, depth + 1)])), {
        requiredKeys: [],
      });
      const extra = fc.dictionary(
        fc.constantFrom('__proto__', 'constructor', 'unknown_field', 'x'.repeat(300)),
        fc.jsonValue({ maxDepth: 2 }),
        {
          maxKeys: 2,
        },
      );
      return fc.tuple(record, extra).map(([a, b]) => ({ ...b, ...a }));
    }
    default:
      return fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(...HOSTILE_TEXT),
        typeof s.example === 'string' ? fc.constant(s.example) : fc.constant('example'),
      );
  }
}

function resolve(schema: Schema, doc: unknown): Schema {
  let s = schema;
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    let node: unknown = doc;
    for (const part of s.$ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
    s = (node as Schema | undefined) ?? {};
  }
  return s;
}

/** HTTP header values cannot hold control characters or non-Latin-1 text: send those percent-encoded. */
function headerSafe(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : enc(v);
}

/** Percent-encoding that survives a lone surrogate (sent as U+FFFD: a URL cannot carry one). */
function enc(v: string): string {
  return encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8'));
}
