/** JSON or XML by the path's extension (contract §6); XML mirrors the JSON structure. */
import { XMLBuilder } from 'fast-xml-parser';
import type { FieldAccess } from '../connections/dssa.ts';

export type Format = 'json' | 'xml';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: false, suppressEmptyNode: false });

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Keys that are not XML names (row ids such as "3") become <item key="3">. */
function toXmlTree(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return { item: value.map(toXmlTree) };
  if (typeof value !== 'object') return String(value);
  const out: Record<string, unknown> = {};
  const items: unknown[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (NAME.test(k)) out[k] = toXmlTree(v);
    else items.push({ '@_key': k, ...asObject(toXmlTree(v)) });
  }
  if (items.length) out.item = items;
  return out;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : { '#text': v };
}

export function renderXml(value: unknown): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ response: toXmlTree(value) }) as string}`;
}

/**
 * JSON for rows keyed by id, keeping the caller's sort order: JavaScript objects would reorder
 * integer-like keys ascending, so the object is written entry by entry.
 */
export function orderedJson(entries: readonly (readonly [string, unknown])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/** XML for rows keyed by id, in the caller's order. */
export function renderXmlRows(entries: readonly (readonly [string, unknown])[]): string {
  const items = entries.map(([k, v]) => ({ '@_key': k, ...asObject(toXmlTree(v)) }));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ response: { item: items } }) as string}`;
}

/** A character JSON.stringify would escape: `"`, `\\`, a control character, or half of a surrogate pair. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Exactly JSON.stringify(s) for a string. Most stored values need no escaping, and quoting them
 * directly costs about a third of JSON.stringify's call (a 100-row page writes over a thousand);
 * any string with a character JSON escapes (surrogate pairs included, to keep to one rule) goes
 * to JSON.stringify itself.
 */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** A metadata read's view (contract §6.1): dataset → `instance_N` → field → value and access. */
export type MetadataView = Record<string, Record<string, Record<string, { value: string | null; access: FieldAccess }>>>;

/** Each distinct `access` object's JSON, written once: they come from cached, never-mutated DSSAs. */
const accessJson = new WeakMap<object, string>();

/**
 * Exactly JSON.stringify(view), written by hand because it is the API's most frequent response:
 * JSON.stringify re-serialised every field's `access` object, which made it about a tenth of a
 * metadata read's CPU. Keys keep their property order, as JSON.stringify's do.
 */
export function metadataJson(view: MetadataView): string {
  let out = '{';
  let firstDataset = true;
  for (const dataset of Object.keys(view)) {
    out += `${firstDataset ? '' : ','}${JSON.stringify(dataset)}:{`;
    firstDataset = false;
    const instances = view[dataset]!;
    let firstInstance = true;
    for (const instance of Object.keys(instances)) {
      out += `${firstInstance ? '' : ','}${JSON.stringify(instance)}:{`;
      firstInstance = false;
      const fields = instances[instance]!;
      let firstField = true;
      for (const field of Object.keys(fields)) {
        const { value, access } = fields[field]!;
        out += `${firstField ? '' : ','}${jsonString(field)}:{"value":${value === null ? 'null' : jsonString(value)},"access":${accessOf(access)}}`;
        firstField = false;
      }
      out += '}';
    }
    out += '}';
  }
  return `${out}}`;
}

function accessOf(access: FieldAccess): string {
  let json = accessJson.get(access);
  if (json === undefined) {
    json = JSON.stringify(access);
    accessJson.set(access, json);
  }
  return json;
}
