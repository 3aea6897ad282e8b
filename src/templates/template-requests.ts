/**
 * A template path's request (contract §7), parsed at the edge into the dataset API's typed
 * requests: which one follows from the method and the dataset's type (the table in
 * template-service.ts). A write may name only the path's own fields.
 */
import { listed, ValidationError } from '../errors.ts';
import { didYouMean } from '../pds/schema/closest-names.ts';
import * as parse from '../pds/dataset-requests.ts';
import type { WireFields } from '../wire.ts';
import type { Catalogue } from '../pds/schema/catalogue.ts';
import { SERVER_SET_FIELDS } from '../pds/write-values.ts';
import type { Endpoint, TemplateMethod } from './template-registry.ts';

export type TemplateRequest =
  | { kind: 'metadata-read'; read: parse.MetadataRead }
  | { kind: 'metadata-write'; write: parse.MetadataWrite }
  | { kind: 'rows-read'; read: parse.RowsRead }
  | { kind: 'rows-insert'; insert: parse.RowsInsert }
  | { kind: 'row-update'; update: parse.RowUpdate }
  | { kind: 'row-delete'; remove: parse.RowDelete };

export function templateRequest(
  e: Endpoint,
  method: TemplateMethod,
  q: WireFields,
  body: WireFields,
  catalogue: Catalogue,
): TemplateRequest {
  const target: WireFields = { dataset: e.dataset.name, instance: q.instance };
  if (e.dataset.type === 'metadata') {
    switch (method) {
      case 'GET':
        return { kind: 'metadata-read', read: parse.metadataRead(target, catalogue) };
      case 'PUT':
      case 'POST':
        requireOwnFields(e, body, catalogue);
        return { kind: 'metadata-write', write: parse.metadataWrite(target, body, catalogue) };
      case 'DELETE':
        // Clears the path's own fields, and only those.
        return {
          kind: 'metadata-write',
          write: parse.metadataWrite(target, Object.fromEntries(e.fields.map((f) => [f, null])), catalogue),
        };
    }
  }
  const rowTarget: WireFields = { ...q, ...target, id: q.id ?? body.id };
  switch (method) {
    case 'GET':
      return { kind: 'rows-read', read: parse.rowsRead({ ...q, dataset: e.dataset.name }, catalogue) };
    case 'POST':
      requireOwnFields(e, body, catalogue);
      return { kind: 'rows-insert', insert: parse.rowsInsert(target, body, catalogue) };
    case 'PUT': {
      const { id: _id, ...values } = body;
      requireOwnFields(e, values, catalogue);
      return { kind: 'row-update', update: parse.rowUpdate(rowTarget, values, catalogue) };
    }
    case 'DELETE':
      return { kind: 'row-delete', remove: parse.rowDelete(rowTarget, catalogue) };
  }
}

/** A template path writes only its own fields, whatever else the connection may write. */
function requireOwnFields(e: Endpoint, body: WireFields, catalogue: Catalogue): void {
  const keys = Object.keys(body);
  const inner = keys.length === 1 && catalogue.canonicalName(keys[0]!) === e.dataset.name ? body[keys[0]!] : body;
  const rows = Array.isArray(inner) ? inner : [inner];
  const foreign = new Set<string>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue; // the dataset request names the problem
    for (const f of Object.keys(row)) if (!e.fields.includes(f) && !SERVER_SET_FIELDS.has(f)) foreign.add(f);
  }
  if (foreign.size) {
    const hint = foreign.size === 1 ? didYouMean([...foreign][0]!, e.fields) : '';
    throw new ValidationError('Unknown fields', `${e.path} has no field ${listed([...foreign])}.${hint}`);
  }
}
