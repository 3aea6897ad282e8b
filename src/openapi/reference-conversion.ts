/**
 * Mydex's reference documents are OpenAPI 3.0; the OpenPDX document is 3.1, whose schemas are
 * JSON Schema 2020-12. The only 3.0-only keyword they use is `nullable`, which becomes a `null`
 * type (and a `null` member of any `enum`, which would otherwise still refuse it).
 */
import type { JsonSchema } from './openapi-types.ts';

export function toOpenApi31<T>(value: T): T {
  return convert(value) as T;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (typeof value !== 'object' || value === null) return value;
  const { nullable, ...rest } = value as Record<string, unknown>;
  const out: JsonSchema = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, convert(v)]));
  if (nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

/** Every `$ref` in `value` whose target is in `renames`, pointed at the new name. */
export function renameRefs<T>(value: T, kind: string, renames: ReadonlyMap<string, string>): T {
  const prefix = `#/components/${kind}/`;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, inner]) => {
        if (k === '$ref' && typeof inner === 'string' && inner.startsWith(prefix)) {
          const renamed = renames.get(inner.slice(prefix.length));
          return [k, renamed ? `${prefix}${renamed}` : inner];
        }
        return [k, walk(inner)];
      }),
    );
  };
  return walk(value) as T;
}

/** A component's meaning, without its examples: two with the same meaning may share one name. */
export function sameMeaning(a: unknown, b: unknown): boolean {
  return JSON.stringify(withoutExamples(a)) === JSON.stringify(withoutExamples(b));
}

function withoutExamples(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExamples);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'example' && k !== 'examples')
      .map(([k, v]) => [k, withoutExamples(v)]),
  );
}
