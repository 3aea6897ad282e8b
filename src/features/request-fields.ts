/**
 * Reads a feature-block request body through its block's field table: unknown fields, missing
 * required fields and values outside an OpenAPI enum are 400s here; the values themselves are then
 * checked against the dataset schema and the DSSA by the dataset service, exactly as a direct
 * dataset write would be.
 */
import { listed, ValidationError } from '../errors.ts';
import { MAX_ID, wholeNumber } from '../ids.ts';
import { didYouMean } from '../pds/schema/closest-names.ts';

/** Dataset values read from a feature-block body through its field table (toRow). */
export type FeatureRow = Record<string, unknown>;

/** A row to change: its id and the dataset values to write. */
export interface RowChange {
  id: number;
  values: FeatureRow;
}

export interface WriteSpec {
  /** request field → dataset field */
  readonly fields: Readonly<Record<string, string>>;
  readonly required?: readonly string[];
  /** OpenAPI enums that the catalogue does not enforce itself */
  readonly choices?: Readonly<Record<string, readonly string[]>>;
}

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** The dataset values a body asks for; fields the body leaves out are not written. */
export function toRow(body: Record<string, unknown>, spec: WriteSpec, ignore: readonly string[] = []): Record<string, unknown> {
  const unknown = Object.keys(body).filter((k) => !Object.hasOwn(spec.fields, k) && !ignore.includes(k));
  if (unknown.length) {
    const hint = unknown.length === 1 ? didYouMean(unknown[0]!, Object.keys(spec.fields)) : '';
    throw new ValidationError(`Unknown field${unknown.length > 1 ? 's' : ''}: ${listed(unknown)}.${hint}`);
  }
  const missing = (spec.required ?? []).filter((f) => !present(body[f]));
  if (missing.length) throw new ValidationError(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required.`);
  const row: Record<string, unknown> = {};
  for (const [name, target] of Object.entries(spec.fields)) {
    const value = body[name];
    if (value === undefined) continue;
    const choices = spec.choices?.[name];
    if (choices && present(value) && !choices.includes(String(value))) {
      throw new ValidationError(`${name} must be one of: ${choices.join(', ')}.`);
    }
    row[target] = value;
  }
  return row;
}

/** A required integer parameter (`id`, `context_id`…), given as a number or a numeric string. */
export function requiredInteger(value: unknown, name: string): number {
  if (!present(value)) throw new ValidationError(`${name} is required.`);
  const n = wholeNumber(value);
  if (n === undefined) throw new ValidationError(`${name} must be a whole number from 0 to ${MAX_ID}.`);
  return n;
}

export function requiredText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(`${name} is required.`);
  return value.trim();
}
