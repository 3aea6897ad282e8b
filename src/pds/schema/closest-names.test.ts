import { describe, expect, it } from 'vitest';
import { closestNames, didYouMean } from './closest-names.ts';
import { loadCatalogue } from './catalogue.ts';

const datasets = loadCatalogue()
  .datasets()
  .map((d) => d.name);

describe('closest names', () => {
  it('finds a dataset from a typo, a missing prefix or another case', () => {
    expect(closestNames('ds_personal_detail', datasets)).toEqual(['ds_personal_details']);
    expect(closestNames('personal_details', datasets)[0]).toBe('ds_personal_details');
    expect(closestNames('DS_REFERRALS', datasets)).toEqual(['ds_referrals']);
  });

  it('suggests nothing for a name that is nowhere near, empty, or absurdly long', () => {
    expect(closestNames('zzzzzzzzzzzz', datasets)).toEqual([]);
    expect(closestNames('', datasets)).toEqual([]);
    expect(closestNames(`ds_personal_details${'x'.repeat(1_000_000)}`, datasets)).toEqual([]);
  });

  it('words one or several suggestions as a question', () => {
    expect(didYouMean('fname', ['fname1', 'lname', 'other'])).toBe(' Did you mean fname1 or lname?');
    expect(didYouMean('ds_referral', datasets)).toBe(' Did you mean ds_referrals?');
    expect(didYouMean('nothing-like-it', datasets)).toBe('');
  });
});
