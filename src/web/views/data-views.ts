/** The member's own data: the Private Key prompt, the data by dataset with edit forms, export. */
import type { DatasetContent } from '../../pds/member-data-service.ts';
import type { FieldValues } from '../../pds/pds-store.ts';
import type { Catalogue, DatasetDef, FieldDef } from '../../pds/schema/catalogue.ts';
import { html, type SafeHtml } from '../html.ts';
import { button, csrfField, errorSummary, input, privateKeyInput, type FieldErrors } from './forms.ts';
import { time } from './format.ts';
import { notice, page, type Chrome } from './layout.ts';

export function unlockPage(
  chrome: Chrome,
  v: { action: '/me/data' | '/me/export'; csrf: string; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const isExport = v.action === '/me/export';
  return page(chrome, {
    title: isExport ? 'Download all your data' : 'Your data',
    nav: isExport ? 'account' : 'data',
    hasErrors: Boolean(v.error),
    body: html`${notice(v.notice)}
      <h1>${isExport ? 'Download all your data' : 'Your data'}</h1>
      ${errorSummary(v.error ? { private_key: v.error } : {})}
      <p>
        ${
          isExport
            ? 'You get one JSON file with everything in your store: your data, your connections and the activity log. Keep it safe: it is not encrypted.'
            : 'Your data is encrypted with your Private Key. Enter it to see and change your data. We use it for this page only and do not keep it.'
        }
      </p>
      <form method="post" action="${v.action}" novalidate>
        ${csrfField(v.csrf)} ${privateKeyInput(v.error)} ${button(isExport ? 'Download my data' : 'Show my data')}
      </form>`,
  });
}

export interface EditTarget {
  dataset: DatasetDef;
  instance?: number;
  rowId?: number;
}

/** Every dataset: its values, and a form (behind a disclosure) to change them. */
export function dataPage(chrome: Chrome, v: { catalogue: Catalogue; datasets: DatasetContent[]; csrf: string }): SafeHtml {
  return page(chrome, {
    title: 'Your data',
    nav: 'data',
    body: html`<h1>Your data</h1>
      <p>To change something, open “Change” under it, edit, and confirm with your Private Key. Empty a field to clear it.</p>
      ${v.datasets.map((content) => {
        const ds = v.catalogue.dataset(content.name);
        if (!ds) return null;
        return html`<section class="card" aria-labelledby="ds-${ds.name}">
          <h2 id="ds-${ds.name}">${ds.title}</h2>
          ${ds.type === 'metadata' ? metadataSection(v.catalogue, ds, content, v.csrf) : rowsSection(v.catalogue, ds, content, v.csrf)}
        </section>`;
      })}`,
  });
}

function metadataSection(cat: Catalogue, ds: DatasetDef, content: DatasetContent, csrf: string): SafeHtml {
  const instances = Object.keys(content.instances).length
    ? Object.entries(content.instances)
    : [['0', {} as FieldValues] as const];
  const several = instances.length > 1;
  return html`${instances.map(
    ([n, values]) =>
      html`${several && html`<h3>Entry ${Number(n) + 1}</h3>`} ${valueList(ds, values)}
        <details>
          <summary>Change ${ds.title}${several && ` (entry ${Number(n) + 1})`}</summary>
          ${editForm(cat, { dataset: ds, instance: Number(n) }, values, csrf, `${ds.name}-i${n}`)}
        </details>`,
  )}`;
}

function rowsSection(cat: Catalogue, ds: DatasetDef, content: DatasetContent, csrf: string): SafeHtml {
  return html`${content.rows.length === 0 && html`<p class="muted">No entries.</p>`}
    ${content.rows.map(
      (r) =>
        html`<h3>
            Entry ${r.id} <span class="muted">added ${time(r.createdAt)} by ${r.source === 'user' ? 'you' : 'a connection'}</span>
          </h3>
          ${valueList(ds, r.values)}
          <details>
            <summary>Change entry ${r.id}</summary>
            ${editForm(cat, { dataset: ds, rowId: r.id }, r.values, csrf, `${ds.name}-r${r.id}`)}
          </details>`,
    )}
    <details>
      <summary>Add an entry to ${ds.title}</summary>
      ${editForm(cat, { dataset: ds }, {}, csrf, `${ds.name}-new`)}
    </details>`;
}

function valueList(ds: DatasetDef, values: FieldValues): SafeHtml {
  const filled = editableFields(ds).filter((f) => values[f.name] != null && values[f.name] !== '');
  if (filled.length === 0) return html`<p class="muted">Nothing recorded yet.</p>`;
  return html`<dl class="summary-list">
    ${filled.map(
      (f) =>
        html`<dt>${f.label}</dt>
          <dd>${values[f.name]}</dd>`,
    )}
  </dl>`;
}

export function editableFields(ds: DatasetDef): FieldDef[] {
  return [...ds.fields.values()].filter((f) => !f.system);
}

/**
 * The form for one instance or row. `orig:<field>` carries the value shown, so only the fields
 * the member changed are written (and logged), and a subscriber's concurrent change to another
 * field is not overwritten.
 */
function editForm(
  cat: Catalogue,
  target: EditTarget,
  values: FieldValues,
  csrf: string,
  prefix?: string,
  errors: FieldErrors = {},
  originals: FieldValues = values,
): SafeHtml {
  const ds = target.dataset;
  return html`<form method="post" action="/me/data/edit" novalidate>
    ${csrfField(csrf)}
    <input type="hidden" name="dataset" value="${ds.name}" />
    ${target.instance !== undefined && html`<input type="hidden" name="instance" value="${target.instance}" />`}
    ${target.rowId !== undefined && html`<input type="hidden" name="row" value="${target.rowId}" />`}
    ${editableFields(ds).map(
      (f) =>
        html`<input type="hidden" name="orig:${f.name}" value="${originals[f.name] ?? ''}" /> ${input({
            name: f.name,
            ...(prefix && { id: `${prefix}-${f.name}` }),
            label: f.label,
            value: values[f.name] ?? '',
            hint: fieldHint(f),
            error: errors[f.name],
            ...fieldControl(cat, f),
          })}`,
    )}
    ${privateKeyInput(errors.private_key, 'Your Private Key, to save', prefix && `${prefix}-private_key`)}
    ${button('Save changes')}
  </form>`;
}

function fieldControl(cat: Catalogue, f: FieldDef): Partial<Parameters<typeof input>[0]> {
  const options = f.lookup ? cat.lookup(f.lookup)?.options : f.enum;
  if (options) return { options };
  if (f.type === 'blob' || (f.type === 'text' && (f.maxLength ?? Infinity) > 255)) return { multiline: true };
  if (f.type === 'int' || f.type === 'serial' || f.type === 'date') return { inputmode: 'numeric', width: 'short' };
  if (f.type === 'currency') return { inputmode: 'decimal', width: 'short' };
  return {};
}

function fieldHint(f: FieldDef): string | undefined {
  if (f.type === 'date') return `${f.description ? `${f.description} ` : ''}A day number, for example 29222.`.trim();
  return f.description || undefined;
}

/** After a refused edit: the one form again, with what the member typed and what was wrong. */
export function editAgainPage(
  chrome: Chrome,
  v: {
    catalogue: Catalogue;
    target: EditTarget;
    values: FieldValues;
    originals: FieldValues;
    errors: FieldErrors;
    csrf: string;
  },
): SafeHtml {
  const ds = v.target.dataset;
  return page(chrome, {
    title: `Change ${ds.title}`,
    nav: 'data',
    hasErrors: true,
    body: html`<h1>Change ${ds.title}</h1>
      ${errorSummary(v.errors, [...editableFields(ds).map((f) => f.name), 'private_key'])}
      ${editForm(v.catalogue, v.target, v.values, v.csrf, undefined, v.errors, v.originals)}
      <p><a href="/me/data">Cancel and go back to your data</a></p>`,
  });
}
