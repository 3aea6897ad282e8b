import { z } from 'zod';
import rawCatalogue from './catalogue.json' with { type: 'json' };

/**
 * The master schema: every dataset, its fields and the lookup lists, shipped as data in
 * catalogue.json and checked here once at load. Transactional datasets also get the system fields
 * (id, instance, source, timestamps) the server sets, which the JSON deliberately leaves out.
 */

const FIELD_TYPES = ['text', 'varchar', 'int', 'serial', 'date', 'currency', 'blob', 'uuid'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const DATASET_TYPES = ['metadata', 'transactional'] as const;
export type DatasetType = (typeof DATASET_TYPES)[number];

const DATASET_STATUSES = ['Live', 'In Development', 'Implement', 'Hold'] as const;
type DatasetStatus = (typeof DATASET_STATUSES)[number];

export const TRANSACTIONAL_SYSTEM_FIELDS = ['id', 'instance', 'source', 'created_timestamp', 'updated_timestamp'] as const;
type TransactionalSystemField = (typeof TRANSACTIONAL_SYSTEM_FIELDS)[number];

/** Default maximum lengths, in characters, when a field declares none. */
export const DEFAULT_VARCHAR_LENGTH = 255;
export const DEFAULT_TEXT_LENGTH = 65535;

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly label: string;
  readonly description: string;
  readonly maxLength?: number;
  /** name of a lookup list (`lu_*`) the value must come from */
  readonly lookup?: string;
  /** fixed list of allowed values */
  readonly enum?: readonly string[];
  /** true for the transactional system fields, which the server sets */
  readonly system?: true;
}

export interface DatasetDef {
  readonly name: string;
  readonly title: string;
  readonly type: DatasetType;
  readonly status: DatasetStatus;
  readonly description: string;
  /** in catalogue order; for transactional datasets the system fields come first */
  readonly fields: ReadonlyMap<string, FieldDef>;
}

interface LookupDef {
  readonly name: string;
  readonly title: string;
  readonly options: readonly string[];
}

/** Anything that can resolve a lookup list by name; a Catalogue is one. */
export interface LookupResolver {
  lookup(name: string): LookupDef | undefined;
}

export interface Catalogue extends LookupResolver {
  /** `ds_x` or its legacy alias `field_ds_x` */
  dataset(nameOrAlias: string): DatasetDef | undefined;
  datasets(): DatasetDef[];
  byType(type: DatasetType): DatasetDef[];
  /** `lu_x` or `x` */
  lookup(name: string): LookupDef | undefined;
  lookups(): LookupDef[];
  /** the `ds_x` machine name for a name or alias of a known dataset */
  canonicalName(nameOrAlias: string): string | undefined;
}

const identifier = /^[a-z][a-z0-9_]*$/;
const LEGACY_PREFIX = 'field_';
const LOOKUP_PREFIX = 'lu_';

const fieldSchema = z.strictObject({
  type: z.enum(FIELD_TYPES),
  label: z.string().min(1),
  description: z.string().min(1),
  maxLength: z.number().int().positive().optional(),
  lookup: z
    .string()
    .regex(/^lu_[a-z0-9_]+$/)
    .optional(),
  enum: z.array(z.string().min(1)).min(1).optional(),
});

const datasetSchema = z.strictObject({
  title: z.string().min(1),
  type: z.enum(DATASET_TYPES),
  status: z.enum(DATASET_STATUSES),
  description: z.string().min(1),
  fields: z.record(z.string().regex(identifier), fieldSchema),
});

const catalogueSchema = z
  .strictObject({
    datasets: z.record(z.string().regex(/^ds_[a-z0-9_]+$/), datasetSchema),
    lookups: z.record(
      z.string().regex(/^lu_[a-z0-9_]+$/),
      z.strictObject({
        title: z.string().min(1),
        options: z.array(z.string().min(1)).min(1),
      }),
    ),
  })
  .superRefine((cat, ctx) => {
    for (const [dsName, ds] of Object.entries(cat.datasets)) {
      if (Object.keys(ds.fields).length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['datasets', dsName],
          message: 'has no fields',
        });
      }
      for (const [fieldName, field] of Object.entries(ds.fields)) {
        const path = ['datasets', dsName, 'fields', fieldName];
        if (ds.type === 'transactional' && (TRANSACTIONAL_SYSTEM_FIELDS as readonly string[]).includes(fieldName)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: 'is a system field; the module adds it',
          });
        }
        if (field.lookup !== undefined && !Object.hasOwn(cat.lookups, field.lookup)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `uses unknown lookup ${field.lookup}`,
          });
        }
        if (field.lookup !== undefined && field.enum !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: 'has both a lookup and an enum',
          });
        }
        if (field.maxLength !== undefined && field.type !== 'varchar' && field.type !== 'text') {
          ctx.addIssue({
            code: 'custom',
            path,
            message: 'has maxLength but is not varchar or text',
          });
        }
      }
    }
    for (const [luName, lu] of Object.entries(cat.lookups)) {
      if (new Set(lu.options).size !== lu.options.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['lookups', luName],
          message: 'has duplicate options',
        });
      }
    }
  });

