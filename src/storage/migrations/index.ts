/** The ordered migration registry: append new migrations, never reorder or rename. */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';
import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-member-journey.ts';
import * as m0003 from './0003-idaas.ts';
import * as m0004 from './0004-mydexid-any-case.ts';
import * as m0005 from './0005-health-probe.ts';
import * as m0006 from './0006-row-index.ts';
import * as m0007 from './0007-oidc.ts';
import * as m0008 from './0008-unlock-window.ts';
import * as m0009 from './0009-password-resets.ts';
import * as m0010 from './0010-client-keys.ts';
import * as m0011 from './0011-consent-receipts.ts';
import * as m0012 from './0012-access-log-chain.ts';
import * as m0013 from './0013-access-log-grown-flag.ts';

export interface MigrationModule {
  name: string;
  up(db: Kysely<unknown>, d: Dialect): Promise<void>;
  down(db: Kysely<unknown>, d: Dialect): Promise<void>;
}

export const migrations: readonly MigrationModule[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0012,
  m0013,
];
