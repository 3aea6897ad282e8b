/**
 * "Did you mean …?" for unknown dataset and field names: the known names within a small edit
 * distance (fastest-levenshtein), closest first. The master schema is public, so naming its
 * datasets and fields reveals nothing. A name longer than any real one is not compared at all, so
 * a megabyte of request text costs nothing here.
 */
import { distance } from 'fastest-levenshtein';

/** Longer than any dataset or field name in the schema; a longer input gets no suggestion. */
const MAX_COMPARED_LENGTH = 80;
const MAX_SUGGESTIONS = 3;

export function closestNames(given: string, known: Iterable<string>): string[] {
  if (given === '' || given.length > MAX_COMPARED_LENGTH) return [];
  const lower = given.toLowerCase();
  // Up to a quarter of the name may differ (at least one edit): `personal_details` finds
  // `ds_personal_details` and `organizer` finds `organiser`, but `message_to` is not `message_from`.
  const within = Math.max(1, Math.floor(lower.length / 4));
  const scored: [string, number][] = [];
  for (const name of known) {
    const d = distance(lower, name.toLowerCase());
    if (d <= within && name !== given) scored.push([name, d]);
  }
  // Only the closest: `ds_referral` suggests `ds_referrals`, not also `ds_referrals_log`.
  const best = Math.min(...scored.map(([, d]) => d));
  return scored
    .filter(([, d]) => d === best)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .slice(0, MAX_SUGGESTIONS)
    .map(([name]) => name);
}

/** ` Did you mean a or b?`, or '' when nothing is close. */
export function didYouMean(given: string, known: Iterable<string>): string {
  const close = closestNames(given, known);
  if (close.length === 0) return '';
  return ` Did you mean ${close.length === 1 ? close[0] : `${close.slice(0, -1).join(', ')} or ${close.at(-1)}`}?`;
}
