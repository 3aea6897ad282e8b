/** Contract §4: NIDs arrive as numbers or numeric strings (path, JSON or form body). */
export function parseNid(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!/^[0-9]{1,15}$/.test(trimmed)) return undefined;
  const nid = Number(trimmed);
  return nid > 0 ? nid : undefined;
}
