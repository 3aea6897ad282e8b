import { describe, expect, it } from 'vitest';
import { loadCatalogue } from './catalogue.ts';
import type { FieldDef, FieldType, LookupResolver } from './catalogue.ts';
import { MAX_BLOB_LENGTH, validateValue } from './values.ts';

const catalogue = loadCatalogue();
const field = (dataset: string, name: string): FieldDef => {
  const def = catalogue.dataset(dataset)?.fields.get(name);
  if (!def) throw new Error(`no field ${dataset}.${name}`);
  return def;
};
const ofType = (type: FieldType, extra: Partial<FieldDef> = {}): FieldDef => ({
  name: 'f',
  type,
  label: 'F',
  description: 'A test field.',
  ...extra,
});
const accepts = (def: FieldDef, raw: unknown, stored: string | null) =>
  expect(validateValue(def, raw, catalogue)).toEqual({ ok: true, value: stored });
const rejects = (def: FieldDef, raw: unknown, problem: string | RegExp) => {
  const result = validateValue(def, raw, catalogue);
  expect(result.ok, `${String(raw)} should be rejected`).toBe(false);
  if (!result.ok) expect(result.problem).toMatch(problem);
};

describe('validateValue', () => {
  describe('for any field type', () => {
    it.each(['int', 'serial', 'date', 'currency', 'blob', 'uuid', 'varchar', 'text'] as const)(
      'clears a %s field when given null or undefined',
      (type) => {
        accepts(ofType(type), null, null);
        accepts(ofType(type), undefined, null);
      },
    );

    it('uses the shipped catalogue for lookups when none is passed', () => {
      expect(validateValue(field('ds_utility', 'field_utility_service'), 'oil')).toEqual({ ok: true, value: 'Oil' });
    });
  });

  describe('int fields', () => {
    const int = field('ds_referrals', 'duration');

    it('accept integers as numbers or strings and store them as strings', () => {
      accepts(int, 42, '42');
      accepts(int, '42', '42');
      accepts(int, ' -7 ', '-7');
      accepts(int, '+0012', '12');
      accepts(int, -0, '0');
    });

    it('store booleans as 1 and 0', () => {
      accepts(int, true, '1');
      accepts(int, false, '0');
    });

    it('treat an empty string as a clear', () => {
      accepts(int, '', null);
    });

    it('reject fractions, words, objects and arrays', () => {
      for (const raw of [1.5, '1.5', 'ten', '1e3', '0x10', {}, [], NaN, Infinity]) rejects(int, raw, 'must be an integer');
    });

    it('reject integers beyond the safe range', () => {
      rejects(int, '9007199254740993', 'is out of range');
      rejects(int, 2 ** 60, 'is out of range');
    });
  });

  describe('serial fields', () => {
    const serial = field('ds_people', 'id');

    it('accept non-negative integers and reject negatives and booleans', () => {
      accepts(serial, '17', '17');
      accepts(serial, 0, '0');
      rejects(serial, -1, 'must be a non-negative integer');
      rejects(serial, true, 'must be a non-negative integer');
    });
  });

  describe('date fields', () => {
    const date = field('ds_passport', 'field_pp_dob');

    it('accept day numbers as numbers or strings, including negative ones', () => {
      accepts(date, 29222, '29222');
      accepts(date, '29222', '29222');
      accepts(date, '-5', '-5');
    });

    it('reject calendar dates, fractions and booleans', () => {
      for (const raw of ['1980-01-01', '29222.5', true]) rejects(date, raw, 'must be a day number (an integer)');
    });
  });

  describe('currency fields', () => {
    const money = field('ds_bank_account', 'field_ba_current_balance');

    it('accept decimals as numbers or strings and normalise to at least two places', () => {
      accepts(money, 23.45, '23.45');
      accepts(money, '23.45', '23.45');
      accepts(money, 23.5, '23.50');
      accepts(money, '23', '23.00');
      accepts(money, '0023.4500', '23.45');
      accepts(money, '.5', '0.50');
      accepts(money, '-12.3', '-12.30');
      accepts(money, '-0.00', '0.00');
    });

    it('keep up to four decimal places', () => {
      accepts(money, '1.2345', '1.2345');
      accepts(money, 0.0001, '0.0001');
    });

    it('reject more than four decimal places, symbols, separators and words', () => {
      for (const raw of ['1.23456', 0.1 + 0.2, '£5', '1,000.00', 'abc', '.', '1.2.3', true, {}])
        rejects(money, raw, /decimal amount/);
    });

    it('treat an empty string as a clear and reject absurd magnitudes', () => {
      accepts(money, '', null);
      rejects(money, 1e21, 'is out of range');
      rejects(money, '1234567890123456', 'is out of range');
    });
  });

  describe('blob fields', () => {
    const blob = field('ds_referrals', 'referree_availability');

    it('store objects and arrays as JSON', () => {
      accepts(blob, { AM: [1, 2], PM: [] }, '{"AM":[1,2],"PM":[]}');
      accepts(blob, [1, 'two'], '[1,"two"]');
    });

    it('keep strings as given', () => {
      accepts(blob, '{"AM":[1]}', '{"AM":[1]}');
      accepts(blob, 'not json', 'not json');
    });

    it('reject values that cannot become JSON and oversized values', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      rejects(blob, cyclic, 'must be JSON');
      rejects(blob, () => 1, 'must be JSON');
      rejects(blob, 'x'.repeat(MAX_BLOB_LENGTH + 1), /is longer than/);
    });
  });

  describe('uuid fields', () => {
    const uuid = field('ds_secure_messages', 'service_identifier');

    it('accept RFC 4122 UUIDs and store them in lower case', () => {
      accepts(uuid, '3F2504E0-4F89-41D3-9A0C-0305E82C3301', '3f2504e0-4f89-41d3-9a0c-0305e82c3301');
      accepts(uuid, '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000');
    });

    it('reject malformed UUIDs and non-strings', () => {
      for (const raw of ['3f2504e04f8941d39a0c0305e82c3301', '3f2504e0-4f89-01d3-9a0c-0305e82c3301', 'zzz', 12, {}]) {
        rejects(uuid, raw, 'must be a UUID');
      }
    });
  });

  describe('varchar fields', () => {
    const name = field('ds_personal_details', 'field_personal_fname');

    it('accept strings and coerce numbers and booleans to strings', () => {
      accepts(name, 'John', 'John');
      accepts(name, '', '');
      accepts(name, 12, '12');
      accepts(name, true, 'true');
    });

    it('reject objects, arrays and non-finite numbers', () => {
      rejects(name, { first: 'John' }, 'must be a string');
      rejects(name, ['John'], 'must be a string');
      rejects(name, Infinity, /finite number/);
    });

    it('allow 255 characters by default and reject 256', () => {
      accepts(name, 'a'.repeat(255), 'a'.repeat(255));
      rejects(name, 'a'.repeat(256), 'is longer than 255 characters');
    });

    it('count characters, not UTF-16 units', () => {
      const emoji = '😀'.repeat(255);
      accepts(name, emoji, emoji);
    });

    it('honour a declared maxLength', () => {
      const code = field('ds_bank_account_transactions', 'currency_code');
      accepts(code, 'GBP', 'GBP');
      rejects(code, 'GBPX', 'is longer than 3 characters');
    });
  });

  describe('text fields', () => {
    const memo = field('ds_referrals', 'memo');

    it('allow long free text up to 65535 characters', () => {
      accepts(memo, 'x'.repeat(65535), 'x'.repeat(65535));
      rejects(memo, 'x'.repeat(65536), 'is longer than 65535 characters');
    });
  });

  describe('lookup fields', () => {
    const service = field('ds_utility', 'field_utility_service');

    it('accept an exact option', () => {
      accepts(service, 'Gas & Electricity', 'Gas & Electricity');
    });

    it('normalise a case-insensitive match to the canonical option', () => {
      accepts(service, 'gas & ELECTRICITY', 'Gas & Electricity');
      accepts(service, ' water ', 'Water');
    });

    it('reject anything else and list the options', () => {
      rejects(service, 'Coal', 'must be one of: Broadband, Electricity, Gas, Gas & Electricity, Oil, Telephone, Water');
    });

    it('cut a long option list short', () => {
      const result = validateValue(field('ds_address', 'field_addr_country'), 'Atlantis', catalogue);
      expect(result).toMatchObject({ ok: false });
      if (!result.ok) {
        expect(result.problem).toMatch(/^must be one of: Afghanistan, .* more in lu_country\)$/);
        expect(result.problem.length).toBeLessThan(200);
      }
    });

    it('treat an empty string as a clear', () => {
      accepts(service, '', null);
    });

    it('use the lookup source it is given', () => {
      const only: LookupResolver = { lookup: () => ({ name: 'lu_utility_service', title: 'T', options: ['Coal'] }) };
      expect(validateValue(service, 'Coal', only)).toEqual({ ok: true, value: 'Coal' });
      expect(validateValue(service, 'Gas', only)).toEqual({ ok: false, problem: 'must be one of: Coal' });
      expect(validateValue(service, 'Gas', { lookup: () => undefined })).toEqual({
        ok: false,
        problem: 'uses unknown lookup lu_utility_service',
      });
    });
  });

  describe('enum fields', () => {
    it('accept enum values and normalise their case', () => {
      accepts(field('ds_events', 'status'), 'CONFIRMED', 'CONFIRMED');
      accepts(field('ds_events', 'status'), 'confirmed', 'CONFIRMED');
      accepts(field('ds_invites', 'route'), 'sms', 'SMS');
    });

    it('reject values outside the enum', () => {
      rejects(field('ds_secure_messages', 'status'), 'deleted', 'must be one of: sent, received');
      rejects(field('ds_people', 'source'), 'admin', 'must be one of: user, connection');
    });
  });
});
