/**
 * Success notices shown after a post/redirect/get. The query carries only a code from this
 * table, so nothing a third party puts in a URL can be displayed.
 */
import { idName } from './branding.ts';

const NOTICES: Record<string, string | (() => string)> = {
  'signed-out': 'You have signed out.',
  'session-ended': 'Your session ended. Sign in again to continue.',
  registered: 'Your Personal Data Store is ready.',
  password: 'Your password has been changed. Other browsers you were signed in on have been signed out.',
  'private-key': 'Your Private Key has been changed. Use the new one from now on.',
  revoked: 'The connection has been removed. The organisation can no longer read or write your data.',
  saved: 'Your changes have been saved.',
  'password-reset':
    'Your password has been reset, and every browser signed in with the old one has been signed out. Sign in with the new one.',
  locked: 'Your data is locked. Enter your Private Key to see it again.',
  'identity-removed': () => `The linked account has been removed. Organisations can no longer find your ${idName()} with it.`,
  'app-removed': 'The app can no longer sign you in, and what it was given has been taken back. It will ask you again next time.',
};

export function noticeFor(code: unknown): string | undefined {
  if (typeof code !== 'string' || !Object.hasOwn(NOTICES, code)) return undefined;
  const notice = NOTICES[code]!;
  return typeof notice === 'function' ? notice() : notice;
}
