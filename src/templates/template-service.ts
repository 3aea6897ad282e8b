/**
 * What a template path does, worked out from the registry alone: the indexes describe the
 * structure, and a subsection or action reads or writes its dataset through the dataset service,
 * so field permissions, value checks and the access log are exactly the dataset API's (contract
 * §6, §7). Decided, per the dataset's type:
 *
 * | method | metadata dataset                         | transactional dataset          |
 * |--------|------------------------------------------|--------------------------------|
 * | GET    | the instance(s), subsection fields only  | the rows, subsection fields only |
 * | PUT    | writes the given fields (`instance`)     | updates row `id`               |
 * | POST   | as PUT                                   | inserts a row (or a batch)     |
 * | DELETE | clears the subsection's fields           | deletes row `id`               |
 */
import { listed, ValidationError } from '../errors.ts';
import type { DataCall, DatasetService, Query, RowView } from '../pds/dataset-service.ts';
import type { Catalogue } from '../pds/schema/catalogue.ts';
import type { Endpoint, Template, TemplateMethod, TemplateModule, TemplateRegistry } from './template-registry.ts';

/** A JSON value, or rows keyed by id in their order (the dataset API's transactional shape). */
export type TemplateResult = { value: unknown } | { rows: [string, RowView][] };

const SUCCESS = { success: 1 };
/** Set by the server on rows; a write body may carry them (contract §6.2) and they are ignored. */
const SERVER_FIELDS = new Set(['instance', 'source', 'created_timestamp', 'updated_timestamp']);

export class TemplateService {
  constructor(
    readonly registry: TemplateRegistry,
    private readonly deps: { datasets: DatasetService; catalogue: Catalogue },
  ) {}

  templateIndex(t: Template): unknown {
    return {
      template: t.name,
      title: t.title,
      ...(t.description ? { description: t.description } : {}),
      modules: Object.fromEntries(t.modules.map((m) => [m.name, summary(m)])),
      actions: Object.fromEntries(t.actions.map((a) => [a.name, endpointSummary(a)])),
    };
  }

  moduleIndex(t: Template, m: TemplateModule): unknown {
    return {
      template: t.name,
      module: m.name,
      title: m.title,
      ...(m.description ? { description: m.description } : {}),
      subsections: Object.fromEntries(m.subsections.map((s) => [s.name, endpointSummary(s)])),
    };
  }

  endpointIndex(e: Endpoint): unknown {
    return {
      ...endpointSummary(e),
      fields: Object.fromEntries(
        e.fields.map((f) => {
          const def = e.dataset.fields.get(f)!;
          return [
            f,
            { label: def.label, type: def.type, description: def.description, ...(def.lookup ? { lookup: def.lookup } : {}) },
          ];
        }),
      ),
    };
  }

  async run(
    e: Endpoint,
    method: TemplateMethod,
    call: DataCall,
    q: Query,
    body: Record<string, unknown>,
  ): Promise<TemplateResult> {
    const { datasets } = this.deps;
    const target: Query = { dataset: e.dataset.name, instance: q.instance };
    if (e.dataset.type === 'metadata') {
      switch (method) {
        case 'GET':
          return { value: onlyFields(await datasets.readMetadata(call, target), e.fields) };
        case 'PUT':
        case 'POST':
          this.requireOwnFields(e, body);
          await datasets.writeMetadata(call, target, body);
          return { value: SUCCESS };
        case 'DELETE':
          await datasets.writeMetadata(call, target, Object.fromEntries(e.fields.map((f) => [f, null])));
          return { value: SUCCESS };
      }
    }
    const rowTarget: Query = { ...q, ...target, id: q.id ?? body.id };
    switch (method) {
      case 'GET': {
        const keep = new Set([...e.fields, 'id', 'ds_id', ...SERVER_FIELDS]);
        const rows = await datasets.readRows(call, { ...q, dataset: e.dataset.name });
        return { rows: rows.map(([id, row]) => [id, Object.fromEntries(Object.entries(row).filter(([f]) => keep.has(f)))]) };
      }
      case 'POST':
        this.requireOwnFields(e, body);
        return { value: await datasets.insertRows(call, target, body) };
      case 'PUT': {
        const { id: _id, ...values } = body;
        this.requireOwnFields(e, values);
        await datasets.updateRow(call, rowTarget, values);
        return { value: SUCCESS };
      }
      case 'DELETE':
        await datasets.deleteRow(call, rowTarget);
        return { value: SUCCESS };
    }
  }

  /** A template path writes only its own fields, whatever else the connection may write. */
  private requireOwnFields(e: Endpoint, body: Record<string, unknown>): void {
    const keys = Object.keys(body);
    const inner = keys.length === 1 && this.deps.catalogue.canonicalName(keys[0]!) === e.dataset.name ? body[keys[0]!] : body;
    const rows = Array.isArray(inner) ? inner : [inner];
    const foreign = new Set<string>();
    for (const row of rows) {
      if (typeof row !== 'object' || row === null) continue; // the dataset service names the problem
      for (const f of Object.keys(row)) if (!e.fields.includes(f) && !SERVER_FIELDS.has(f)) foreign.add(f);
    }
    if (foreign.size) {
      throw new ValidationError('Unknown fields', `${e.path} has no field ${listed([...foreign])}.`);
    }
  }
}

function summary(m: TemplateModule): unknown {
  return { title: m.title, path: m.path };
}

function endpointSummary(e: Endpoint): Record<string, unknown> {
  return { title: e.title, path: e.path, dataset: e.dataset.name, methods: e.methods };
}

type MetadataView = Awaited<ReturnType<DatasetService['readMetadata']>>;

function onlyFields(view: MetadataView, fields: readonly string[]): MetadataView {
  // In the template's field order; a field the connection may not read is not in `rec` at all.
  const keep = (rec: MetadataView[string][string]) =>
    Object.fromEntries(fields.flatMap((f) => (rec[f] ? [[f, rec[f]] as const] : [])));
  return Object.fromEntries(
    Object.entries(view).map(([ds, instances]) => [
      ds,
      Object.fromEntries(Object.entries(instances).map(([n, rec]) => [n, keep(rec)])),
    ]),
  );
}
