/**
 * Members (contract §8), in four parts a reader can find: their accounts, their own keys, their
 * grants to connections, and the check that a subscriber's call may act for them. The Private Key
 * and member keys are never stored: an Argon2id KEK of the Private Key wraps each dataset's data
 * key, and at consent the granted datasets' keys are wrapped again under an HKDF key of the new
 * member key.
 */
import type { ConnectionService } from '../connections/connection-service.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { ConnectionAccessCheck } from './connection-access.ts';
import { Grants } from './grants.ts';
import type { ConsentReceipts } from '../receipts/consent-receipts.ts';
import { MemberAccounts } from './member-accounts.ts';
import { MemberKeys } from './member-keys.ts';

export interface Members {
  accounts: MemberAccounts;
  keys: MemberKeys;
  grants: Grants;
  access: ConnectionAccessCheck;
}

export function createMembers(
  deps: ServiceDeps & { connections: ConnectionService; outbox: OutboxService; receipts: ConsentReceipts },
): Members {
  const accounts = new MemberAccounts(deps);
  const keys = new MemberKeys(deps);
  const grants = new Grants({ ...deps, accounts, keys });
  return { accounts, keys, grants, access: new ConnectionAccessCheck({ connections: deps.connections, grants }) };
}
