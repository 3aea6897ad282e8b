/** The member's own data: the Private Key prompt, the data by dataset with edit forms, export. */
import type { DatasetContent } from '../../pds/member-data-service.ts';
import type { FieldValues } from '../../pds/pds-store.ts';
import type { Catalogue, DatasetDef, FieldDef } from '../../pds/schema/catalogue.ts';
import { html, type SafeHtml } from '../html.ts';
import { button, csrfField, errorSummary, input, privateKeyInput, type FieldErrors } from './forms.ts';
import { autocompleteFor, fieldKind, memberHint, toDisplayValue, toFormValue } from '../member-fields.ts';
import { time } from './format.ts';
import { notice, page, type Chrome } from './layout.ts';

export function unlockPage(
  chrome: Chrome,
  v: {
    action: '/me/data' | '/me/export';
    csrf: string;
    /** set when "My data" is unlocked: the export needs no Private Key then */
    unlocked?: boolean;
    error?: string | undefined;
    notice?: string | undefined;
    unlockMinutes: number;
  },
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
            : `Your data is encrypted with your Private Key. Enter it to see and change your data. It stays unlocked until you lock it, sign out, or leave it for ${minutes(v.unlockMinutes)}.`
        }
      </p>
      <form method="post" action="${v.action}" novalidate>
        ${csrfField(v.csrf)} ${!v.unlocked && privateKeyInput(v.error)} ${button(isExport ? 'Download my data' : 'Show my data')}
      </form>`,
  });
}

const minutes = (n: number): string => `${n} minute${n === 1 ? '' : 's'}`;

export interface EditTarget {
  dataset: DatasetDef;
  instance?: number;
  rowId?: number;
}

/**
 * Datasets organisations keep for their own bookkeeping (logs, settings, invitations): shown to
 * the member, but behind the "more" control with the empty ones rather than among their details.
 */
const TECHNICAL = new Set(['ds_referrals_log', 'ds_assurance_log', 'ds_variables', 'ds_invites']);

function hasData(content: DatasetContent): boolean {
  const filled = (values: FieldValues) => Object.values(values).some((x) => x != null && x !== '');
  return content.rows.length > 0 || Object.values(content.instances).some(filled);
}

export interface DataPageView {
  catalogue: Catalogue;
  datasets: DatasetContent[];
  /** the organisation behind each connection that added a row */
  writers: ReadonlyMap<number, string>;
  csrf: { edit: string; lock: string };
  /** when the page locks again without use (unix seconds), and the window in minutes */
  unlockedUntil: number;
  unlockMinutes: number;
  notice?: string | undefined;
}

/**
 * What the member has recorded first; empty and technical datasets behind one control. Each
 * dataset has a form (behind a disclosure) to change it, saved without the Private Key while the
 * page is unlocked.
 */
export function dataPage(chrome: Chrome, v: DataPageView): SafeHtml {
  const shown: { ds: DatasetDef; content: DatasetContent }[] = [];
  const empty: typeof shown = [];
  const technical: typeof shown = [];
  for (const content of v.datasets) {
    const ds = v.catalogue.dataset(content.name);
    if (!ds) continue;
    (TECHNICAL.has(ds.name) ? technical : hasData(content) ? shown : empty).push({ ds, content });
  }
  const section = ({ ds, content }: (typeof shown)[number], level: 2 | 3) =>
    html`<section class="card" aria-labelledby="ds-${ds.name}">
      ${level === 2 ? html`<h2 id="ds-${ds.name}">${ds.title}</h2>` : html`<h3 id="ds-${ds.name}">${ds.title}</h3>`}
      ${
        ds.type === 'metadata'
          ? metadataSection(v.catalogue, ds, content, v.csrf.edit)
          : rowsSection(v.catalogue, ds, content, v.csrf.edit, v.writers)
      }
    </section>`;
  const more = empty.length + technical.length;
  return page(chrome, {
    title: 'Your data',
    nav: 'data',
    body: html`${notice(v.notice)}
      <h1>Your data</h1>
      <div class="unlock-bar">
        <p>
          Your data is unlocked. It locks by itself after ${minutes(v.unlockMinutes)} without use (now at
          ${time(v.unlockedUntil)}), or when you sign out.
        </p>
        <form method="post" action="/me/data/lock">${csrfField(v.csrf.lock)} ${button('Lock my data', 'secondary')}</form>
      </div>
      ${
        shown.length
          ? html`<p>To change something, open “Change” under it and save. Empty a field to clear it.</p>`
          : html`<p>You have not recorded anything yet. Open “More kinds of data” below to add your details.</p>`
      }
      ${shown.map((d) => section(d, 2))}
      ${
        more > 0 &&
        html`<details class="more-data">
          <summary>
            More kinds of data (${more}): ${empty.length} with nothing recorded
            yet${technical.length ? `, ${technical.length} kept by organisations for their records` : ''}
          </summary>
          ${
            empty.length > 0 &&
            html`<h2>Nothing recorded yet</h2>
              ${empty.map((d) => section(d, 3))}`
          }
          ${
            technical.length > 0 &&
            html`<h2>Kept by organisations for their records</h2>
              <p>Logs, settings and invitations that organisations you connect to keep in your store.</p>
              ${technical.map((d) => section(d, 3))}`
          }
        </details>`
      }`,
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
          ${editForm(cat, { dataset: ds, instance: Number(n) }, formValues(ds, values), csrf, { prefix: `${ds.name}-i${n}` })}
        </details>`,
  )}`;
}

function writerOf(r: { source: string; writerNid?: number | undefined }, writers: ReadonlyMap<number, string>): string {
  if (r.source === 'user') return 'you';
  return (r.writerNid !== undefined && writers.get(r.writerNid)) || 'an organisation you connected to';
}

function rowsSection(
  cat: Catalogue,
  ds: DatasetDef,
  content: DatasetContent,
  csrf: string,
  writers: ReadonlyMap<number, string>,
): SafeHtml {
  return html`${content.rows.length === 0 && html`<p class="muted">No entries.</p>`}
    ${content.rows.map(
      (r) =>
        html`<h4 class="entry-title">
            Entry ${r.id} <span class="muted">added ${time(r.createdAt)} by ${writerOf(r, writers)}</span>
          </h4>
          ${valueList(ds, r.values)}
          <details>
            <summary>Change entry ${r.id}</summary>
            ${editForm(cat, { dataset: ds, rowId: r.id }, formValues(ds, r.values), csrf, { prefix: `${ds.name}-r${r.id}` })}
          </details>`,
    )}
    <details>
      <summary>Add an entry to ${ds.title}</summary>
      ${editForm(cat, { dataset: ds }, {}, csrf, { prefix: `${ds.name}-new` })}
    </details>`;
}

function valueList(ds: DatasetDef, values: FieldValues): SafeHtml {
  const filled = editableFields(ds).filter((f) => values[f.name] != null && values[f.name] !== '');
  if (filled.length === 0) return html`<p class="muted">Nothing recorded yet.</p>`;
  return html`<dl class="summary-list">
    ${filled.map(
      (f) =>
        html`<dt>${f.label}</dt>
          <dd>${toDisplayValue(f, values[f.name]!)}</dd>`,
    )}
  </dl>`;
}

export function editableFields(ds: DatasetDef): FieldDef[] {
  return [...ds.fields.values()].filter((f) => !f.system);
}

/** Stored values as the form shows them (member-fields.ts: dates as YYYY-MM-DD). */
function formValues(ds: DatasetDef, stored: FieldValues): Record<string, string> {
  return Object.fromEntries(editableFields(ds).map((f) => [f.name, toFormValue(f, stored[f.name])]));
}

/**
 * The form for one instance or row. `orig:<field>` carries the value shown, so only the fields
 * the member changed are written (and logged), and a subscriber's concurrent change to another
 * field is not overwritten. The Private Key is asked for only when the page has locked.
 */
function editForm(
  cat: Catalogue,
  target: EditTarget,
  values: Record<string, string>,
  csrf: string,
  opts: { prefix?: string; errors?: FieldErrors; originals?: Record<string, string>; askPrivateKey?: boolean } = {},
): SafeHtml {
  const ds = target.dataset;
  const errors = opts.errors ?? {};
  const originals = opts.originals ?? values;
  return html`<form method="post" action="/me/data/edit" novalidate>
    ${csrfField(csrf)}
    <input type="hidden" name="dataset" value="${ds.name}" />
    ${target.instance !== undefined && html`<input type="hidden" name="instance" value="${target.instance}" />`}
    ${target.rowId !== undefined && html`<input type="hidden" name="row" value="${target.rowId}" />`}
    ${editableFields(ds).map(
      (f) =>
        html`<input type="hidden" name="orig:${f.name}" value="${originals[f.name] ?? ''}" /> ${input({
            name: f.name,
            ...(opts.prefix && { id: `${opts.prefix}-${f.name}` }),
            label: f.label,
            value: values[f.name] ?? '',
            hint: memberHint(f),
            error: errors[f.name],
            ...fieldControl(cat, f),
          })}`,
    )}
    ${opts.askPrivateKey && privateKeyInput(errors.private_key, 'Your Private Key, to save', opts.prefix && `${opts.prefix}-private_key`)}
    ${button('Save changes')}
  </form>`;
}

function fieldControl(cat: Catalogue, f: FieldDef): Partial<Parameters<typeof input>[0]> {
  const autocomplete = autocompleteFor(f);
  const auto = autocomplete ? { autocomplete } : {};
  const options = f.lookup ? cat.lookup(f.lookup)?.options : f.enum;
  if (options) return { options, ...auto };
  switch (fieldKind(f)) {
    case 'date':
      return { type: 'date', width: 'medium', ...auto };
    case 'email':
      return { type: 'email', ...auto };
    case 'tel':
      return { type: 'tel', width: 'medium', ...auto };
    case 'other':
      break;
  }
  if (f.type === 'blob' || (f.type === 'text' && (f.maxLength ?? Infinity) > 255)) return { multiline: true, ...auto };
  if (f.type === 'int' || f.type === 'serial') return { inputmode: 'numeric', width: 'short', ...auto };
  if (f.type === 'currency') return { inputmode: 'decimal', width: 'short', ...auto };
  return auto;
}

/** After a refused edit: the one form again, with what the member typed and what was wrong. */
export function editAgainPage(
  chrome: Chrome,
  v: {
    catalogue: Catalogue;
    target: EditTarget;
    values: Record<string, string>;
    originals: Record<string, string>;
    errors: FieldErrors;
    csrf: string;
    /** the page locked while the member was editing: the Private Key saves the changes */
    askPrivateKey: boolean;
  },
): SafeHtml {
  const ds = v.target.dataset;
  return page(chrome, {
    title: `Change ${ds.title}`,
    nav: 'data',
    hasErrors: true,
    body: html`<h1>Change ${ds.title}</h1>
      ${errorSummary(v.errors, [...editableFields(ds).map((f) => f.name), 'private_key'])}
      ${editForm(v.catalogue, v.target, v.values, v.csrf, {
        errors: v.errors,
        originals: v.originals,
        askPrivateKey: v.askPrivateKey,
      })}
      <p><a href="/me/data">Cancel and go back to your data</a></p>`,
  });
}
