/**
 * Templates as data (contract §7): template → module → subsection, each subsection (and each
 * template-level action, such as mam's add-person) bound to one dataset, some of its fields and
 * the HTTP methods it answers. registry.json ships `mam`; adding a template is adding an entry
 * there. Everything is checked once at load against the master schema.
 */
import { z } from 'zod';
import type { Catalogue, DatasetDef } from '../pds/schema/catalogue.ts';
import rawRegistry from './registry.json' with { type: 'json' };

const TEMPLATE_METHODS = ['GET', 'PUT', 'POST', 'DELETE'] as const;
export type TemplateMethod = (typeof TEMPLATE_METHODS)[number];

const TEMPLATE_ROOT = '/api/pds';
/** Existing `/api/pds/...` routes (contract §6) a template must not shadow, and the index name. */
const RESERVED_NAMES = ['pds', 'transaction', 'index'] as const;

/** A subsection or action: the leaf that reads or writes member data. */
export interface Endpoint {
  readonly name: string;
  readonly title: string;
  readonly description: string | undefined;
  /** canonical path, e.g. /api/pds/mam/this-is-me/personal-details */
  readonly path: string;
  readonly dataset: DatasetDef;
  readonly fields: readonly string[];
  readonly methods: readonly TemplateMethod[];
}

export interface TemplateModule {
  readonly name: string;
  readonly title: string;
  readonly description: string | undefined;
  readonly path: string;
  readonly subsections: readonly Endpoint[];
}

export interface Template {
  readonly name: string;
  readonly title: string;
  readonly description: string | undefined;
  readonly path: string;
  readonly modules: readonly TemplateModule[];
  readonly actions: readonly Endpoint[];
}

export interface TemplateRegistry {
  templates(): readonly Template[];
  template(name: string): Template | undefined;
}

const slug = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens');

const endpointSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().min(1).optional(),
  dataset: z.string().min(1),
  fields: z.array(z.string().min(1)).min(1),
  methods: z.array(z.enum(TEMPLATE_METHODS)).min(1),
});

const registrySchema = z.strictObject({
  templates: z.record(
    slug,
    z.strictObject({
      title: z.string().min(1),
      description: z.string().min(1).optional(),
      modules: z.record(
        slug,
        z.strictObject({
          title: z.string().min(1),
          description: z.string().min(1).optional(),
          subsections: z.record(slug, endpointSchema),
        }),
      ),
      actions: z.record(slug, endpointSchema).optional(),
    }),
  ),
});

type RawEndpoint = z.infer<typeof endpointSchema>;

/** Validates a registry (the shape of registry.json) against the catalogue; throws listing every problem. */
export function parseTemplateRegistry(raw: unknown, catalogue: Catalogue): TemplateRegistry {
  const parsed = registrySchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid template registry:\n${z.prettifyError(parsed.error)}`);
  const problems: string[] = [];
  const reserved = (name: string, where: string) => {
    if ((RESERVED_NAMES as readonly string[]).includes(name)) problems.push(`${where}: "${name}" is reserved`);
  };
  const endpoint = (name: string, path: string, e: RawEndpoint): Endpoint | undefined => {
    reserved(name, path);
    const ds = catalogue.dataset(e.dataset);
    if (!ds || ds.name !== e.dataset) {
      problems.push(`${path}: unknown dataset ${e.dataset}${ds ? ` (use ${ds.name})` : ''}`);
      return undefined;
    }
    for (const f of e.fields) {
      if (!ds.fields.has(f) || ds.fields.get(f)?.system) problems.push(`${path}: ${ds.name} has no writable field ${f}`);
    }
    if (new Set(e.fields).size !== e.fields.length) problems.push(`${path}: a field is listed twice`);
    if (new Set(e.methods).size !== e.methods.length) problems.push(`${path}: a method is listed twice`);
    return { name, title: e.title, description: e.description, path, dataset: ds, fields: e.fields, methods: e.methods };
  };

  const templates: Template[] = [];
  for (const [name, t] of Object.entries(parsed.data.templates)) {
    const path = `${TEMPLATE_ROOT}/${name}`;
    reserved(name, TEMPLATE_ROOT);
    const modules = Object.entries(t.modules).map(([m, mod]): TemplateModule => {
      reserved(m, path);
      const modulePath = `${path}/${m}`;
      const subsections = Object.entries(mod.subsections).flatMap(([s, e]) => endpoint(s, `${modulePath}/${s}`, e) ?? []);
      return { name: m, title: mod.title, description: mod.description, path: modulePath, subsections };
    });
    const actions = Object.entries(t.actions ?? {}).flatMap(([a, e]) => endpoint(a, `${path}/${a}`, e) ?? []);
    for (const a of actions) {
      if (modules.some((m) => m.name === a.name)) problems.push(`${a.path}: an action has the name of a module`);
    }
    templates.push({ name, title: t.title, description: t.description, path, modules, actions });
  }
  if (problems.length) throw new Error(`Invalid template registry:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  const byName = new Map(templates.map((t) => [t.name, t]));
  return Object.freeze({ templates: () => templates, template: (name: string) => byName.get(name) });
}

/** The shipped registry (registry.json). */
export function loadTemplateRegistry(catalogue: Catalogue): TemplateRegistry {
  return parseTemplateRegistry(rawRegistry, catalogue);
}
