import { randomInt } from 'node:crypto';

const FIRST_RETRY_SECONDS = 5;
const MAX_RETRY_SECONDS = 3600;
/** Contract §5.3: retried for 24 h, then given up. */
export const DELIVERY_WINDOW_SECONDS = 24 * 3600;

/**
 * Seconds until the next attempt after `attempts` failures: 5 s, 10 s, 20 s … capped at 1 h,
 * each ±20% (jitter from the CSPRNG) so that receivers coming back up are not hit in step.
 * A receiver's Retry-After (429/503) is honoured up to the cap.
 */
export function retryDelay(attempts: number, retryAfter?: number): number {
  const base = Math.min(FIRST_RETRY_SECONDS * 2 ** Math.min(Math.max(attempts - 1, 0), 20), MAX_RETRY_SECONDS);
  const jittered = Math.round((base * (100 + randomInt(-20, 21))) / 100);
  return Math.max(1, jittered, Math.min(retryAfter ?? 0, MAX_RETRY_SECONDS));
}
