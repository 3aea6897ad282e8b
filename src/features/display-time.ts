/**
 * Time formats of the timeline (Mydex OpenAPI examples): list items carry ISO 8601
 * (`2025-03-26T09:15:00Z`), single items a display form (`26th March 2026, 3:52 pm`). Decided: both
 * in UTC, since a subscriber serves members in any zone and the raw unix time travels alongside.
 */
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function displayTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const hour = d.getUTCHours() % 12 || 12;
  const minutes = String(d.getUTCMinutes()).padStart(2, '0');
  const half = d.getUTCHours() < 12 ? 'am' : 'pm';
  return `${ordinal(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hour}:${minutes} ${half}`;
}

function ordinal(day: number): string {
  const teen = day % 100 >= 11 && day % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][day % 10] ?? 'th');
  return `${day}${suffix}`;
}

const UNITS: readonly [string, number][] = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** `1 hour`, `1 hour 30 minutes`, `2 days 3 hours`; seconds are dropped, zero is `0 minutes`. */
export function durationText(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.floor(seconds);
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.length ? parts.join(' ') : '0 minutes';
}
