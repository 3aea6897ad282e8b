import { describe, expect, it } from 'vitest';
import rawCatalogue from './catalogue.json' with { type: 'json' };
import { TRANSACTIONAL_SYSTEM_FIELDS, loadCatalogue, parseCatalogue } from './catalogue.ts';

/**
 * Transcribed from the spec's datasets.md: each dataset's type and fields, `name:type` where the
 * spec declares a type. Fields without one are free text (varchar, or text for long prose).
 */
const SPEC: Record<string, { type: 'metadata' | 'transactional'; fields: string }> = {
  ds_personal_details: {
    type: 'metadata',
    fields: `field_personal_title field_personal_fname field_personal_mname field_personal_faname field_personal_maname
      field_personal_nickname field_personal_suffix field_personal_gender field_gender_birth field_personal_marital_status
      field_personal_email_address field_personal_mobile_phone`,
  },
  ds_home: {
    type: 'metadata',
    fields: `field_home_country field_home_county field_home_postcode field_home_address_line_1 field_home_address_line_2
      field_home_town field_home_tenancy field_home_date_from:date`,
  },
  ds_passport: {
    type: 'metadata',
    fields: `field_pp_code field_pp_date_expiry:date field_pp_date_issue:date field_pp_dob:date field_pp_expiry_alert:date
      field_pp_given_names field_pp_issuing_authority field_pp_nationality field_pp_number field_pp_place_of_birth field_pp_sex
      field_pp_surname field_pp_type`,
  },
  ds_ni: { type: 'metadata', fields: 'field_ni_name field_ni_number' },
  ds_bank_account: {
    type: 'metadata',
    fields: `field_ba_account_name field_ba_account_number field_ba_bank_name field_ba_branch field_ba_branch_country
      field_ba_branch_county field_ba_branch_postcode field_ba_branch_street field_ba_branch_telephone field_ba_branch_town
      field_ba_current_balance:currency field_ba_date_from:date field_ba_date_to:date field_ba_overdraft_limit:currency
      field_ba_sort_code field_ba_type`,
  },
  ds_utility: {
    type: 'metadata',
    fields: `field_utility_service field_utility_supplier_name field_utility_tel_number field_utility_customer_num
      field_utility_account_name field_utility_payment_method`,
  },
  ds_employment: {
    type: 'metadata',
    fields: `field_emp_employee_id field_emp_employer_name field_emp_job_title field_emp_date_from:date field_emp_date_to:date
      field_emp_work_email field_emp_work_phone`,
  },
  ds_contact_details: {
    type: 'metadata',
    fields:
      'field_contact_email field_contact_phone_home field_contact_phone_mobile field_contact_phone_work field_contact_preferred_method',
  },
  ds_address: {
    type: 'metadata',
    fields:
      'field_addr_line_1 field_addr_line_2 field_addr_town field_addr_county field_addr_postcode field_addr_country field_addr_type',
  },
  ds_referrals: {
    type: 'transactional',
    fields: `complete_time:int contact_name contact_number contact_title duration:int end_time:int external_id:int
      is_processed:int memo referree_availability:blob referree_background referree_requirements referrer_name
      service_description service_email service_id:int service_identifier:uuid service_name service_url start_time:int status type`,
  },
  ds_referrals_log: {
    type: 'transactional',
    fields: 'action start_time:int end_time:int responsible_user_id:int service_order_id:int status user_id:int',
  },
  ds_events: {
    type: 'transactional',
    fields: `title description start_timestamp:int end_timestamp:int status organiser attendee location type tags external_uid
      action trigger reminder_description context_name context_id:int`,
  },
  ds_invites: {
    type: 'transactional',
    fields: 'expire_timestamp:int identifier known_as name one_time_code recipient route status type',
  },
  ds_assurance_log: {
    type: 'transactional',
    fields:
      'assurance_created:int assurance_data_used assurance_idp assurance_level:int assurance_matching_datasets assurance_pid',
  },
  ds_variables: { type: 'transactional', fields: 'var_name var_value:blob' },
  ds_bank_account_transactions: {
    type: 'transactional',
    fields: 'transaction_date:int description amount:currency balance:currency currency_code category reference',
  },
  ds_utility_tel_calls: {
    type: 'transactional',
    fields: `utility_tel_call_charge_type utility_tel_call_cost utility_tel_call_currency_code utility_tel_call_duration
      utility_tel_call_date:int utility_tel_call_number_called utility_tel_call_type`,
  },
  ds_secure_messages: {
    type: 'transactional',
    fields: `conversation_id message_to message_from message_content time_sent:int time_received:int status service_id:int
      service_identifier:uuid`,
  },
  ds_people: { type: 'transactional', fields: 'name relationship contact_number email role notes' },
};

