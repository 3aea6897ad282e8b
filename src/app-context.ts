/**
 * The composition root: builds every service from a validated config and hands dependencies
 * down explicitly. Tests call createAppContext with overrides (clock, logger, database URL).
 */
import { Metrics } from './metrics.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config/config.ts';
import { ConnectionService } from './connections/connection-service.ts';
import { ConsentService } from './consent/consent-service.ts';
import { MasterKeyRing } from './crypto/master-key.ts';
import { FeatureBlocks } from './features/feature-blocks.ts';
import { ExternalIdentities } from './idaas/external-identities.ts';
import { IdaasInvites } from './idaas/idaas-invites.ts';
import { idaasCallbackExtras, IdaasLinks } from './idaas/idaas-links.ts';
import { IdaasLookups } from './idaas/idaas-lookups.ts';
import { IdaasNotifications } from './idaas/idaas-notifications.ts';
import { createLogger } from './logger.ts';
import { AccountService } from './members/account-service.ts';
import { PasswordResetService } from './members/password-reset-service.ts';
import { AuthThrottle } from './members/auth-throttle-store.ts';
import { ConsentReceipts } from './receipts/consent-receipts.ts';
import { AccessLogService } from './access-log/access-log-service.ts';
import { createMembers, type Members } from './members/members.ts';
import { OidcService } from './oidc/oidc-service.ts';
import { errorPage } from './web/views/error-view.ts';
import { signedOutPage, signOutPage } from './web/views/sign-in-views.ts';
import { OAuthService } from './oauth/oauth-service.ts';
import { OutboxService } from './outbox/outbox-service.ts';
import { loadCatalogue, type Catalogue } from './pds/schema/catalogue.ts';
import { DatasetService } from './pds/dataset-service.ts';
import { MemberDataService } from './pds/member-data-service.ts';
import { openDatabase, type DatabaseHandle, type OpenOptions } from './storage/dialect.ts';
import { DatabaseAvailability } from './storage/availability.ts';
import { migrateToLatest } from './storage/migrator.ts';
import type { Database } from './storage/schema.ts';
import { loadTemplateRegistry } from './templates/template-registry.ts';
import { TemplateService } from './templates/template-service.ts';
import { MemberSessions } from './web/member-session-store.ts';

export interface AppContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: DatabaseHandle;
  /** whether the database is serving, as this process sees it (503s, /readyz, outage logs) */
  availability: DatabaseAvailability;
  db: Kysely<Database>;
  masterKeys: MasterKeyRing;
  catalogue: Catalogue;
  metrics: Metrics;
  oauth: OAuthService;
  /** Sign in with MydexID: the OpenID Connect provider (docs/oidc.md) */
  oidc: OidcService;
  connections: ConnectionService;
  members: Members;
  /** signed consent receipts, chained per member and connection (docs/consent-receipts.md) */
  receipts: ConsentReceipts;
  /** the access log's signed checkpoints and the member's download of it (docs/access-log.md) */
  accessLog: AccessLogService;
  datasets: DatasetService;
  outbox: OutboxService;
  consent: ConsentService;
  accounts: AccountService;
  /** "Forgot password": one-time codes by email (docs/member-web.md) */
  passwordResets: PasswordResetService;
  /** the member web app's sessions (table member_sessions) */
  sessions: MemberSessions;
  /** back-off and lock-out for passwords and Private Keys, shared by every process (table auth_throttle) */
  authThrottle: AuthThrottle;
  memberData: MemberDataService;
  features: FeatureBlocks;
  templates: TemplateService;
  idaas: {
    identities: ExternalIdentities;
    links: IdaasLinks;
    notifications: IdaasNotifications;
    invites: IdaasInvites;
    lookups: IdaasLookups;
  };
  close(): Promise<void>;
}

export interface ContextOverrides {
  logger?: Logger;
  clock?: Clock;
  databaseOptions?: OpenOptions;
  /** run migrations on open (default true) */
  migrate?: boolean;
  /** start background workers such as outbox delivery (default true; admin commands pass false) */
  startWorkers?: boolean;
}

