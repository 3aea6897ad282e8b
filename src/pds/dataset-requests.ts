/**
 * The dataset API's requests (contract §6), parsed at the edge: a route (or a template path) turns
 * the query string and body into one of these typed requests, and DatasetService takes only those.
 * Everything that can be checked without the member's keys and the connection's DSSA is checked
 * here, with the errors the API has always given; what depends on them (which fields are readable
 * or writable, and the values' types) is checked by the service.
 */
import { PdxError } from '../errors.ts';
import {
  DEFAULT_LIMIT,
  MAX_BATCH,
  MAX_LIMIT,
  parseDatasets,
  parseIndex,
  parseOneDataset,
  requireType,
} from './dataset-params.ts';
import { parseFilters, type RowFilter } from './filters.ts';
import type { Catalogue, DatasetDef } from './schema/catalogue.ts';
import { unwrapDatasetBody } from './write-values.ts';
import type { WireFields } from '../wire.ts';

/** Read metadata instances (one, or every instance when `instance` is absent) of one or more datasets. */
export interface MetadataRead {
  datasets: readonly DatasetDef[];
  instance?: number;
}

/** Merge `values` into a metadata instance (null clears a field). */
export interface MetadataWrite {
  dataset: DatasetDef;
  instance: number;
  values: WireFields;
}

/** Clear a metadata instance. */
export interface MetadataClear {
  dataset: DatasetDef;
  instance: number;
}

interface RowSort {
  field: string;
  dir: 1 | -1;
}

/** Read a page of a transactional dataset's rows (or the one row `id`). */
export interface RowsRead {
  dataset: DatasetDef;
  instance?: number;
  id?: number;
  limit: number;
  offset: number;
  filters: readonly RowFilter[];
  sort?: RowSort;
}

/** Insert rows; `batch` says whether the caller sent a list (and so gets `insert_ids` back). */
export interface RowsInsert {
  dataset: DatasetDef;
  instance: number;
  rows: readonly WireFields[];
  batch: boolean;
}

export interface RowUpdate {
  dataset: DatasetDef;
  id: number;
  values: WireFields;
}

export interface RowDelete {
  dataset: DatasetDef;
  id: number;
}

/** Every row of `dataset` the connection may read, in id order, up to the largest page. */
export function allRowsOf(dataset: DatasetDef): RowsRead {
  return { dataset, limit: MAX_LIMIT, offset: 0, filters: [] };
}

/** The one row `id` of `dataset`. */
export function oneRowOf(dataset: DatasetDef, id: number): RowsRead {
  return { dataset, id, limit: 1, offset: 0, filters: [] };
}

export function metadataRead(q: WireFields, catalogue: Catalogue): MetadataRead {
  const datasets = parseDatasets(q.dataset, catalogue);
  datasets.forEach((ds) => requireType(ds, 'metadata'));
  return { datasets, instance: parseIndex(q.instance, 'instance') };
}

export function metadataWrite(q: WireFields, body: WireFields, catalogue: Catalogue): MetadataWrite {
  const dataset = parseOneDataset(q.dataset, catalogue);
  requireType(dataset, 'metadata');
  const instance = parseIndex(q.instance, 'instance', 0)!;
  const { value } = unwrapDatasetBody(body, dataset, catalogue);
  if (!isFields(value)) throw new PdxError(400, 'Invalid request body', `Send {"${dataset.name}": {"<field>": "<value>"}}.`);
  return { dataset, instance, values: value };
}

export function metadataClear(q: WireFields, catalogue: Catalogue): MetadataClear {
  const dataset = parseOneDataset(q.dataset, catalogue);
  requireType(dataset, 'metadata');
  return { dataset, instance: parseIndex(q.instance, 'instance', 0)! };
}