const systemField = (
  name: TransactionalSystemField,
  type: FieldType,
  label: string,
  description: string,
  extra?: Partial<FieldDef>,
): FieldDef =>
  Object.freeze({
    name,
    type,
    label,
    description,
    ...extra,
    system: true as const,
  });

const SYSTEM_FIELD_DEFS: readonly FieldDef[] = [
  systemField('id', 'serial', 'Id', 'The row id, assigned by the server.'),
  systemField('instance', 'int', 'Instance', 'The dataset instance the row belongs to.'),
  systemField('source', 'varchar', 'Source', 'Who wrote the row: the member (user) or a connection.', {
    maxLength: DEFAULT_VARCHAR_LENGTH,
    enum: Object.freeze(['user', 'connection']),
  }),
  systemField('created_timestamp', 'int', 'Created at', 'When the row was created (unix seconds).'),
  systemField('updated_timestamp', 'int', 'Updated at', 'When the row was last changed (unix seconds).'),
];

/** Validate a raw catalogue (the shape of catalogue.json) and build the typed view. Throws on a bad shape. */
export function parseCatalogue(raw: unknown): Catalogue {
  const parsed = catalogueSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Invalid dataset catalogue:\n${z.prettifyError(parsed.error)}`);
  }
  const byName = new Map<string, DatasetDef>();
  for (const [name, ds] of Object.entries(parsed.data.datasets)) {
    const fields = new Map<string, FieldDef>();
    if (ds.type === 'transactional') for (const f of SYSTEM_FIELD_DEFS) fields.set(f.name, f);
    for (const [fieldName, f] of Object.entries(ds.fields)) {
      const def: FieldDef = {
        name: fieldName,
        type: f.type,
        label: f.label,
        description: f.description,
        ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
        ...(f.lookup !== undefined ? { lookup: f.lookup } : {}),
        ...(f.enum !== undefined ? { enum: Object.freeze([...f.enum]) } : {}),
      };
      fields.set(fieldName, Object.freeze(def));
    }
    byName.set(
      name,
      Object.freeze({
        name,
        title: ds.title,
        type: ds.type,
        status: ds.status,
        description: ds.description,
        fields,
      }),
    );
  }
  const lookupsByName = new Map<string, LookupDef>();
  for (const [name, lu] of Object.entries(parsed.data.lookups)) {
    lookupsByName.set(
      name,
      Object.freeze({
        name,
        title: lu.title,
        options: Object.freeze([...lu.options]),
      }),
    );
  }

  const canonicalName = (nameOrAlias: string): string | undefined => {
    if (byName.has(nameOrAlias)) return nameOrAlias;
    if (nameOrAlias.startsWith(LEGACY_PREFIX)) {
      const bare = nameOrAlias.slice(LEGACY_PREFIX.length);
      if (bare.startsWith('ds_') && byName.has(bare)) return bare;
    }
    return undefined;
  };

  return Object.freeze({
    dataset(nameOrAlias: string) {
      const name = canonicalName(nameOrAlias);
      return name === undefined ? undefined : byName.get(name);
    },
    datasets: () => [...byName.values()],
    byType: (type: DatasetType) => [...byName.values()].filter((d) => d.type === type),
    lookup(name: string) {
      return lookupsByName.get(name) ?? lookupsByName.get(LOOKUP_PREFIX + name);
    },
    lookups: () => [...lookupsByName.values()],
    canonicalName,
  });
}

let memo: Catalogue | undefined;

/** The shipped master schema, validated on first use. */
export function loadCatalogue(): Catalogue {
  memo ??= parseCatalogue(rawCatalogue);
  return memo;
}
