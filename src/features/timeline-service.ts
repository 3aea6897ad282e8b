/**
 * The timeline (Mydex OpenAPI, tag Timeline): calendar events, referrals and secure messages of
 * the member in one list. Decided: newest first by item time (an event's start, a referral's
 * creation, a message's sending or receipt), ties by id, newest first; the timeline shows the
 * blocks whose dataset the connection may read and is refused (403) only when it may read none.
 * Row ids are unique across datasets, so an item's `id` is its record's id.
 */
import { readableFields } from '../connections/dssa.ts';
import { NotFoundError, PdxError, ValidationError } from '../errors.ts';
import type { Members } from '../members/members.ts';
import type { WireFields } from '../wire.ts';
import type { DataCaller, DatasetService } from '../pds/dataset-service.ts';
import type { RowView } from '../pds/row-page.ts';
import { CALENDAR_DATASET, CALENDAR_ITEM_VIEW, CALENDAR_TIMELINE_VIEW } from './calendar-fields.ts';
import { displayTime, durationText, isoTime } from './display-time.ts';
import { allRows, oneRow } from './member-call.ts';
import { MESSAGE_DATASET, MESSAGE_ITEM_VIEW, MESSAGE_TIMELINE_VIEW } from './message-fields.ts';
import { REFERRAL_DATASET, REFERRAL_ITEM_VIEW, REFERRAL_TIMELINE_VIEW } from './referral-fields.ts';
import { requiredInteger } from './request-fields.ts';
import { messageTime } from './secure-message-service.ts';
import { intOf, project } from './wire-view.ts';

type Item = Record<string, unknown>;

interface TimelineBlock {
  name: 'referrals' | 'secure_messages' | 'calendar';
  dataset: string;
  /** the item's time, from readable fields only */
  at(row: RowView): number;
  listItem(row: RowView, at: number): Item;
  singleItem(row: RowView, at: number): Item;
}

const created = (row: RowView) => intOf(row, 'created_timestamp') ?? 0;

/** Start, end and duration of an event, in the given time format, when both ends are readable. */
function eventTimes(row: RowView, format: (s: number) => string): Item {
  const start = intOf(row, 'start_timestamp');
  const end = intOf(row, 'end_timestamp');
  const out: Item = {};
  if (start !== undefined) out.start_timestamp = format(start);
  if (end !== undefined) out.end_timestamp = format(end);
  if (start !== undefined && end !== undefined && end >= start) {
    out.duration_string = durationText(end - start);
    // Mydex's own example (0.0416… for one hour): the duration in days.
    out.duration_of_event = (end - start) / 86400;
  }
  return out;
}

const TIMELINE_BLOCKS: readonly TimelineBlock[] = [
  {
    name: 'calendar',
    dataset: CALENDAR_DATASET,
    at: (row) => intOf(row, 'start_timestamp') ?? created(row),
    listItem: (row, at) => ({
      feature_block: 'calendar',
      ...project(row, CALENDAR_TIMELINE_VIEW),
      start_timestamp: isoTime(at),
      item_timestamp: at,
      ...withoutStart(eventTimes(row, isoTime)),
    }),
    singleItem: (row) => ({ feature_block: 'calendar', ...project(row, CALENDAR_ITEM_VIEW), ...eventTimes(row, displayTime) }),
  },
  {
    name: 'referrals',
    dataset: REFERRAL_DATASET,
    at: created,
    listItem: (row, at) => ({
      feature_block: 'referrals',
      ...project(row, REFERRAL_TIMELINE_VIEW),
      start_timestamp: isoTime(at),
      item_timestamp: at,
    }),
    singleItem: (row, at) => ({
      feature_block: 'referrals',
      ...project(row, REFERRAL_ITEM_VIEW),
      start_timestamp: displayTime(at),
    }),
  },
  {
    name: 'secure_messages',
    dataset: MESSAGE_DATASET,
    at: messageTime,
    listItem: (row, at) => ({
      feature_block: 'secure_messages',
      ...project(row, MESSAGE_TIMELINE_VIEW),
      start_timestamp: isoTime(at),
      item_timestamp: at,
    }),
    singleItem: (row, at) => ({
      feature_block: 'secure_messages',
      ...project(row, MESSAGE_ITEM_VIEW),
      start_timestamp: displayTime(at),
      item_timestamp: at,
    }),
  },
];

function withoutStart(times: Item): Item {
  const { start_timestamp: _start, ...rest } = times;
  return rest;
}

export class TimelineService {
  constructor(private readonly deps: { datasets: DatasetService; members: Members }) {}

  async list(call: DataCaller): Promise<{ success: 1; timeline: Item[] }> {
    const blocks = await this.readableBlocks(call);
    const entries: { at: number; id: number; item: Item }[] = [];
    for (const block of blocks) {
      for (const row of await allRows(this.deps.datasets, call, block.dataset)) {
        const at = block.at(row);
        entries.push({ at, id: Number(row.id), item: block.listItem(row, at) });
      }
    }
    entries.sort((a, b) => b.at - a.at || b.id - a.id);
    return { success: 1, timeline: entries.map((e) => e.item) };
  }

  async single(call: DataCaller, { block, id }: TimelineItemRef): Promise<{ success: 1; timeline_item: Item }> {
    const row = await oneRow(this.deps.datasets, call, block.dataset, id);
    if (!row) throw new NotFoundError(`No ${block.name} item with id ${id}.`);
    return { success: 1, timeline_item: block.singleItem(row, block.at(row)) };
  }

  /** The blocks whose dataset the connection may read; the credentials are checked here first. */
  private async readableBlocks(call: DataCaller): Promise<TimelineBlock[]> {
    const access = await this.deps.members.access.check(call.principal, call.conId, call.key, [], call.uid);
    access.keys.wipe();
    const blocks = TIMELINE_BLOCKS.filter((b) => readableFields(access.dssa.permissions, b.dataset).length > 0);
    if (blocks.length === 0) {
      throw new PdxError(
        403,
        'Access denied',
        `This connection may not read ${TIMELINE_BLOCKS.map((b) => b.dataset).join(', ')}.`,
      );
    }
    return blocks;
  }
}

/** Which timeline item: its feature block and its row id there. */
export interface TimelineItemRef {
  block: TimelineBlock;
  id: number;
}

export function parseTimelineItem(q: WireFields): TimelineItemRef {
  const block = TIMELINE_BLOCKS.find((b) => b.name === q.feature_block);
  if (!block) {
    throw new ValidationError(`feature_block must be one of: ${TIMELINE_BLOCKS.map((b) => b.name).join(', ')}.`);
  }
  return { block, id: requiredInteger(q.feature_block_id, 'feature_block_id') };
}
