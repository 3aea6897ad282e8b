/**
 * Form parts that carry the accessibility rules once: every input has a label, hints and errors
 * are tied to it with aria-describedby, and the error summary links to each field (GOV.UK
 * Design System pattern; WCAG 1.3.1, 3.3.1, 3.3.2).
 */
import { html, type HtmlValue, type SafeHtml } from '../html.ts';

/** field name → message */
export type FieldErrors = Record<string, string>;

const fieldId = (name: string): string => `f-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function errorSummary(errors: FieldErrors, order: readonly string[] = Object.keys(errors)): HtmlValue {
  const names = order.filter((n) => errors[n] !== undefined);
  if (names.length === 0) return null;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
    <h2 id="error-summary-title" class="error-summary__title">There is a problem</h2>
    <ul class="error-summary__list">
      ${names.map((n) => html`<li><a href="#${fieldId(n)}">${errors[n]}</a></li>`)}
    </ul>
  </div>`;
}

/** A general problem not tied to one field. */
export function problem(message: string | undefined): HtmlValue {
  return (
    message &&
    html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
      <h2 id="error-summary-title" class="error-summary__title">There is a problem</h2>
      <p>${message}</p>
    </div>`
  );
}

export interface InputSpec {
  name: string;
  /** defaults to fieldId(name); set it when one page holds several forms with the same fields */
  id?: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'search' | 'date' | 'tel';
  value?: string | null;
  hint?: HtmlValue;
  error?: string | undefined;
  autocomplete?: string;
  required?: boolean;
  inputmode?: 'numeric' | 'decimal' | 'text';
  /** for a long text field */
  multiline?: boolean;
  options?: readonly string[];
  width?: 'short' | 'medium';
}

export function input(spec: InputSpec): SafeHtml {
  const id = spec.id ?? fieldId(spec.name);
  const hintId = spec.hint ? `${id}-hint` : '';
  const errorId = spec.error ? `${id}-error` : '';
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  const common = html`id="${id}"
  name="${spec.name}"${describedBy && html` aria-describedby="${describedBy}"`}${
    spec.error && html` aria-invalid="true"`
  }${spec.required && html` required`}`;
  const cls = `input${spec.error ? ' input--error' : ''}${spec.width ? ` input--${spec.width}` : ''}`;
  let control: SafeHtml;
  if (spec.options) {
    const current = spec.value ?? '';
    control = html`<select class="${cls}" ${common}>
      <option value="">(not set)</option>
      ${spec.options.map((o) => html`<option${o === current ? html` selected` : ''}>${o}</option>`)}
    </select>`;
  } else if (spec.multiline) {
    control = html`<textarea class="${cls}" rows="3" ${common}>${spec.value ?? ''}</textarea>`;
  } else {
    control = html`<input
      class="${cls}"
      type="${spec.type ?? 'text'}"
      ${common}${
        spec.autocomplete && html` autocomplete="${spec.autocomplete}"`
      }${spec.inputmode && html` inputmode="${spec.inputmode}"`}${
        spec.type !== 'password' && spec.value != null && html` value="${spec.value}"`
      }
      spellcheck="false"
    />`;
  }
  return html`<div class="field${spec.error ? ' field--error' : ''}">
    <label class="label" for="${id}">${spec.label}</label>
    ${spec.hint && html`<div class="hint" id="${hintId}">${spec.hint}</div>`}
    ${spec.error && html`<p class="error-message" id="${errorId}"><span class="visually-hidden">Error:</span> ${spec.error}</p>`}
    ${control}
  </div>`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}" />`;
}

export function button(label: string, variant: 'primary' | 'secondary' | 'warning' = 'primary'): SafeHtml {
  return html`<button type="submit" class="button button--${variant}">${label}</button>`;
}

/** The Private Key field for an existing key (unlock, consent, export). */
export function privateKeyInput(error: string | undefined, label = 'Private Key', id?: string): SafeHtml {
  return input({
    name: 'private_key',
    ...(id && { id }),
    label,
    type: 'password',
    autocomplete: 'off',
    required: true,
    error,
    hint: 'The key you chose when you created your Personal Data Store. It is different from your password.',
  });
}
