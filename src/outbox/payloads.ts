/** The bodies the outbox delivers to subscribers (contract §5.3, §5.4) and to members. */
import type { DssaPermissions } from '../connections/dssa.ts';
import { conIdOf } from '../connections/nid.ts';
import type { CallbackInput, ChangeInput, ConnectionEventInput } from './outbox-service.ts';

/** What is sealed in `outbox.payload_enc`. */
export interface OutboxPayload {
  contentType: string;
  body: string;
  /** email and SMS: the `messages` row to mark sent or failed, and the email subject */
  messageId?: number;
  subject?: string;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/**
 * Contract §5.3: `uid, mydexid, key, connection_id` and
 * `fields[<dataset>][<instance>][<field>][access][r|w][a|s]` for every field the DSSA lists.
 * Grants are per dataset, not per instance, so the instance is always 0.
 */
export function callbackBody(input: CallbackInput): OutboxPayload {
  const form = new URLSearchParams({
    uid: String(input.uid),
    mydexid: input.mydexid,
    key: input.memberKey,
    connection_id: input.conId,
  });
  // e.g. the IDaaS linking_token a subscriber gave when it asked for the link
  for (const [name, value] of Object.entries(input.extra ?? {})) form.append(name, value);
  for (const [name, value] of permissionFields(input.permissions)) form.append(name, value);
  // Beyond Mydex, last so that Mydex's body stays a prefix: the signed receipt of this consent.
  if (input.consentReceipt) form.append('consent_receipt', input.consentReceipt);
  return { contentType: FORM, body: form.toString() };
}

function* permissionFields(p: DssaPermissions): Generator<[string, string]> {
  for (const [dataset, fields] of Object.entries(p)) {
    for (const [field, access] of Object.entries(fields)) {
      for (const mode of ['r', 'w'] as const) {
        const prefix = `fields[${dataset}][0][${field}][access][${mode}]`;
        yield [`${prefix}[a]`, String(access[mode].a)];
        yield [`${prefix}[s]`, access[mode].s];
      }
    }
  }
}

/** Contract §5.4: every value a string. */
export function changeBody(input: ChangeInput, nid: number): OutboxPayload {
  const uid = String(input.uid);
  return json({
    type: 'notification',
    uid,
    message: `Data for member ${uid} has changed`,
    dataset: input.dataset,
    connection_id: conIdOf(uid, nid),
    action: input.action,
    updated_id: input.updatedId,
  });
}

/** Decided: the same thin shape as a notification, so one subscriber handler reads both. */
export function connectionEventBody(input: ConnectionEventInput): OutboxPayload {
  const uid = String(input.uid);
  const conId = conIdOf(uid, input.nid);
  return json({
    type: input.event,
    uid,
    connection_id: conId,
    message:
      input.event === 'connection.revoked'
        ? `Member ${uid} ended connection ${conId}`
        : `Member ${uid} deleted their account; connection ${conId} has ended`,
  });
}

function json(value: Record<string, string>): OutboxPayload {
  return { contentType: JSON_TYPE, body: JSON.stringify(value) };
}
