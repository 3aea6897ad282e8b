/**
 * "Forgot password" (docs/member-web.md, "Forgotten password"). A member asks with their MydexID
 * or email address; if that names a member, a one-time code goes to the member's email address.
 * The code is typed into the reset form with the new password: nothing secret is ever in a URL.
 *
 * - Whether or not the account exists, the asker is told the same thing, and nothing is sent
 *   to anyone but the account's own address.
 * - A code works once, for RESET_CODE_SECONDS; at most MAX_CODES_PER_HOUR are sent to one
 *   member in an hour (more asks are answered the same way and send nothing).
 * - Guesses at codes are throttled per account name by the caller (the sign-in lock-out rule).
 * - A reset signs the member out everywhere and emails them that the password changed. It cannot
 *   touch the Private Key, which nobody can recover.
 */
import { randomInt } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { hashPassword } from '../crypto/kdf.ts';
import { safeEqual, sha256Hex } from '../crypto/hash.ts';
import { ValidationError } from '../errors.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { MIN_PASSWORD, sameMydexid } from './member-rules.ts';
import { MemberStore } from './member-store.ts';
import { PasswordResetStore } from './password-reset-store.ts';

export const RESET_CODE_SECONDS = 30 * 60;
const MAX_CODES_PER_HOUR = 3;
/** Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L, U/V). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTWXYZ23456789';
/** 8 characters of 29: about 39 bits, against at most 5 guesses per 15 minutes. */
const CODE_LENGTH = 8;

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What the member typed, as the code was made: capitals, no spaces or dashes. */
function normaliseCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]+/g, '');
}

const SAME_AS_MYDEXID = 'Password must not be the same as the MydexID.';

const codeHash = (uid: number, code: string) => sha256Hex(`${uid}:${code}`);

export class PasswordResetService {
  private readonly store: MemberStore;
  private readonly resets: PasswordResetStore;

  constructor(private readonly deps: ServiceDeps & { outbox: OutboxService }) {
    this.store = new MemberStore(deps.db);
    this.resets = new PasswordResetStore(deps.db);
  }

  private async member(identifier: string) {
    const name = identifier.trim();
    if (!name) return undefined;
    if (name.includes('@')) return this.store.byEmail(name.toLowerCase());
    const row = await this.store.byMydexid(name);
    return row && sameMydexid(row.mydexid, name) ? row : undefined;
  }

  /** Emails a code when `identifier` (a MydexID or email address) names a member; says nothing either way. */
  async request(identifier: string): Promise<void> {
    const member = await this.member(identifier);
    if (!member) return;
    const { db, clock, config, outbox } = this.deps;
    const now = clock.now();
    if ((await this.resets.madeSince(member.uid, now - 3600)) >= MAX_CODES_PER_HOUR) return;
    const code = newCode();
    const shown = `${code.slice(0, 4)}-${code.slice(4)}`;
    await db.transaction().execute(async (trx) => {
      await this.resets.in(trx).insert({
        uid: member.uid,
        code_hash: codeHash(member.uid, code),
        created_at: now,
        expires_at: now + RESET_CODE_SECONDS,
      });
      await outbox.enqueueMessage(trx, {
        channel: 'email',
        recipient: member.email,
        subject: 'Your code to reset your password',
        body: [
          `Someone, hopefully you, asked to reset the password of ${config.branding.idName} ${member.mydexid}.`,
          '',
          `Your code is ${shown}`,
          '',
          `Enter it at ${config.publicUrl}/forgot-password/code within ${RESET_CODE_SECONDS / 60} minutes. It works once.`,
          '',
          'If you did not ask, ignore this email: your password has not changed.',
          'Your Private Key is not affected by a password reset, and nobody can recover it for you.',
        ].join('\n'),
      });
    });
  }

  /**
   * Sets a new password when `code` is a live code of the member `identifier` names; false when
   * it is not (unknown account, wrong, used or expired code: one answer). Throws ValidationError
   * for a new password that breaks the rules, before looking at the code.
   */
  async reset(identifier: string, typedCode: string, password: string): Promise<{ uid: number } | undefined> {
    if (password.length < MIN_PASSWORD) throw new ValidationError(`Password must be at least ${MIN_PASSWORD} characters.`);
    // Checked against what was typed, before any lookup: an answer that only an existing account
    // could give would tell whether it exists.
    if (!identifier.includes('@') && sameMydexid(identifier.trim(), password)) throw new ValidationError(SAME_AS_MYDEXID);
    const member = await this.member(identifier);
    const code = normaliseCode(typedCode);
    const { db, clock, config, outbox } = this.deps;
    const now = clock.now();
    if (!member) {
      // The same hashing work as a real reset, so the answer's timing does not tell either.
      await hashPassword(password, config.argon2);
      return undefined;
    }
    const hash = await hashPassword(password, config.argon2);
    const live = await this.resets.live(member.uid, now);
    const expected = codeHash(member.uid, code);
    const match = live.find((r) => safeEqual(r.code_hash, expected));
    if (!match) return undefined;
    // Asked for by email address: only now, with a right code, may the answer depend on the account.
    if (sameMydexid(member.mydexid, password)) throw new ValidationError(SAME_AS_MYDEXID);
    const done = await db.transaction().execute(async (trx) => {
      const resets = this.resets.in(trx);
      // Spent in one conditional update: two resets racing with one code cannot both succeed.
      if (!(await resets.spend(match.id, now))) return false;
      // Every other code of the member dies with this reset, and every session ends.
      await resets.afterReset(member.uid, match.id);
      await this.store.in(trx).setPasswordHash(member.uid, hash);
      await outbox.enqueueMessage(trx, passwordChangedEmail(member, config));
      return true;
    });
    return done ? { uid: member.uid } : undefined;
  }
}

/** The email a member gets whenever their password changes, however it changed. */
export function passwordChangedEmail(member: { email: string; mydexid: string }, config: Pick<Config, 'publicUrl' | 'branding'>) {
  const { publicUrl } = config;
  return {
    channel: 'email' as const,
    recipient: member.email,
    subject: 'Your password was changed',
    body: [
      `The password of ${config.branding.idName} ${member.mydexid} was just changed. Browsers signed in with the old password have been signed out.`,
      '',
      `If this was not you, reset your password now at ${publicUrl}/forgot-password and check your connections at ${publicUrl}/me/connections.`,
    ].join('\n'),
  };
}
