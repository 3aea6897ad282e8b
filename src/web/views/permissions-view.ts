/** What a connection may read and write, per dataset and field (contract §5.1), and what changed. */
import type { AccessFlag, FieldAccess } from '../../connections/dssa.ts';
import type { Catalogue } from '../../pds/schema/catalogue.ts';
import type { FieldDiff } from '../dssa-diff.ts';
import { html, type SafeHtml } from '../html.ts';

export function datasetTitle(catalogue: Catalogue, dataset: string): string {
  return catalogue.dataset(dataset)?.title ?? dataset;
}

export function fieldLabel(catalogue: Catalogue, dataset: string, field: string): string {
  return catalogue.dataset(dataset)?.fields.get(field)?.label ?? field;
}

const flag = (f: AccessFlag | undefined): string =>
  !f || f.a !== 1 ? 'No' : f.s === 'R' ? 'Yes, on request' : 'Yes, automatically';

/** "read automatically and write on request", for sentences. */
function accessPhrase(acc: FieldAccess | undefined): string {
  if (!acc) return 'no access';
  const parts: string[] = [];
  if (acc.r.a === 1) parts.push(`read ${acc.r.s === 'R' ? 'on request' : 'automatically'}`);
  if (acc.w.a === 1) parts.push(`write ${acc.w.s === 'R' ? 'on request' : 'automatically'}`);
  return parts.join(' and ') || 'no access';
}

const TAGS: Record<FieldDiff['change'], SafeHtml | null> = {
  added: html`<strong class="tag tag--added">New</strong>`,
  removed: html`<strong class="tag tag--removed">Removed</strong>`,
  changed: html`<strong class="tag tag--changed">Changed</strong>`,
  same: null,
};

/** One table per dataset. With `showChanges`, each row says whether it is new, removed or changed. */
function permissionTables(catalogue: Catalogue, diff: Map<string, FieldDiff[]>, showChanges: boolean): SafeHtml {
  return html`${[...diff].map(([dataset, rows]) => {
    const shown = showChanges ? rows : rows.filter((r) => r.change !== 'removed');
    if (shown.length === 0) return null;
    return html`<div class="table-wrap">
      <table class="permissions stack">
        <caption>
          ${datasetTitle(catalogue, dataset)}
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Can read</th>
            <th scope="col">Can change</th>
            ${showChanges && html`<th scope="col">Since last time</th>`}
          </tr>
        </thead>
        <tbody>
          ${shown.map((r) => {
            const acc = r.after ?? r.before;
            const rowAttr =
              showChanges && r.change === 'added'
                ? html` class="row--added"`
                : showChanges && r.change === 'removed'
                  ? html` class="row--removed"`
                  : '';
            return html`<tr${rowAttr}>
    <th scope="row">${fieldLabel(catalogue, dataset, r.field)}</th>
    <td data-label="Can read">${r.change === 'removed' ? 'No' : flag(acc?.r)}</td>
    <td data-label="Can change">${r.change === 'removed' ? 'No' : flag(acc?.w)}</td>
    ${
      showChanges &&
      html`<td data-label="Since last time">
        ${TAGS[r.change] ?? 'No change'}${
          (r.change === 'changed' || r.change === 'removed') && html` <span class="muted">was: ${accessPhrase(r.before)}</span>`
        }
      </td>`
    }
  </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
  })}`;
}

/** What "automatically" and "on request" mean, wherever either appears. */
export const ACCESS_MODES = html`<p class="hint">
  <strong>Automatically</strong> means whenever the organisation needs to, without asking you each time.
  <strong>On request</strong> means it asks you each time.
</p>`;

const fieldCount = (n: number) => `${n} field${n === 1 ? '' : 's'}`;

/** "reads 12 fields automatically and 2 on request" */
function accessCounts(verb: string, flags: (AccessFlag | undefined)[]): string | undefined {
  const granted = flags.filter((f): f is AccessFlag => f?.a === 1);
  if (granted.length === 0) return undefined;
  const auto = granted.filter((f) => f.s !== 'R').length;
  const asked = granted.length - auto;
  const parts = [auto && `${fieldCount(auto)} automatically`, asked && `${fieldCount(asked)} on request`].filter(Boolean);
  return `${verb} ${parts.join(' and ')}`;
}

/**
 * One line per dataset, before any table: "Personal details: reads 12 fields automatically;
 * changes 2 fields on request". The field-by-field tables go behind a disclosure.
 */
export function permissionSummary(catalogue: Catalogue, diff: Map<string, FieldDiff[]>, caption: string): SafeHtml {
  const lines = [...diff].flatMap(([dataset, rows]) => {
    const now = rows.filter((r) => r.change !== 'removed').map((r) => r.after);
    const what = [
      accessCounts(
        'reads',
        now.map((a) => a?.r),
      ),
      accessCounts(
        'changes',
        now.map((a) => a?.w),
      ),
    ].filter(Boolean);
    return what.length ? [html`<li><strong>${datasetTitle(catalogue, dataset)}</strong>: ${what.join('; ')}</li>`] : [];
  });
  if (lines.length === 0) return html`<p>${caption}: nothing.</p>`;
  return html`<ul class="permission-summary" aria-label="${caption}">
    ${lines}
  </ul>`;
}

/** The tables behind one control, with the number of fields on it. */
export function permissionDetails(catalogue: Catalogue, diff: Map<string, FieldDiff[]>, showChanges: boolean): SafeHtml {
  const fields = [...diff.values()].flat().filter((r) => showChanges || r.change !== 'removed').length;
  return html`<details>
    <summary>See each of the ${fields} fields</summary>
    ${permissionTables(catalogue, diff, showChanges)}
  </details>`;
}

/** A plain list of the changes, read before the tables (WCAG 1.4.1: not by colour alone). */
export function changeList(catalogue: Catalogue, diff: Map<string, FieldDiff[]>): SafeHtml {
  const changes = [...diff.values()].flat().filter((r) => r.change !== 'same');
  if (changes.length === 0) return html`<p>The fields and permissions are the same as before.</p>`;
  return html`<ul>
    ${changes.map((r) => {
      const what = `${datasetTitle(catalogue, r.dataset)}: ${fieldLabel(catalogue, r.dataset, r.field)}`;
      if (r.change === 'added') return html`<li><strong>New:</strong> ${what} (${accessPhrase(r.after)})</li>`;
      if (r.change === 'removed') return html`<li><strong>Removed:</strong> ${what} (was ${accessPhrase(r.before)})</li>`;
      return html`<li><strong>Changed:</strong> ${what}: now ${accessPhrase(r.after)} (was ${accessPhrase(r.before)})</li>`;
    })}
  </ul>`;
}
