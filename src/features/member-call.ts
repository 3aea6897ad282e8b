/**
 * The dataset calls feature blocks make for the member a call is for (contract §7): typed
 * requests to DatasetService, so field permissions, value checks and the access log are exactly
 * the dataset API's.
 */
import { allRowsOf, oneRowOf } from '../pds/dataset-requests.ts';
import type { DataCaller, DatasetService } from '../pds/dataset-service.ts';
import type { RowView } from '../pds/row-page.ts';

/** Every row of a dataset the connection may read, readable fields only, in id order. */
export async function allRows(datasets: DatasetService, call: DataCaller, dataset: string): Promise<RowView[]> {
  const rows = await datasets.readRows(call, allRowsOf(datasets.dataset(dataset)));
  return rows.map(([, row]) => row);
}

export async function oneRow(
  datasets: DatasetService,
  call: DataCaller,
  dataset: string,
  id: number,
): Promise<RowView | undefined> {
  const rows = await datasets.readRows(call, oneRowOf(datasets.dataset(dataset), id));
  return rows[0]?.[1];
}

/** Inserts one row into instance 0 of `dataset`. */
export function insertRow(datasets: DatasetService, call: DataCaller, dataset: string, row: Record<string, unknown>) {
  return datasets.insertRows(call, { dataset: datasets.dataset(dataset), instance: 0, rows: [row], batch: false });
}

export function updateRow(
  datasets: DatasetService,
  call: DataCaller,
  dataset: string,
  id: number,
  values: Record<string, unknown>,
): Promise<void> {
  return datasets.updateRow(call, { dataset: datasets.dataset(dataset), id, values });
}

export function deleteRow(datasets: DatasetService, call: DataCaller, dataset: string, id: number): Promise<void> {
  return datasets.deleteRow(call, { dataset: datasets.dataset(dataset), id });
}
