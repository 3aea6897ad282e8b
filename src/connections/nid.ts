import { wholeNumber } from '../ids.ts';

/** Contract §4: NIDs arrive as numbers or numeric strings (path, JSON or form body). */
export function parseNid(value: unknown): number | undefined {
  return wholeNumber(value, 1);
}
