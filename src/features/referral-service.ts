/** The referrals feature block over ds_referrals (Mydex OpenAPI, tag Referrals; contract §7). */
import { NotFoundError } from '../errors.ts';
import type { WireFields } from '../wire.ts';
import type { DataCaller, DatasetService } from '../pds/dataset-service.ts';
import { allRows, insertRow, oneRow, updateRow } from './member-call.ts';
import {
  NO_AVAILABILITY,
  REFERRAL_DATASET,
  REFERRAL_LIST_VIEW,
  REFERRAL_SINGLE_VIEW,
  SELF_REFER,
  SELF_REFERRED,
  UPDATE_STATUS,
} from './referral-fields.ts';
import { requiredInteger, toRow, type FeatureRow, type RowChange } from './request-fields.ts';
import { project } from './wire-view.ts';

/** A new referral row: the given fields, no availability as empty AM/PM lists, status Referred. */
export function referralRow(values: Record<string, unknown>, type: string): Record<string, unknown> {
  return { referree_availability: NO_AVAILABILITY, ...values, type, status: 'Referred' };
}

export class ReferralService {
  constructor(private readonly datasets: DatasetService) {}

  selfRefer(call: DataCaller, row: FeatureRow) {
    return insertRow(this.datasets, call, REFERRAL_DATASET, referralRow(row, SELF_REFERRED));
  }

  /** Decided: in the order they were made (id). */
  async readAll(call: DataCaller): Promise<{ success: 1; referrals: Record<string, unknown>[] }> {
    const rows = await allRows(this.datasets, call, REFERRAL_DATASET);
    return { success: 1, referrals: rows.map((r) => project(r, REFERRAL_LIST_VIEW)) };
  }

  async readSingle(call: DataCaller, id: number): Promise<{ success: 1; referral: Record<string, unknown> }> {
    const row = await oneRow(this.datasets, call, REFERRAL_DATASET, id);
    if (!row) throw new NotFoundError(`No referral with id ${id}.`);
    return { success: 1, referral: project(row, REFERRAL_SINGLE_VIEW) };
  }

  async updateStatus(call: DataCaller, { id, values }: RowChange): Promise<{ success: 1 }> {
    await updateRow(this.datasets, call, REFERRAL_DATASET, id, values);
    return { success: 1 };
  }
}

export const parseSelfRefer = (body: WireFields): FeatureRow => toRow(body, SELF_REFER);
export const parseReadSingle = (q: WireFields): number => requiredInteger(q.id, 'id');
export const parseUpdateStatus = (body: WireFields): RowChange => ({
  id: requiredInteger(body.id, 'id'),
  values: toRow(body, UPDATE_STATUS, ['id']),
});
