/** The referrals feature block over ds_referrals (Mydex OpenAPI, tag Referrals; contract §7). */
import { NotFoundError } from '../errors.ts';
import type { DataCall, DatasetService, Query } from '../pds/dataset-service.ts';
import { allRows, oneRow } from './member-call.ts';
import {
  NO_AVAILABILITY,
  REFERRAL_DATASET,
  REFERRAL_LIST_VIEW,
  REFERRAL_SINGLE_VIEW,
  SELF_REFER,
  SELF_REFERRED,
  UPDATE_STATUS,
} from './referral-fields.ts';
import { requiredInteger, toRow } from './request-fields.ts';
import { project } from './wire-view.ts';

const ON_REFERRALS = { dataset: REFERRAL_DATASET };

/** A new referral row: the given fields, no availability as empty AM/PM lists, status Referred. */
export function referralRow(values: Record<string, unknown>, type: string): Record<string, unknown> {
  return { referree_availability: NO_AVAILABILITY, ...values, type, status: 'Referred' };
}

export class ReferralService {
  constructor(private readonly datasets: DatasetService) {}

  selfRefer(call: DataCall, body: Record<string, unknown>) {
    return this.datasets.insertRows(call, ON_REFERRALS, referralRow(toRow(body, SELF_REFER), SELF_REFERRED));
  }

  /** Decided: in the order they were made (id). */
  async readAll(call: DataCall): Promise<{ success: 1; referrals: Record<string, unknown>[] }> {
    const rows = await allRows(this.datasets, call, REFERRAL_DATASET);
    return { success: 1, referrals: rows.map((r) => project(r, REFERRAL_LIST_VIEW)) };
  }

  async readSingle(call: DataCall, q: Query): Promise<{ success: 1; referral: Record<string, unknown> }> {
    const id = requiredInteger(q.id, 'id');
    const row = await oneRow(this.datasets, call, REFERRAL_DATASET, id);
    if (!row) throw new NotFoundError(`No referral with id ${id}.`);
    return { success: 1, referral: project(row, REFERRAL_SINGLE_VIEW) };
  }

  async updateStatus(call: DataCall, body: Record<string, unknown>): Promise<{ success: 1 }> {
    const id = requiredInteger(body.id, 'id');
    await this.datasets.updateRow(call, { ...ON_REFERRALS, id: String(id) }, toRow(body, UPDATE_STATUS, ['id']));
    return { success: 1 };
  }
}
