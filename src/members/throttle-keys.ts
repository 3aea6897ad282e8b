/**
 * The names of the auth_throttle rows (src/members/auth-throttle-store.ts), in one place so that erasure can
 * delete exactly a member's own rows. Never match them with LIKE: `_` and `%` are wildcards there,
 * and a MydexID may hold `_` (docs/security.md, "Exact keys").
 */
import { sha256Hex } from '../crypto/hash.ts';
import { canonicalMydexid } from './member-rules.ts';

/** Long enough for any valid MydexID; an over-long guess shares one row instead of making many. */
const MAX_KEYED_MYDEXID = 128;

export const throttleKeys = {
  /** password guesses against one account, whatever case the MydexID was typed in */
  login: (mydexid: string) => `login:${canonicalMydexid(mydexid).slice(0, MAX_KEYED_MYDEXID)}`,
  /** password guesses from one address, at any account */
  loginAddress: (address: string) => `login-ip:${address}`,
  /** accounts made from one address */
  registerAddress: (address: string) => `register-ip:${address}`,
  /** asks for password reset codes from one address */
  resetAddress: (address: string) => `reset-ip:${address}`,
  /**
   * password reset code guesses against one account name (a MydexID or an email address, hashed:
   * an email address is personal data and must not sit in this table in the clear)
   */
  resetCode: (identifier: string) => `reset:${sha256Hex(identifierKey(identifier))}`,
  /** Private Key guesses against one member */
  privateKey: (uid: number) => `pk:${uid}`,
  /** every row that belongs to one member, and to nobody else: erased with the member */
  ofMember: (member: { uid: number; mydexid: string; email?: string }) => [
    throttleKeys.login(member.mydexid),
    throttleKeys.privateKey(member.uid),
    throttleKeys.resetCode(member.mydexid),
    ...(member.email ? [throttleKeys.resetCode(member.email)] : []),
  ],
};

function identifierKey(identifier: string): string {
  const s = identifier.trim();
  return s.includes('@') ? s.toLowerCase() : canonicalMydexid(s).slice(0, MAX_KEYED_MYDEXID);
}
