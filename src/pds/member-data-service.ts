/**
 * The member's own view of their PDS: every dataset, readable after they enter their Private
 * Key; edits (which notify connected subscribers); and a full export (GDPR Art. 20).
 */
import { listed, MAX_REASON_LENGTH, PdxError } from '../errors.ts';
import type { AccountService } from '../members/account-service.ts';
import type { DataKeyRing } from '../members/key-ring.ts';
import type { Members } from '../members/members.ts';
import type { ConsentReceipts } from '../receipts/consent-receipts.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { unknownDatasetReason } from './dataset-params.ts';
import type { FieldValues, PdsStore, StoredRow } from './pds-store.ts';
import { validateValue } from './schema/values.ts';

export interface DatasetContent {
  name: string;
  title: string;
  type: 'metadata' | 'transactional';
  /** metadata: instance number → values */
  instances: Record<string, FieldValues>;
  /** transactional: rows, oldest first */
  rows: (StoredRow & { values: FieldValues })[];
}

export class MemberDataService {
  constructor(
    private readonly deps: ServiceDeps & { members: Members; accounts: AccountService; pds: PdsStore; receipts: ConsentReceipts },
  ) {}

  /** The member's data keys, unwrapped with their Private Key (WrongPrivateKeyError if it is not). */
  unlock(uid: number, privateKey: string): Promise<DataKeyRing> {
    return this.deps.members.keys.unlock(uid, privateKey);
  }

  private async withKeys<T>(uid: number, privateKey: string, fn: (keys: DataKeyRing) => Promise<T>): Promise<T> {
    const keys = await this.unlock(uid, privateKey);
    try {
      return await fn(keys);
    } finally {
      keys.wipe();
    }
  }

  /** Every dataset with its content (empty ones too, so the member can fill them in). */
  view(uid: number, privateKey: string): Promise<DatasetContent[]> {
    return this.withKeys(uid, privateKey, (keys) => this.viewWith(uid, keys));
  }

  /** view(), with keys already unwrapped (the web app's unlock window). */
  viewWith(uid: number, keys: DataKeyRing): Promise<DatasetContent[]> {
    return this.deps.pds.read(uid, keys, async (r) => {
      const out: DatasetContent[] = [];
      for (const ds of this.deps.catalogue.datasets()) {
        if (!keys.has(ds.name)) continue;
        const content: DatasetContent = { name: ds.name, title: ds.title, type: ds.type, instances: {}, rows: [] };
        if (ds.type === 'metadata') {
          for (const [n, values] of await r.metadata(ds.name)) content.instances[String(n)] = values;
        } else {
          content.rows = await r.rows(ds.name);
        }
        out.push(content);
      }
      return out;
    });
  }

  /** The member edits a metadata instance or (with `rowId`) a row; subscribers are notified. */
  edit(
    uid: number,
    privateKey: string,
    datasetName: string,
    target: { instance?: number; rowId?: number },
    input: Record<string, unknown>,
  ): Promise<void> {
    return this.withKeys(uid, privateKey, (keys) => this.editWith(uid, keys, datasetName, target, input));
  }

  /** edit(), with keys already unwrapped. */
  async editWith(
    uid: number,
    keys: DataKeyRing,
    datasetName: string,
    target: { instance?: number; rowId?: number },
    input: Record<string, unknown>,
  ): Promise<void> {
    const ds = this.deps.catalogue.dataset(datasetName);
    if (!ds) throw new PdxError(404, 'Unknown dataset', unknownDatasetReason(datasetName, this.deps.catalogue));
    const values: FieldValues = {};
    const problems: string[] = [];
    for (const [field, raw] of Object.entries(input)) {
      const def = ds.fields.get(field);
      if (!def || def.system) {
        problems.push(`${field} is not a field of ${ds.title}`);
        continue;
      }
      const r = validateValue(def, raw === '' ? null : raw, this.deps.catalogue);
      if (r.ok) values[field] = r.value;
      else problems.push(`${def.label} ${r.problem}`);
    }
    if (problems.length) throw new PdxError(400, 'Invalid value', `${listed(problems, '; ', MAX_REASON_LENGTH)}.`);
    await this.deps.pds.transact(uid, keys, async (w) => {
      if (ds.type === 'metadata') {
        await w.mergeMetadata(ds.name, target.instance ?? 0, values);
      } else if (target.rowId !== undefined) {
        if (!(await w.row(ds.name, target.rowId))) throw new PdxError(404, 'Not found', `No such ${ds.title} entry.`);
        await w.updateRow(ds.name, target.rowId, values);
      } else {
        await w.insertRow(ds.name, target.instance ?? 0, 'user', values);
      }
      await w.recordAccess({ nid: null, actor: 'member', dataset: ds.name, fields: Object.keys(values), action: 'write' });
    });
  }

  /** Everything the PDS holds about the member, as one JSON document. */
  export(uid: number, privateKey: string): Promise<Record<string, unknown>> {
    return this.withKeys(uid, privateKey, (keys) => this.exportWith(uid, keys));
  }

  /** export(), with keys already unwrapped. */
  async exportWith(uid: number, keys: DataKeyRing): Promise<Record<string, unknown>> {
    const member = await this.deps.members.accounts.getMember({ uid });
    const datasets = await this.viewWith(uid, keys);
    const data: Record<string, unknown> = {};
    for (const ds of datasets) {
      if (ds.type === 'metadata' && Object.keys(ds.instances).length) {
        data[ds.name] = Object.fromEntries(Object.entries(ds.instances).map(([n, v]) => [`instance_${n}`, v]));
      } else if (ds.type === 'transactional' && ds.rows.length) {
        data[ds.name] = ds.rows.map((r) => ({
          id: r.id,
          instance: r.instance,
          source: r.source,
          created_timestamp: r.createdAt,
          updated_timestamp: r.updatedAt,
          ...r.values,
        }));
      }
    }
    return {
      format: 'openpdx-export/1',
      exported_at: new Date(this.deps.clock.now() * 1000).toISOString(),
      member: member && { uid: member.uid, mydexid: member.mydexid, email: member.email, created_at: member.createdAt },
      datasets: data,
      connections: await this.deps.accounts.connections(uid),
      access_log: await this.deps.accounts.accessLog(uid, 1000),
      // Signed (docs/consent-receipts.md): `openpdx receipt verify` checks them in this file.
      consent_receipts: (await this.deps.receipts.ofMember(uid)).map((r) => ({
        id: r.id,
        nid: r.nid,
        sequence: r.sequence,
        event: r.event,
        receipt: r.jws,
      })),
    };
  }
}
