/**
 * HTML for the member pages, escaped by default. Every `${value}` in an html`` template is
 * escaped unless it is itself an html`` result, so markup can only come from template literals
 * in this codebase, never from data.
 *
 * Why no template library: the pages are few and server-rendered, and this ~30-line escaper is
 * easier to audit than an engine's escaping rules and helpers (none is installed either).
 * Attribute values in templates must always be double-quoted; URLs put in href/action are either
 * constants or same-site paths checked by safeNext().
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  // null, undefined and booleans render nothing, so `${cond && html`…`}` works.
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
