/**
 * Security events: one structured log line per refused credential, lock-out or forged form, at
 * `warn`, always with `"security":true` and a stable `event` name, so that an operator can alert on
 * them (docs/security.md lists each event and its fields). Never a secret or a personal value:
 * client ids, uids, addresses and reasons only.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';

export type SecurityEventName =
  /** a client presented a wrong secret at the token, introspection or revocation endpoint */
  | 'auth.client_failed'
  /** a disabled client presented its right secret */
  | 'auth.client_disabled'
  /** a client id and address (or an address) over its failure limit got 429 */
  | 'auth.client_throttled'
  /** a bearer token was missing, invalid, expired, revoked or short of a scope */
  | 'auth.bearer_refused'
  /** a dedicated connection request (SAT, Authentication, connection token hash) was refused */
  | 'auth.connection_credentials_failed'
  /** a member sign-in failed, or was refused because the account or address is locked */
  | 'auth.login_failed'
  | 'auth.login_locked'
  /** a Private Key was wrong, or refused because the member's Private Key is locked */
  | 'auth.private_key_failed'
  | 'auth.private_key_locked'
  /** a password reset code was wrong (or refused while locked), or a password was reset */
  | 'auth.reset_failed'
  | 'auth.reset_locked'
  | 'auth.password_reset'
  /** a member form arrived without its anti-CSRF token, or from another site */
  | 'csrf.refused';

export type SecurityEventFields = Record<string, string | number | boolean | null | undefined>;

export function securityEvent(
  logger: Logger | FastifyBaseLogger,
  event: SecurityEventName,
  fields: SecurityEventFields = {},
): void {
  logger.warn({ security: true, event, ...fields }, event);
}
