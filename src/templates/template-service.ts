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
import type { DataCaller, DatasetService } from '../pds/dataset-service.ts';
import type { RowView } from '../pds/row-page.ts';
import type { Endpoint, Template, TemplateModule, TemplateRegistry } from './template-registry.ts';
import { SERVER_SET_FIELDS } from '../pds/write-values.ts';
import type { TemplateRequest } from './template-requests.ts';

/** A JSON value, or rows keyed by id in their order (the dataset API's transactional shape). */
export type TemplateResult = { value: unknown } | { rows: [string, RowView][] };

const SUCCESS = { success: 1 };

export class TemplateService {
  constructor(
    readonly registry: TemplateRegistry,
    private readonly deps: { datasets: DatasetService },
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

  /** Runs a template path's request (parsed by templateRequest) through the dataset service. */
  async run(e: Endpoint, call: DataCaller, request: TemplateRequest): Promise<TemplateResult> {
    const { datasets } = this.deps;
    switch (request.kind) {
      case 'metadata-read':
        return { value: onlyFields(await datasets.readMetadata(call, request.read), e.fields) };
      case 'metadata-write':
        await datasets.writeMetadata(call, request.write);
        return { value: SUCCESS };
      case 'rows-read': {
        const keep = new Set([...e.fields, 'id', 'ds_id', ...SERVER_SET_FIELDS]);
        const rows = await datasets.readRows(call, request.read);
        return { rows: rows.map(([id, row]) => [id, Object.fromEntries(Object.entries(row).filter(([f]) => keep.has(f)))]) };
      }
      case 'rows-insert':
        return { value: await datasets.insertRows(call, request.insert) };
      case 'row-update':
        await datasets.updateRow(call, request.update);
        return { value: SUCCESS };
      case 'row-delete':
        await datasets.deleteRow(call, request.remove);
        return { value: SUCCESS };
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
