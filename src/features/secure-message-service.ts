/** The secure messages feature block over ds_secure_messages (Mydex OpenAPI, tag Secure Messages). */
import type { Clock } from '../clock.ts';
import type { WireFields } from '../wire.ts';
import type { DataCaller, DatasetService } from '../pds/dataset-service.ts';
import type { RowView } from '../pds/row-page.ts';
import { MESSAGE_DATASET, RECEIVE_MESSAGE, SECURE_MESSAGE_VIEW, SEND_MESSAGE } from './message-fields.ts';
import { allRows, insertRow } from './member-call.ts';
import { requiredText, toRow, type FeatureRow } from './request-fields.ts';
import { intOf, project } from './wire-view.ts';

/** When a message was sent or received; rows written through the dataset API may have neither. */
export function messageTime(row: RowView): number {
  return intOf(row, 'time_sent') ?? intOf(row, 'time_received') ?? intOf(row, 'created_timestamp') ?? 0;
}

export class SecureMessageService {
  constructor(
    private readonly datasets: DatasetService,
    private readonly clock: Clock,
  ) {}

  /** A message from the member: stored as `sent`, sent now. */
  send(call: DataCaller, message: FeatureRow) {
    const row = { ...message, status: 'sent', time_sent: this.clock.now() };
    return insertRow(this.datasets, call, MESSAGE_DATASET, row);
  }

  /** A message to the member: stored as `received`, received now. */
  receive(call: DataCaller, message: FeatureRow) {
    const row = { ...message, status: 'received', time_received: this.clock.now() };
    return insertRow(this.datasets, call, MESSAGE_DATASET, row);
  }

  /** Decided: oldest first, as a conversation reads. No `success` field: the OpenAPI has none. */
  async conversation(call: DataCaller, conversationId: string): Promise<{ messages: Record<string, unknown>[] }> {
    const rows = (await allRows(this.datasets, call, MESSAGE_DATASET)).filter((r) => r.conversation_id === conversationId);
    rows.sort((a, b) => messageTime(a) - messageTime(b) || Number(a.id) - Number(b.id));
    return { messages: rows.map((r) => project(r, SECURE_MESSAGE_VIEW)) };
  }
}

export const parseSend = (body: WireFields): FeatureRow => toRow(body, SEND_MESSAGE);
export const parseReceive = (body: WireFields): FeatureRow => toRow(body, RECEIVE_MESSAGE);
export const parseConversation = (q: WireFields): string => requiredText(q.conversation_id, 'conversation_id');
