/**
 * Dedicated connections (contract §0, §4): subscriber organisations, connections with their
 * sealed connection tokens, versioned DSSAs, short access tokens, and the verifier of the
 * three connection requests.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex, sha512Hex } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';
import { NotFoundError, PdxError, ValidationError } from '../errors.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { TtlCache } from '../ttl-cache.ts';
import { validateCallbackUrl } from './callback-url.ts';
import { ConnectionStore, type ConnectionRow, type DssaRow } from './connection-store.ts';
import type { ConnectionRequestCredentials } from './connection-credentials.ts';
import { ConnectionVerifier } from './connection-verifier.ts';
import type { Dssa, DssaPermissions } from './dssa.ts';
import { normalisePermissions } from './dssa-permissions.ts';
import { ShortAccessTokens } from './short-access-token.ts';

export interface DedicatedConnection {
  nid: number;
  orgId: number;
  name: string;
  callbackUrl: string;
  notifications: boolean;
  createdAt: number;
}

export interface Organisation {
  orgId: number;
  name: string;
  createdAt: number;
}

export interface DssaInput {
  permissions: DssaPermissions;
  purpose?: string;
  gdprStatement?: string;
}

/** Contract §0: NIDs are numeric; ours start here. */
const FIRST_NID = 40000;
/** Attempts when a concurrent writer took the same NID or DSSA version first. */
// Concurrent creations race for max(nid)+1; each round one wins, so allow many rounds with jitter.
const ALLOCATION_ATTEMPTS = 25;

export class ConnectionService {
  private readonly store: ConnectionStore;
  private readonly sats: ShortAccessTokens;
  private readonly verifier: ConnectionVerifier;
  // Other processes may change a connection (admin CLI): a few seconds of staleness is the bound.
  private readonly connectionCache = new TtlCache<DedicatedConnection>(5_000);
  private readonly dssaCache = new TtlCache<Dssa>(3_600_000);

  constructor(readonly deps: ServiceDeps) {
    this.store = new ConnectionStore(deps.db);
    this.sats = new ShortAccessTokens(this.store, deps.clock, deps.config.satTtl);
    this.verifier = new ConnectionVerifier({
      sats: this.sats,
      connectionRow: (nid) => this.store.connection(nid),
      connectionToken: (row) => this.unsealToken(row),
      logger: deps.logger,
    });
  }

  async createOrganisation(name: string): Promise<{ orgId: number }> {
    const trimmed = name.trim();
    if (!trimmed) throw new ValidationError('Invalid organisation', 'An organisation needs a name.');
    return { orgId: await this.store.insertOrganisation(trimmed, this.deps.clock.now()) };
  }

  async listOrganisations(): Promise<Organisation[]> {
    return (await this.store.organisations()).map((o) => ({ orgId: o.id, name: o.name, createdAt: o.created_at }));
  }

  async getOrganisation(orgId: number): Promise<Organisation | undefined> {
    const o = await this.store.organisation(orgId);
    return o && { orgId: o.id, name: o.name, createdAt: o.created_at };
  }

  async findOrganisationByName(name: string): Promise<Organisation | undefined> {
    const o = await this.store.organisationByName(name);
    return o && { orgId: o.id, name: o.name, createdAt: o.created_at };
  }

  async createConnection(input: {
    orgId: number;
    name?: string;
    callbackUrl: string;
    notifications: boolean;
    permissions: DssaPermissions;
    purpose?: string;
    gdprStatement?: string;
  }): Promise<{ nid: number; token: string }> {
    if (!(await this.store.organisation(input.orgId))) {
      throw new NotFoundError('Unknown organisation', `Organisation ${input.orgId} does not exist.`);
    }
    const callbackUrl = validateCallbackUrl(input.callbackUrl, this.deps.config.env);
    const permissions = normalisePermissions(input.permissions, this.deps.catalogue);
    const token = randomSecret('pdx_ct_');
    const nid = await this.withRetry(() =>
      this.store.transaction(async (tx) => {
        const now = this.deps.clock.now();
        const nid = Math.max(FIRST_NID, ((await tx.maxNid()) ?? FIRST_NID - 1) + 1);
        await tx.insertConnection({
          nid,
          org_id: input.orgId,
          name: input.name?.trim() || `Connection ${nid}`,
          token_enc: this.deps.masterKeys.seal(token, tokenContext(nid)),
          token_hash_verifier: sha256Hex(sha512Hex(token)),
          callback_url: callbackUrl,
          notifications: input.notifications ? 1 : 0,
          created_at: now,
        });
        await tx.insertDssa(dssaRow(nid, 1, permissions, input.purpose ?? '', input.gdprStatement ?? '', now));
        return nid;
      }),
    );
    return { nid, token };
  }