export async function createAppContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const masterKeys = new MasterKeyRing(resolveMasterKey(config, logger));
  const database = await openDatabase(config.databaseUrl, {
    pgPreparedStatements: config.pgPreparedStatements,
    // An idle connection dropped by a PostgreSQL restart: the next query reconnects (or meets the outage).
    onConnectionError: (err) =>
      logger.warn({ event: 'database.connection_lost', err: err.message }, 'a database connection was dropped'),
    ...overrides.databaseOptions,
  });
  // A step that fails after the database is open (a migration, loading keys: an outage, say)
  // closes it again, so a caller that retries does not leak connections.
  try {
    return await assemble(config, overrides, { logger, clock, masterKeys, database });
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function assemble(
  config: Config,
  overrides: ContextOverrides,
  { logger, clock, masterKeys, database }: { logger: Logger; clock: Clock; masterKeys: MasterKeyRing; database: DatabaseHandle },
): Promise<AppContext> {
  if (overrides.migrate ?? true) await migrateToLatest(database);
  const db = database.db;
  const availability = new DatabaseAvailability(db, database.dialect, logger, clock);
  const catalogue = loadCatalogue();
  const metrics = new Metrics();
  const deps = {
    db,
    dialect: database.dialect,
    appendAccessLog: database.appendAccessLog,
    selectNow: database.selectNow,
    runSideJobs: database.runSideJobs,
    writeTransaction: database.writeTransaction,
    availability,
    clock,
    config,
    logger,
    masterKeys,
    catalogue,
    metrics,
  };
  const oauth = new OAuthService(deps);
  const connections = new ConnectionService(deps);
  const outbox = new OutboxService({ ...deps, connections });
  metrics.observe({ outboxDepth: () => outbox.pendingCount(), poolUse: () => database.poolUse?.() });
  const receipts = new ConsentReceipts({
    db,
    dialect: deps.dialect,
    clock,
    issuer: config.issuer,
    connections,
    signingKey: () => oauth.signingKey(),
  });
  const accessLog = new AccessLogService({
    db,
    clock,
    logger,
    availability,
    issuer: config.issuer,
    signingKey: () => oauth.signingKey(),
  });
  const members = createMembers({ ...deps, connections, outbox, receipts });
  const datasets = new DatasetService({ ...deps, members, outbox });
  const consent = new ConsentService({ ...deps, connections, members, outbox, callbackExtras: idaasCallbackExtras(db) });
  const accounts = new AccountService({ ...deps, members, connections, outbox, receipts });
  const memberData = new MemberDataService({ ...deps, members, accounts, pds: datasets.pds, receipts });
  const features = new FeatureBlocks({ ...deps, datasets, members, connections, outbox, links: consent });
  const templates = new TemplateService(loadTemplateRegistry(catalogue), { datasets });
  // IDaaS links are FTC links made by the consent module (src/idaas/idaas-deps.ts, IdaasLinkIssuer).
  const idaasDeps = { ...deps, connections, members, outbox, links: consent };
  const identities = new ExternalIdentities({ ...deps, members });
  const idaas = {
    identities,
    links: new IdaasLinks(idaasDeps),
    notifications: new IdaasNotifications(idaasDeps),
    invites: new IdaasInvites(idaasDeps),
    lookups: new IdaasLookups(deps, identities),
  };
  const oidc = new OidcService({
    ...deps,
    signingKey: () => oauth.signingKey(),
    client: async (clientId) => {
      const c = await oauth.signInClient(clientId);
      if (!c) return undefined;
      const organisation = (await connections.getOrganisation(c.orgId))?.name ?? c.name;
      const { name, redirectUris, scopes, publicClient, dpopBound } = c;
      return { clientId, name, organisation, redirectUris, scopes, publicClient, dpopBound };
    },
    mydexid: async (uid) => (await members.accounts.getMember({ uid }))?.mydexid,
    errorPage: (status, message, detail) => errorPage(config.env === 'sandbox', status, message, detail),
    logoutPages: {
      confirm: (form) => signOutPage(config.env === 'sandbox', form),
      done: () => signedOutPage(config.env === 'sandbox'),
    },
  });
  await oauth.start();
  await oidc.start();
  if (overrides.startWorkers ?? true) {
    await outbox.start();
    accessLog.start();
  }
  return {
    config,
    logger,
    clock,
    database,
    availability,
    db,
    masterKeys,
    catalogue,
    metrics,
    oauth,
    oidc,
    connections,
    members,
    receipts,
    accessLog,
    datasets,
    outbox,
    consent,
    accounts,
    passwordResets: new PasswordResetService({ ...deps, outbox }),
    sessions: new MemberSessions(db, clock, config.memberSession),
    authThrottle: new AuthThrottle(db, clock),
    memberData,
    features,
    templates,
    idaas,
    async close() {
      await outbox.stop();
      await accessLog.stop();
      await oauth.stop();
      oidc.stop();
      members.grants.close();
      availability.close();
      await database.close();
    },
  };
}

/**
 * Live: the key must come from the environment. Sandbox: when absent, one is generated once into
 * the data folder (mode 0600) so that a restart can still read what it stored.
 */
function resolveMasterKey(config: Config, logger: Logger): string {
  if (config.masterKey) return config.masterKey;
  if (config.env === 'live') throw new Error('OPENPDX_MASTER_KEY is required in live');
  const file = join(config.dataDir, 'master.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const spec = MasterKeyRing.generateSpec();
  writeFileSync(file, `${spec}\n`, { mode: 0o600 });
  logger.warn({ file }, 'generated a sandbox master key');
  return spec;
}