const specFields = (fields: string) =>
  fields
    .split(/\s+/)
    .filter(Boolean)
    .map((token) => {
      const [name = '', type] = token.split(':');
      return { name, type };
    });

const catalogue = loadCatalogue();
const field = (dataset: string, name: string) => catalogue.dataset(dataset)?.fields.get(name);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests mutate the raw JSON freely
const clone = (): { datasets: Record<string, any>; lookups: Record<string, any> } => structuredClone(rawCatalogue);

describe('the master schema catalogue', () => {
  it('holds exactly the datasets named in datasets.md', () => {
    expect(
      catalogue
        .datasets()
        .map((d) => d.name)
        .sort(),
    ).toEqual(Object.keys(SPEC).sort());
  });

  describe.each(Object.entries(SPEC))('%s', (name, spec) => {
    const ds = catalogue.dataset(name);

    it('has the declared type, a title, a description and Live status', () => {
      expect(ds?.type).toBe(spec.type);
      expect(ds?.title).toBeTruthy();
      expect(ds?.description).toBeTruthy();
      expect(ds?.status).toBe('Live');
    });

    it('has exactly the fields datasets.md lists, each with the declared type', () => {
      const listed = specFields(spec.fields);
      const own = [...(ds?.fields.values() ?? [])].filter((f) => !f.system).map((f) => f.name);
      expect(own.sort()).toEqual(listed.map((f) => f.name).sort());
      for (const { name: fieldName, type } of listed) {
        const def = ds?.fields.get(fieldName);
        if (type) expect(def?.type, fieldName).toBe(type);
        else expect(['varchar', 'text'], fieldName).toContain(def?.type);
        expect(def?.label, fieldName).toBeTruthy();
        expect(def?.description, fieldName).toBeTruthy();
      }
    });

    it('resolves the legacy alias field_' + name + ' to the same dataset', () => {
      expect(catalogue.dataset(`field_${name}`)).toBe(ds);
      expect(catalogue.canonicalName(`field_${name}`)).toBe(name);
      expect(catalogue.canonicalName(name)).toBe(name);
    });
  });

  it('gives every transactional dataset the system fields first, flagged as system', () => {
    for (const ds of catalogue.byType('transactional')) {
      expect([...ds.fields.keys()].slice(0, 5)).toEqual([...TRANSACTIONAL_SYSTEM_FIELDS]);
      expect(ds.fields.get('id')).toMatchObject({ type: 'serial', system: true });
      expect(ds.fields.get('instance')?.type).toBe('int');
      expect(ds.fields.get('source')?.enum).toEqual(['user', 'connection']);
      expect(ds.fields.get('created_timestamp')?.type).toBe('int');
    }
  });

  it('gives metadata datasets no system fields', () => {
    for (const ds of catalogue.byType('metadata')) {
      for (const name of TRANSACTIONAL_SYSTEM_FIELDS) expect(ds.fields.has(name)).toBe(false);
    }
  });

  it('splits the datasets by type', () => {
    expect(catalogue.byType('metadata')).toHaveLength(9);
    expect(catalogue.byType('transactional')).toHaveLength(10);
    expect(catalogue.byType('metadata').every((d) => d.type === 'metadata')).toBe(true);
  });

  it('answers undefined for unknown names and malformed aliases', () => {
    for (const name of ['ds_nope', 'field_ds_nope', 'field_personal_fname', 'field_field_ds_home', 'home', 'DS_HOME', '']) {
      expect(catalogue.dataset(name), name).toBeUndefined();
      expect(catalogue.canonicalName(name), name).toBeUndefined();
    }
  });

  it('is memoised', () => {
    expect(loadCatalogue()).toBe(catalogue);
  });
});

