/**
 * Who a feature-block or template call is for (contract §7): the member key in the
 * `Connection-Token` header (or `key`, as on the dataset API), with `uid` and `con_id` from the
 * query. The dataset service checks them together; any mismatch is its one identical 403.
 */
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';
import { principalOf } from '../http/auth.ts';
import type { DataCall, DatasetService, Query, RowView } from '../pds/dataset-service.ts';
import { MAX_LIMIT, parseIndex } from '../pds/dataset-params.ts';

export function memberCall(req: FastifyRequest): DataCall {
  const q = req.query as Query;
  if (q.uid === undefined || q.uid === '') throw new ValidationError('uid is required.');
  const header = req.headers['connection-token'];
  const key = typeof header === 'string' && header !== '' ? header : q.key;
  return { principal: principalOf(req), uid: parseIndex(q.uid, 'uid'), conId: q.con_id, key };
}

/** Every row of a dataset the connection may read, readable fields only, in id order. */
export async function allRows(datasets: DatasetService, call: DataCall, dataset: string): Promise<RowView[]> {
  const rows = await datasets.readRows(call, { dataset, limit: String(MAX_LIMIT) });
  return rows.map(([, row]) => row);
}

export async function oneRow(
  datasets: DatasetService,
  call: DataCall,
  dataset: string,
  id: number,
): Promise<RowView | undefined> {
  const rows = await datasets.readRows(call, { dataset, id: String(id) });
  return rows[0]?.[1];
}
