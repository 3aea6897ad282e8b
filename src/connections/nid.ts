import { wholeNumber } from '../ids.ts';

/** Contract §4: NIDs arrive as numbers or numeric strings (path, JSON or form body). */
export function parseNid(value: unknown): number | undefined {
  return wholeNumber(value, 1);
}

/** Contract §3: the connection id (`con_id`) of a member and a connection, `<uid>-<nid>`. */
export function conIdOf(uid: number | string, nid: number): string {
  return `${uid}-${nid}`;
}