export function rowsRead(q: WireFields, catalogue: Catalogue): RowsRead {
  const dataset = parseOneDataset(q.dataset, catalogue);
  requireType(dataset, 'transactional');
  return {
    dataset,
    instance: parseIndex(q.instance, 'instance'),
    id: parseIndex(q.id, 'id'),
    limit: Math.min(parseIndex(q.limit, 'limit', DEFAULT_LIMIT)!, MAX_LIMIT),
    offset: parseIndex(q.offset, 'offset', 0)!,
    filters: parseFilters(q.filters, dataset),
    sort: parseSort(q.sort, dataset),
  };
}

export function rowsInsert(q: WireFields, body: WireFields, catalogue: Catalogue): RowsInsert {
  const dataset = rowsDataset(q, body, catalogue);
  requireType(dataset, 'transactional');
  const instance = parseIndex(q.instance, 'instance', 0)!;
  const { value } = unwrapDatasetBody(body, dataset, catalogue);
  const batch = Array.isArray(value);
  const items = batch ? (value as unknown[]) : [value];
  if (items.length === 0) throw new PdxError(400, 'Nothing to write', 'The batch is empty.');
  if (items.length > MAX_BATCH) throw new PdxError(413, 'Batch too large', `At most ${MAX_BATCH} rows per request.`);
  const rows = items.map((item, i) => {
    if (!isFields(item)) throw new PdxError(400, 'Invalid request body', `Row ${i} must be an object of fields.`);
    return item;
  });
  return { dataset, instance, rows, batch };
}

export function rowUpdate(q: WireFields, body: WireFields, catalogue: Catalogue): RowUpdate {
  const dataset = rowsDataset(q, body, catalogue);
  requireType(dataset, 'transactional');
  const id = requiredId(q.id);
  const { value } = unwrapDatasetBody(body, dataset, catalogue);
  if (!isFields(value)) throw new PdxError(400, 'Invalid request body', 'Send the fields to change as a flat object.');
  return { dataset, id, values: value };
}

export function rowDelete(q: WireFields, catalogue: Catalogue): RowDelete {
  const dataset = parseOneDataset(q.dataset, catalogue);
  requireType(dataset, 'transactional');
  return { dataset, id: requiredId(q.id) };
}

function requiredId(raw: unknown): number {
  const id = parseIndex(raw, 'id');
  if (id === undefined) throw new PdxError(400, 'Missing parameter', 'id is required.');
  return id;
}

function isFields(value: unknown): value is WireFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The dataset of a row write: `?dataset=`, or the body's one key; both must agree when both are given. */
function rowsDataset(q: WireFields, body: WireFields, catalogue: Catalogue): DatasetDef {
  const keys = Object.keys(body);
  const fromBody = keys.length === 1 ? catalogue.dataset(keys[0]!) : undefined;
  if (q.dataset !== undefined && q.dataset !== '') {
    const ds = parseOneDataset(q.dataset, catalogue);
    if (fromBody && fromBody.name !== ds.name) {
      throw new PdxError(400, 'Invalid request body', `The body is for ${fromBody.name} but dataset=${ds.name}.`);
    }
    return ds;
  }
  if (!fromBody) throw new PdxError(400, 'Missing parameter', 'Name the dataset: {"<dataset>": {...}} or ?dataset=.');
  return fromBody;
}

/** `sort=<field>` or `sort=-<field>`: a field of the dataset (the service checks it is readable). */
function parseSort(raw: unknown, ds: DatasetDef): RowSort | undefined {
  if (raw === undefined || raw === '') return undefined;
  const s = typeof raw === 'string' ? raw.trim() : '';
  const field = s.replace(/^[-+]/, '');
  if (!field || !ds.fields.has(field)) throw unreadableSort(ds);
  return { field, dir: s.startsWith('-') ? -1 : 1 };
}

/** The same refusal for a field that does not exist and one the connection may not read. */
export function unreadableSort(ds: DatasetDef): PdxError {
  return new PdxError(400, 'Invalid parameter', `sort must name a readable field of ${ds.name}, optionally prefixed with -.`);
}
