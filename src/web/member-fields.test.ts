import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, type FieldDef } from '../pds/schema/catalogue.ts';
import {
  autocompleteFor,
  dayNumberToIso,
  fieldKind,
  fromFormValue,
  humanDate,
  memberHint,
  parseMemberDate,
  toDisplayValue,
  toFormValue,
} from './member-fields.ts';

const catalogue = loadCatalogue();
const field = (dataset: string, name: string): FieldDef => {
  const def = catalogue.dataset(dataset)?.fields.get(name);
  if (!def) throw new Error(`no field ${dataset}.${name}`);
  return def;
};

describe('day numbers (days since 1970-01-01)', () => {
  it('puts day 0 on 1 January 1970 and counts backwards before it', () => {
    expect(dayNumberToIso(0)).toBe('1970-01-01');
    expect(dayNumberToIso(-3653)).toBe('1960-01-01');
    expect(dayNumberToIso(29222)).toBe('2050-01-03');
    expect(humanDate(6270)).toBe('3 March 1987');
  });

  it('reads the dates a person types, in the British order', () => {
    expect(parseMemberDate('1987-03-03')).toBe(6270);
    expect(parseMemberDate('3 3 1987')).toBe(6270);
    expect(parseMemberDate('03/03/1987')).toBe(6270);
    expect(parseMemberDate(' 3.3.1987 ')).toBe(6270);
    expect(parseMemberDate('3-03-1987')).toBe(6270);
    expect(parseMemberDate('1 1 1960')).toBe(-3653);
  });

  it('refuses what is not a real date', () => {
    for (const text of ['next tuesday', '31 2 2023', '29 2 2023', '2023-13-01', '0 1 2000', '1 1 999', '29222', '', '1/1/20']) {
      expect(parseMemberDate(text), text).toBeUndefined();
    }
    expect(parseMemberDate('29 2 2024')).toBeDefined();
  });

  it('round-trips every day between the years 1000 and 9999', () => {
    const first = parseMemberDate('1000-01-01')!;
    const last = parseMemberDate('9999-12-31')!;
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (day) => {
        expect(parseMemberDate(dayNumberToIso(day))).toBe(day);
      }),
    );
  });
});

describe('form values', () => {
  const dob = field('ds_passport', 'field_pp_dob');
  const email = field('ds_personal_details', 'field_personal_email_address');
  const mobile = field('ds_personal_details', 'field_personal_mobile_phone');

  it('shows a stored day number as a date, and stores the date as a day number', () => {
    expect(toFormValue(dob, '6270')).toBe('1987-03-03');
    expect(toDisplayValue(dob, '6270')).toBe('3 March 1987');
    expect(fromFormValue(dob, '1987-03-03', catalogue)).toEqual({ ok: true, value: '6270' });
    expect(fromFormValue(dob, '3/3/1987', catalogue)).toEqual({ ok: true, value: '6270' });
    expect(fromFormValue(dob, 'next tuesday', catalogue)).toEqual({
      ok: false,
      problem: 'must be a real date, for example 27 3 2007',
    });
    expect(fromFormValue(dob, '  ', catalogue)).toEqual({ ok: true, value: null });
  });

  it('checks the member’s email address and phone number', () => {
    expect(fieldKind(email)).toBe('email');
    expect(fieldKind(mobile)).toBe('tel');
    expect(fromFormValue(email, 'nope', catalogue).ok).toBe(false);
    expect(fromFormValue(email, ' ada@example.org ', catalogue)).toEqual({ ok: true, value: 'ada@example.org' });
    expect(fromFormValue(mobile, 'not a phone', catalogue).ok).toBe(false);
    expect(fromFormValue(mobile, '123', catalogue).ok).toBe(false);
    expect(fromFormValue(mobile, '07700 900982', catalogue)).toEqual({ ok: true, value: '07700 900982' });
    expect(fromFormValue(mobile, '+33 6 12 34 56 78', catalogue).ok).toBe(true);
  });

  it('leaves other fields to the dataset rules', () => {
    const title = field('ds_personal_details', 'field_personal_title');
    expect(fieldKind(title)).toBe('other');
    expect(fromFormValue(title, 'x'.repeat(10_000), catalogue).ok).toBe(false);
  });
});

describe('hints and autofill', () => {
  it('speaks to the reader in every field of the catalogue', () => {
    for (const ds of catalogue.datasets()) {
      for (const f of ds.fields.values()) {
        const hint = memberHint(f) ?? '';
        expect(hint, `${ds.name}.${f.name}`).not.toMatch(/member|day number/i);
      }
    }
    expect(memberHint(field('ds_personal_details', 'field_personal_fname'))).toBe('Your first (given) name.');
    expect(memberHint(field('ds_personal_details', 'field_personal_title'))).toBe('How you are addressed, such as Mr, Ms or Dr.');
    expect(memberHint(field('ds_home', 'field_home_date_from'))).toBe('The day you moved in. For example, 27 3 2007.');
  });

  it('names the purpose of the member’s own contact and name fields (WCAG 1.3.5)', () => {
    expect(autocompleteFor(field('ds_personal_details', 'field_personal_fname'))).toBe('given-name');
    expect(autocompleteFor(field('ds_contact_details', 'field_contact_phone_mobile'))).toBe('mobile tel');
    expect(autocompleteFor(field('ds_bank_account', 'field_ba_branch_telephone'))).toBeUndefined();
    for (const ds of catalogue.datasets()) {
      for (const f of ds.fields.values()) if (autocompleteFor(f)) expect(f.system, f.name).toBeUndefined();
    }
  });
});