describe('lookups', () => {
  it('ships every lookup datasets.md names', () => {
    const names = catalogue.lookups().map((l) => l.name);
    for (const suffix of [
      'bank_acc_type',
      'comm_type',
      'country',
      'gender',
      'home_tenancy',
      'marital_status',
      'pronouns',
      'property_type',
      'title',
      'utility_service',
    ]) {
      expect(names).toContain(`lu_${suffix}`);
    }
  });

  it('lists exactly the utility services datasets.md gives', () => {
    expect(catalogue.lookup('lu_utility_service')?.options).toEqual([
      'Broadband',
      'Electricity',
      'Gas',
      'Gas & Electricity',
      'Oil',
      'Telephone',
      'Water',
    ]);
  });

  it('resolves with or without the lu_ prefix', () => {
    expect(catalogue.lookup('country')).toBe(catalogue.lookup('lu_country'));
    expect(catalogue.lookup('country')?.options).toContain('United Kingdom');
    expect(catalogue.lookup('nope')).toBeUndefined();
  });

  it.each([
    ['ds_home', 'field_home_tenancy', 'lu_home_tenancy'],
    ['ds_contact_details', 'field_contact_preferred_method', 'lu_comm_type'],
    ['ds_address', 'field_addr_country', 'lu_country'],
    ['ds_utility', 'field_utility_service', 'lu_utility_service'],
    ['ds_personal_details', 'field_personal_title', 'lu_title'],
    ['ds_personal_details', 'field_personal_gender', 'lu_gender'],
    ['ds_personal_details', 'field_personal_marital_status', 'lu_marital_status'],
    ['ds_bank_account', 'field_ba_type', 'lu_bank_acc_type'],
  ])('attaches %s.%s to %s', (ds, name, lookup) => {
    expect(field(ds, name)?.lookup).toBe(lookup);
    expect(catalogue.lookup(lookup)?.options.length).toBeGreaterThan(0);
  });

  it('resolves every lookup any field uses', () => {
    for (const ds of catalogue.datasets()) {
      for (const f of ds.fields.values()) if (f.lookup) expect(catalogue.lookup(f.lookup), f.name).toBeDefined();
    }
  });

  it.each([
    ['ds_events', 'status', ['INVITED', 'TENTATIVE', 'CONFIRMED', 'REJECTED', 'CANCELLED']],
    ['ds_secure_messages', 'status', ['sent', 'received']],
    ['ds_invites', 'route', ['email', 'SMS', 'mydexId']],
  ])('restricts %s.%s to its enum', (ds, name, values) => {
    expect(field(ds, name)?.enum).toEqual(values);
  });
});

describe('parseCatalogue', () => {
  it('accepts the shipped catalogue', () => {
    expect(() => parseCatalogue(clone())).not.toThrow();
  });

  it('rejects a field whose lookup does not exist', () => {
    const raw = clone();
    raw.datasets.ds_home.fields.field_home_tenancy.lookup = 'lu_missing';
    expect(() => parseCatalogue(raw)).toThrow(/unknown lookup lu_missing/);
  });

  it('rejects a transactional dataset that lists a system field', () => {
    const raw = clone();
    raw.datasets.ds_people.fields.id = { type: 'serial', label: 'Id', description: 'Row id' };
    expect(() => parseCatalogue(raw)).toThrow(/system field/);
  });

  it('rejects an unknown field type', () => {
    const raw = clone();
    raw.datasets.ds_ni.fields.field_ni_number.type = 'number';
    expect(() => parseCatalogue(raw)).toThrow(/Invalid dataset catalogue/);
  });

  it('rejects unknown keys and badly named datasets', () => {
    const extraKey = clone();
    extraKey.datasets.ds_ni.fields.field_ni_name.colour = 'red';
    expect(() => parseCatalogue(extraKey)).toThrow();
    const badName = clone();
    badName.datasets['Not A Name'] = badName.datasets.ds_ni;
    expect(() => parseCatalogue(badName)).toThrow();
  });
});