  /** A new DSSA version; purpose and GDPR statement carry over from the latest when omitted. */
  async addDssaVersion(nid: number, input: DssaInput): Promise<{ version: number }> {
    if (!(await this.store.connection(nid))) throw unknownConnectionError(nid);
    const permissions = normalisePermissions(input.permissions, this.deps.catalogue);
    const version = await this.withRetry(() =>
      this.store.transaction(async (tx) => {
        const latest = await tx.latestDssa(nid);
        const version = (latest?.version ?? 0) + 1;
        const purpose = input.purpose ?? latest?.purpose ?? '';
        const gdpr = input.gdprStatement ?? latest?.gdpr_statement ?? '';
        await tx.insertDssa(dssaRow(nid, version, permissions, purpose, gdpr, this.deps.clock.now()));
        return version;
      }),
    );
    return { version };
  }

  /** Connection rows are read on every data call; they change only through this service. */
  getConnection(nid: number): Promise<DedicatedConnection | undefined> {
    return this.connectionCache.through(String(nid), async () => {
      const row = await this.store.connection(nid);
      return row && toConnection(row);
    });
  }

  async listConnections(orgId?: number): Promise<DedicatedConnection[]> {
    return (await this.store.connections(orgId)).map(toConnection);
  }

  async latestDssa(nid: number): Promise<Dssa | undefined> {
    const row = await this.store.latestDssa(nid);
    return row && toDssa(row);
  }

  /** A DSSA version never changes once made (a change is a new version), so it is cached. */
  dssa(nid: number, version: number): Promise<Dssa | undefined> {
    return this.dssaCache.through(`${nid}/${version}`, async () => {
      const row = await this.store.dssa(nid, version);
      return row && toDssa(row);
    });
  }

  /** Every DSSA version of a connection, oldest first. */
  async dssaVersions(nid: number): Promise<Dssa[]> {
    return (await this.store.dssas(nid)).map(toDssa);
  }

  async dssaByUuid(uuid: string): Promise<Dssa | undefined> {
    const row = await this.store.dssaByUuid(uuid);
    return row && toDssa(row);
  }

  /** The plaintext connection token (for callbacks and their signatures); undefined if unknown. */
  async connectionToken(nid: number): Promise<string | undefined> {
    const row = await this.store.connection(nid);
    return row && this.unsealToken(row);
  }

  /** Contract §4: `GET /access-token/{nid}`. */
  async issueShortAccessToken(nid: number): Promise<string> {
    if (!(await this.store.connection(nid))) throw new PdxError(404, 'Unknown connection', undefined, 'unknown_connection');
    return this.sats.issue(nid);
  }

  /** Contract §4: checks the credentials of a registration, FTC or connection-update request. */
  async verifyConnectionRequest(creds: ConnectionRequestCredentials): Promise<DedicatedConnection> {
    return toConnection(await this.verifier.verify(creds));
  }

  /** The caller owns the NID and `connection_token_hash` matches (calls without a SAT: IDaaS). */
  async verifyConnectionTokenHash(
    creds: Pick<ConnectionRequestCredentials, 'principal' | 'nid' | 'connectionTokenHash'>,
  ): Promise<DedicatedConnection> {
    return toConnection(await this.verifier.verifyTokenHash(creds));
  }

  private unsealToken(row: ConnectionRow): string {
    return this.deps.masterKeys.open(row.token_enc, tokenContext(row.nid)).toString('utf8');
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= ALLOCATION_ATTEMPTS || !this.deps.dialect.isUniqueViolation(err)) throw err;
        await sleep(randomInt(1, 10));
      }
    }
  }
}

function tokenContext(nid: number): string {
  return `connection-token|${nid}`;
}

function unknownConnectionError(nid: number): NotFoundError {
  return new NotFoundError('Unknown connection', `Connection ${nid} does not exist.`);
}

function dssaRow(nid: number, version: number, permissions: DssaPermissions, purpose: string, gdpr: string, now: number) {
  return {
    nid,
    version,
    uuid: randomUUID(),
    purpose,
    gdpr_statement: gdpr,
    permissions: JSON.stringify(permissions),
    created_at: now,
  };
}

function toConnection(row: ConnectionRow): DedicatedConnection {
  return {
    nid: row.nid,
    orgId: row.org_id,
    name: row.name,
    callbackUrl: row.callback_url,
    notifications: row.notifications === 1,
    createdAt: row.created_at,
  };
}

function toDssa(row: DssaRow): Dssa {
  return {
    nid: row.nid,
    version: row.version,
    uuid: row.uuid,
    purpose: row.purpose,
    gdprStatement: row.gdpr_statement,
    // Frozen through and through: caches key on these objects (readableFields, the metadata JSON).
    permissions: JSON.parse(row.permissions, (_key, value: unknown) =>
      typeof value === 'object' && value !== null ? Object.freeze(value) : value,
    ) as DssaPermissions,
    createdAt: row.created_at,
  };
}
