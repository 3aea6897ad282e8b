/** Query-parameter parsing shared by the dataset routes (contract §6). */
import { listed, PdxError } from '../errors.ts';
import { MAX_ID, wholeNumber } from '../ids.ts';
import type { Catalogue, DatasetDef } from './schema/catalogue.ts';
import { didYouMean } from './schema/closest-names.ts';

/** `There is no dataset named x. Did you mean ds_x?` */
export function unknownDatasetReason(name: string, catalogue: Catalogue): string {
  return `There is no dataset named ${listed([name])}.${didYouMean(
    name,
    catalogue.datasets().map((d) => d.name),
  )}`;
}

/** `dataset=a+b` (a raw `+` arrives as a space) or `a,b`: each resolved, aliases accepted. */
export function parseDatasets(raw: unknown, catalogue: Catalogue): DatasetDef[] {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new PdxError(400, 'Missing parameter', 'The dataset parameter is required.');
  }
  const names = [...new Set(raw.split(/[\s+,]+/).filter(Boolean))];
  return names.map((n) => {
    const ds = catalogue.dataset(n);
    if (!ds) throw new PdxError(404, 'Unknown dataset', unknownDatasetReason(n, catalogue));
    return ds;
  });
}

export function parseOneDataset(raw: unknown, catalogue: Catalogue): DatasetDef {
  const list = parseDatasets(raw, catalogue);
  if (list.length !== 1) throw new PdxError(400, 'Invalid parameter', 'Name exactly one dataset for this call.');
  return list[0]!;
}

/** A non-negative integer parameter given as a number or a numeric string, at most MAX_ID. */
export function parseIndex(raw: unknown, name: string, fallback?: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  const n = wholeNumber(raw);
  if (n === undefined) throw new PdxError(400, 'Invalid parameter', `${name} must be a whole number from 0 to ${MAX_ID}.`);
  return n;
}

export function requireType(ds: DatasetDef, type: 'metadata' | 'transactional'): void {
  if (ds.type !== type) {
    const route = type === 'metadata' ? '/api/pds/transaction' : '/api/pds/pds';
    throw new PdxError(400, 'Wrong dataset type', `${ds.name} is a ${ds.type} dataset: use ${route}.`);
  }
}

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10000;
export const MAX_BATCH = 1000;
