/**
 * Developer helpers (contract §7): the master schema as Mydex's developer-helper routes present
 * it, with Mydex's key names (`dataset_machine_name`, `dataset_name`, `field_name`,
 * `display_name`, `data_type`) plus what our catalogue adds (type, description, lookup,
 * allowed values, maximum length). No member data.
 */
import { NotFoundError } from '../errors.ts';
import { unknownDatasetReason } from '../pds/dataset-params.ts';
import { DATASET_TYPES, type Catalogue, type DatasetDef, type DatasetType, type FieldDef } from '../pds/schema/catalogue.ts';

export interface DatasetSummary {
  dataset_machine_name: string;
  dataset_name: string;
  dataset_type: DatasetType;
  status: string;
  description: string;
}

export interface FieldSummary {
  field_name: string;
  display_name: string;
  data_type: string;
  description: string;
  lookup?: string;
  options?: readonly string[];
  max_length?: number;
  /** set by the server on transactional rows */
  system?: true;
}

function datasetSummary(ds: DatasetDef): DatasetSummary {
  return {
    dataset_machine_name: ds.name,
    dataset_name: ds.title,
    dataset_type: ds.type,
    status: ds.status,
    description: ds.description,
  };
}

function fieldSummary(f: FieldDef): FieldSummary {
  return {
    field_name: f.name,
    display_name: f.label,
    data_type: f.type,
    description: f.description,
    ...(f.lookup ? { lookup: f.lookup } : {}),
    ...(f.enum ? { options: f.enum } : {}),
    ...(f.maxLength !== undefined ? { max_length: f.maxLength } : {}),
    ...(f.system ? { system: true as const } : {}),
  };
}

export function allDatasets(catalogue: Catalogue): DatasetSummary[] {
  return catalogue.datasets().map(datasetSummary);
}

export function datasetsByType(catalogue: Catalogue, type: string): DatasetSummary[] {
  if (!(DATASET_TYPES as readonly string[]).includes(type)) {
    throw new NotFoundError('Unknown dataset type', `The type must be ${DATASET_TYPES.join(' or ')}.`);
  }
  return catalogue.byType(type as DatasetType).map(datasetSummary);
}

/** Fields keyed by name, in catalogue order; `field_ds_x` is accepted for `ds_x`. */
export function fieldTypes(catalogue: Catalogue, dataset: string): Record<string, FieldSummary> {
  const ds = catalogue.dataset(dataset);
  if (!ds) throw new NotFoundError('Unknown dataset', unknownDatasetReason(dataset, catalogue));
  return Object.fromEntries([...ds.fields.values()].map((f) => [f.name, fieldSummary(f)]));
}

/** `lu_x` or `x`. */
export function lookupOptions(catalogue: Catalogue, lookup: string): readonly string[] {
  const lu = catalogue.lookup(lookup);
  if (!lu) throw new NotFoundError('Unknown lookup', `There is no lookup list named ${lookup}.`);
  return lu.options;
}
