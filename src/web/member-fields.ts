/**
 * How a dataset field looks to the member in the web app, as opposed to the API: dates as dates
 * (the API's day numbers converted on the server), email and phone fields checked and typed for
 * the phone's keyboard and autofill (WCAG 1.3.5), and hints that speak to the reader instead of
 * about "the member" (docs/member-web.md, "Fields").
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import type { FieldDef } from '../pds/schema/catalogue.ts';
import { validateValue, type ValueResult } from '../pds/schema/values.ts';
import type { Catalogue } from '../pds/schema/catalogue.ts';

const DAY_MS = 86_400_000;
/** The years a date field accepts from the form (what <input type="date"> can show). */
const FIRST_YEAR = 1000;
const LAST_YEAR = 9999;

/** A day number (days since 1970-01-01, docs/datasets.md) as YYYY-MM-DD. */
export function dayNumberToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const HUMAN_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** A day number as "4 March 1987". */
export function humanDate(day: number): string {
  return HUMAN_DATE.format(new Date(day * DAY_MS));
}

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
/** Day, month and year in the British order, separated by spaces, slashes, dots or dashes. */
const DMY_DATE = /^(\d{1,2})[\s/.-]+(\d{1,2})[\s/.-]+(\d{4})$/;

/**
 * A date as the member typed it (YYYY-MM-DD from a date picker, or "27 3 2007", "27/03/2007")
 * as a day number; undefined when it is not a real date.
 */
export function parseMemberDate(text: string): number | undefined {
  const s = text.trim();
  const iso = ISO_DATE.exec(s);
  const dmy = iso ? undefined : DMY_DATE.exec(s);
  const parts = iso ? [iso[1], iso[2], iso[3]] : dmy ? [dmy[3], dmy[2], dmy[1]] : undefined;
  if (!parts) return undefined;
  const [year, month, day] = parts.map(Number) as [number, number, number];
  if (year < FIRST_YEAR || year > LAST_YEAR) return undefined;
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  // Date.UTC rolls 31 February over into March: a real date comes back as it went in.
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return Math.round(ms / DAY_MS);
}

export type FieldKind = 'date' | 'email' | 'tel' | 'other';

export function fieldKind(f: FieldDef): FieldKind {
  if (f.type === 'date') return 'date';
  if (f.type !== 'text' && f.type !== 'varchar') return 'other';
  if (/(^|_)email(_|$)/.test(f.name)) return 'email';
  if (/(^|_)(phone|telephone|tel_number|mobile_phone)(_|$)/.test(f.name)) return 'tel';
  return 'other';
}

/**
 * Autofill tokens for the fields that hold the member's own details (WCAG 1.3.5, "Identify
 * input purpose"). Fields about someone else (a bank branch, a contact person) have none.
 */
const AUTOCOMPLETE: Record<string, string> = {
  field_personal_title: 'honorific-prefix',
  field_personal_fname: 'given-name',
  field_personal_mname: 'additional-name',
  field_personal_faname: 'family-name',
  field_personal_nickname: 'nickname',
  field_personal_email_address: 'email',
  field_personal_mobile_phone: 'tel',
  field_home_address_line_1: 'address-line1',
  field_home_address_line_2: 'address-line2',
  field_home_town: 'address-level2',
  field_home_county: 'address-level1',
  field_home_postcode: 'postal-code',
  field_home_country: 'country-name',
  field_addr_town: 'address-level2',
  field_addr_county: 'address-level1',
  field_addr_postcode: 'postal-code',
  field_addr_country: 'country-name',
  field_pp_surname: 'family-name',
  field_pp_given_names: 'given-name',
  field_pp_dob: 'bday',
  field_pp_sex: 'sex',
  field_contact_email: 'email',
  field_contact_phone_home: 'home tel',
  field_contact_phone_mobile: 'mobile tel',
  field_contact_phone_work: 'work tel',
  field_emp_employer_name: 'organization',
  field_emp_job_title: 'organization-title',
  field_emp_work_email: 'work email',
  field_emp_work_phone: 'work tel',
};

export function autocompleteFor(f: FieldDef): string | undefined {
  return AUTOCOMPLETE[f.name];
}

/**
 * The catalogue's descriptions are written for subscribers ("The member's first name"); the
 * member reads them about themselves. Ordered: the verb forms first, then the possessive, then
 * what is left. A test checks that no field's hint still says "member".
 */
const VERB_FORMS: Record<string, string> = {
  is: 'are',
  was: 'were',
  holds: 'hold',
  likes: 'like',
  needs: 'need',
  lives: 'live',
  shares: 'share',
  prefers: 'prefer',
};
const SECOND_PERSON: [RegExp, string | ((match: string, verb: string) => string)][] = [
  [/\s*\(day number\)/g, ''],
  [/\bthe member (is|was|holds|likes|needs|lives|shares|prefers|moved|sent)\b/g, (_, verb) => `you ${VERB_FORMS[verb] ?? verb}`],
  [/^The member the action concerns\./, 'Whom the action concerns: you.'],
  [/\bThe member's\b/g, 'Your'],
  [/\bthe member's\b/g, 'your'],
  [/\bThe member\b/g, 'You'],
  [/\bthe member\b/g, 'you'],
];

export function memberHint(f: FieldDef): string | undefined {
  let text = f.description;
  for (const [pattern, replacement] of SECOND_PERSON) {
    text = typeof replacement === 'string' ? text.replace(pattern, replacement) : text.replace(pattern, replacement);
  }
  if (f.type === 'date') text = `${text}${text ? ' ' : ''}For example, 27 3 2007.`;
  return text || undefined;
}

/** A stored value as the form shows it (dates as YYYY-MM-DD, for a date picker). */
export function toFormValue(f: FieldDef, stored: string | null | undefined): string {
  if (stored == null) return '';
  if (fieldKind(f) === 'date' && /^-?\d+$/.test(stored)) return dayNumberToIso(Number(stored));
  return stored;
}

/** A stored value as the member reads it ("4 March 1987" for a date). */
export function toDisplayValue(f: FieldDef, stored: string): string {
  if (fieldKind(f) === 'date' && /^-?\d+$/.test(stored)) return humanDate(Number(stored));
  return stored;
}

const EMAIL = z.email();

/**
 * What the member typed, checked and converted to the stored form; `problem` follows the field's
 * label ("Date of birth must be a real date…").
 */
export function fromFormValue(f: FieldDef, typed: string, catalogue: Catalogue): ValueResult {
  const text = typed.trim();
  if (text === '') return { ok: true, value: null };
  switch (fieldKind(f)) {
    case 'date': {
      const day = parseMemberDate(text);
      if (day === undefined) return { ok: false, problem: 'must be a real date, for example 27 3 2007' };
      return validateValue(f, day, catalogue);
    }
    case 'email':
      if (!EMAIL.safeParse(text).success) {
        return { ok: false, problem: 'must be an email address, like name@example.com' };
      }
      break;
    case 'tel':
      if (!parsePhoneNumberFromString(text, 'GB')?.isPossible()) {
        return { ok: false, problem: 'must be a phone number, like 07700 900 982 or +44 7700 900 982' };
      }
      break;
    case 'other':
      break;
  }
  return validateValue(f, text, catalogue);
}
