/** The calendar feature block over ds_events (Mydex OpenAPI, tag Calendar; contract §7). */
import { ValidationError } from '../errors.ts';
import type { WireFields } from '../wire.ts';
import type { DataCaller, DatasetService } from '../pds/dataset-service.ts';
import type { RowView } from '../pds/row-page.ts';
import {
  ADD_APPOINTMENT,
  ADD_EVENT,
  APPOINTMENT_TYPE,
  CALENDAR_DATASET,
  CALENDAR_EVENT_VIEW,
  UPDATE_EVENT,
} from './calendar-fields.ts';
import { allRows, deleteRow, insertRow, updateRow } from './member-call.ts';
import { requiredInteger, requiredText, toRow, type FeatureRow, type RowChange } from './request-fields.ts';
import { intOf, project } from './wire-view.ts';

export class CalendarService {
  constructor(private readonly datasets: DatasetService) {}

  /** `row`: an AddEventRequestBody read through the block's field table (parseAddEvent). */
  addEvent(call: DataCaller, row: FeatureRow) {
    return insertRow(this.datasets, call, CALENDAR_DATASET, row);
  }

  addAppointment(call: DataCaller, row: FeatureRow) {
    return insertRow(this.datasets, call, CALENDAR_DATASET, { ...row, type: APPOINTMENT_TYPE });
  }

  /** Decided: calendar order (start time, then id). */
  async events(call: DataCaller): Promise<{ success: 1; events: Record<string, unknown>[] }> {
    const rows = await allRows(this.datasets, call, CALENDAR_DATASET);
    return { success: 1, events: byStart(rows).map((r) => project(r, CALENDAR_EVENT_VIEW)) };
  }

  async appointments(
    call: DataCaller,
    { context, contextId }: AppointmentsQuery,
  ): Promise<{ success: 1; appointments: Record<string, unknown>[] }> {
    const rows = (await allRows(this.datasets, call, CALENDAR_DATASET)).filter(
      (r) => r.type === APPOINTMENT_TYPE && r.context_name === context && r.context_id === contextId,
    );
    return { success: 1, appointments: byStart(rows).map((r) => project(r, CALENDAR_EVENT_VIEW)) };
  }

  async updateEvent(call: DataCaller, { id, values }: RowChange): Promise<{ success: 1 }> {
    await updateRow(this.datasets, call, CALENDAR_DATASET, id, values);
    return { success: 1 };
  }

  async deleteEvent(call: DataCaller, id: number): Promise<{ success: 1 }> {
    await deleteRow(this.datasets, call, CALENDAR_DATASET, id);
    return { success: 1 };
  }
}

function byStart(rows: RowView[]): RowView[] {
  const start = (r: RowView) => intOf(r, 'start_timestamp') ?? Number.MAX_SAFE_INTEGER;
  return [...rows].sort((a, b) => start(a) - start(b) || Number(a.id) - Number(b.id));
}

export interface AppointmentsQuery {
  context: string;
  contextId: string;
}

export const parseAddEvent = (body: WireFields): FeatureRow => toRow(body, ADD_EVENT);
export const parseAddAppointment = (body: WireFields): FeatureRow => toRow(body, ADD_APPOINTMENT);

export function parseAppointments(q: WireFields): AppointmentsQuery {
  return { context: requiredText(q.context, 'context'), contextId: String(requiredInteger(q.context_id, 'context_id')) };
}

export function parseUpdateEvent(body: WireFields): RowChange {
  const id = requiredInteger(body.id, 'id');
  const values = toRow(body, UPDATE_EVENT, ['id']);
  if (Object.keys(values).length === 0) throw new ValidationError('At least one field other than id must be provided.');
  return { id, values };
}

/** `id` in the body as the OpenAPI has it; in the query for clients that cannot send a DELETE body. */
export function parseDeleteEvent(body: WireFields, q: WireFields): number {
  const id = requiredInteger(body.id ?? q.id, 'id');
  toRow(body, { fields: {} }, ['id']);
  return id;
}
