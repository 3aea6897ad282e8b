/**
 * The operator's use cases, called by the CLI (and the sandbox seed). Results are the plain
 * objects the CLI prints with `--json`: field names are part of the CLI's contract.
 */
import type { AppContext } from '../app-context.ts';
import { formatGrantSpecs, parseGrantSpecs } from '../connections/grant-spec.ts';
import { AppError, NotFoundError, ValidationError } from '../errors.ts';

export interface OrganisationSummary {
  org_id: number;
  name: string;
  created_at: number;
}

export interface ConnectionSummary {
  nid: number;
  org_id: number;
  name: string;
  callback_url: string;
  notifications: boolean;
  dssa_version: number | null;
  created_at: number;
}

export interface ClientSummary {
  client_id: string;
  org_id: number;
  name: string;
  scopes: string;
  disabled: boolean;
  created_at: number;
  /** a client that signs members in: its redirect URIs, space separated */
  redirect_uris?: string;
  /** a client with no secret (PKCE) */
  public?: true;
  /** a client that authenticates with a signed JWT (RFC 7523) instead of a secret */
  auth?: 'private_key_jwt';
  /** where such a client publishes its keys (absent: they were registered as a JWK Set) */
  jwks_uri?: string;
  /** every token it gets is DPoP-bound */
  dpop?: true;
}

export interface MemberSummary {
  uid: number;
  mydexid: string;
  email: string;
  created_at: number;
}

export interface MemberDetails extends MemberSummary {
  connections: {
    nid: number;
    con_id: string;
    subscriber: string;
    dssa_version: number;
    since: number;
    last_read: number | null;
    last_change: number | null;
  }[];
}

export interface ConnectionDetails extends ConnectionSummary {
  organisation: string;
  active_members: number;
  dssa_versions: { version: number; uuid: string; purpose: string; grants: string[]; created_at: number }[];
  clients: Pick<ClientSummary, 'client_id' | 'name' | 'scopes' | 'disabled'>[];
}

/** Most members one `member list` page holds. */
export const MAX_MEMBER_PAGE = 1000;

export interface NewConnectionRequest {
  orgId: number;
  callbackUrl: string;
  notifications: boolean;
  /** `dataset:rw` or `dataset:r:field1,field2` */
  grants: readonly string[];
  name?: string;
  purpose?: string;
  gdprStatement?: string;
}

/** Member-to-connection consent without the browser is for sandboxes only. */
class SandboxOnlyError extends AppError {
  constructor(what: string) {
    super('sandbox_only', 403, `${what} is only available in sandbox: in live, members consent through the FTC journey.`);
  }
}

interface NewClientRequest {
  orgId: number;
  scopes: readonly string[];
  name?: string;
  redirectUris?: readonly string[];
  publicClient?: boolean;
  /** private_key_jwt: the client's public JWK Set, or the URL it publishes it at; no secret then */
  jwks?: unknown;
  jwksUri?: string;
  /** every token is DPoP-bound (RFC 9449) */
  dpopBound?: boolean;
}

export class AdminService {
  constructor(private readonly ctx: AppContext) {}

  async createOrganisation(name: string): Promise<{ org_id: number }> {
    const { orgId } = await this.ctx.connections.createOrganisation(name);
    return { org_id: orgId };
  }

  async listOrganisations(): Promise<OrganisationSummary[]> {
    return (await this.ctx.connections.listOrganisations()).map((o) => ({
      org_id: o.orgId,
      name: o.name,
      created_at: o.createdAt,
    }));
  }

  async createConnection(req: NewConnectionRequest): Promise<{ nid: number; token: string }> {
    const { nid, token } = await this.ctx.connections.createConnection({
      orgId: req.orgId,
      callbackUrl: req.callbackUrl,
      notifications: req.notifications,
      permissions: this.permissions(req.grants),
      ...(req.name !== undefined ? { name: req.name } : {}),
      ...(req.purpose !== undefined ? { purpose: req.purpose } : {}),
      ...(req.gdprStatement !== undefined ? { gdprStatement: req.gdprStatement } : {}),
    });
    return { nid, token };
  }

  async listConnections(orgId?: number): Promise<ConnectionSummary[]> {
    const connections = await this.ctx.connections.listConnections(orgId);
    return Promise.all(
      connections.map(async (c) => ({
        nid: c.nid,
        org_id: c.orgId,
        name: c.name,
        callback_url: c.callbackUrl,
        notifications: c.notifications,
        dssa_version: (await this.ctx.connections.latestDssa(c.nid))?.version ?? null,
        created_at: c.createdAt,
      })),
    );
  }

  /** One connection in full: its DSSA versions (as grant specs), its organisation's clients, its members. */
  async showConnection(nid: number): Promise<ConnectionDetails> {
    const { connections, members } = this.ctx;
    const c = await connections.getConnection(nid);
    if (!c) throw new NotFoundError('Unknown connection', `Connection ${nid} does not exist.`);
    const [org, versions, clients, counts] = await Promise.all([
      connections.getOrganisation(c.orgId),
      connections.dssaVersions(nid),
      this.listClients(c.orgId),
      members.accounts.activeMemberCounts([nid]),
    ]);
    return {
      nid: c.nid,
      org_id: c.orgId,
      organisation: org?.name ?? '',
      name: c.name,
      callback_url: c.callbackUrl,
      notifications: c.notifications,
      dssa_version: versions.at(-1)?.version ?? null,
      created_at: c.createdAt,
      active_members: counts.get(nid) ?? 0,
      dssa_versions: versions.map((d) => ({
        version: d.version,
        uuid: d.uuid,
        purpose: d.purpose,
        grants: formatGrantSpecs(d.permissions, this.ctx.catalogue),
        created_at: d.createdAt,
      })),
      clients: clients.map(({ client_id, name, scopes, disabled }) => ({ client_id, name, scopes, disabled })),
    };
  }

  async addDssaVersion(req: {
    nid: number;
    grants: readonly string[];
    purpose?: string;
    gdprStatement?: string;
  }): Promise<{ version: number }> {
    return this.ctx.connections.addDssaVersion(req.nid, {
      permissions: this.permissions(req.grants),
      ...(req.purpose !== undefined ? { purpose: req.purpose } : {}),
      ...(req.gdprStatement !== undefined ? { gdprStatement: req.gdprStatement } : {}),
    });
  }

  /**
   * A new client. A public one (no secret, PKCE) and a private_key_jwt one (its own keys) are
   * answered without `client_secret`.
   */
  async createClient(
    req: NewClientRequest & { publicClient?: false; jwks?: undefined; jwksUri?: undefined },
  ): Promise<{ client_id: string; client_secret: string }>;
  async createClient(req: NewClientRequest): Promise<{ client_id: string; client_secret?: string }>;
  async createClient(req: NewClientRequest): Promise<{ client_id: string; client_secret?: string }> {
    if (!(await this.ctx.connections.getOrganisation(req.orgId))) {
      throw new NotFoundError('Unknown organisation', `Organisation ${req.orgId} does not exist.`);
    }
    const { clientId, clientSecret } = await this.ctx.oauth.createClient({
      orgId: req.orgId,
      scopes: [...req.scopes],
      ...(req.name !== undefined ? { name: req.name } : {}),
      ...(req.redirectUris ? { redirectUris: [...req.redirectUris] } : {}),
      ...(req.publicClient ? { publicClient: true } : {}),
      ...(req.jwks !== undefined ? { jwks: req.jwks } : {}),
      ...(req.jwksUri !== undefined ? { jwksUri: req.jwksUri } : {}),
      ...(req.dpopBound ? { dpopBound: true } : {}),
    });
    const secretless = req.publicClient || req.jwks !== undefined || req.jwksUri !== undefined;
    return secretless ? { client_id: clientId } : { client_id: clientId, client_secret: clientSecret };
  }

  async rotateClientSecret(clientId: string, graceSeconds?: number): Promise<{ client_id: string; client_secret: string }> {
    const { clientSecret } = await this.ctx.oauth.rotateSecret(clientId, graceSeconds === undefined ? {} : { graceSeconds });
    return { client_id: clientId, client_secret: clientSecret };
  }

  async disableClient(clientId: string): Promise<{ client_id: string; disabled: true }> {
    await this.ctx.oauth.disableClient(clientId);
    return { client_id: clientId, disabled: true };
  }

  async listClients(orgId?: number): Promise<ClientSummary[]> {
    return (await this.ctx.oauth.listClients(orgId)).map((c) => ({
      client_id: c.clientId,
      org_id: c.orgId,
      name: c.name,
      scopes: c.scopes.join(' '),
      disabled: c.disabled,
      created_at: c.createdAt,
      ...(c.redirectUris.length ? { redirect_uris: c.redirectUris.join(' ') } : {}),
      ...(c.publicClient ? { public: true as const } : {}),
      ...(c.authMethod === 'private_key_jwt'
        ? { auth: 'private_key_jwt' as const, ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}) }
        : {}),
      ...(c.dpopBound ? { dpop: true as const } : {}),
    }));
  }

  async createMember(req: { mydexid: string; email: string; password: string; privateKey: string }): Promise<{ uid: number }> {
    const { uid } = await this.ctx.members.accounts.createMember(req);
    return { uid };
  }

  /** Consents a member to a connection's latest DSSA, as the FTC journey would (sandbox only). */
  /** Members in uid order, a page at a time: `after` is the last uid of the previous page. */
  async listMembers(after = 0, limit = 100): Promise<MemberSummary[]> {
    if (limit < 1 || limit > MAX_MEMBER_PAGE) {
      throw new ValidationError('Invalid limit', `--limit must be from 1 to ${MAX_MEMBER_PAGE}.`);
    }
    return (await this.ctx.members.accounts.listMembers(after, limit)).map((m) => ({
      uid: m.uid,
      mydexid: m.mydexid,
      email: m.email,
      created_at: m.createdAt,
    }));
  }

  /** One member by uid or MydexID, with their active connections (never their data: that needs their keys). */
  async showMember(ref: { uid?: number; mydexid?: string }): Promise<MemberDetails> {
    if ((ref.uid === undefined) === (ref.mydexid === undefined)) {
      throw new ValidationError('Name one member', 'Give either --uid or --mydexid.');
    }
    const m = await this.ctx.members.accounts.getMember(ref);
    if (!m) throw new NotFoundError('Unknown member', `There is no member ${ref.uid ?? ref.mydexid}.`);
    const connections = await this.ctx.accounts.connections(m.uid);
    return {
      uid: m.uid,
      mydexid: m.mydexid,
      email: m.email,
      created_at: m.createdAt,
      connections: connections.map((c) => ({
        nid: c.nid,
        con_id: c.conId,
        subscriber: c.subscriberName,
        dssa_version: c.dssaVersion,
        since: c.since,
        last_read: c.lastRead ?? null,
        last_change: c.lastChange ?? null,
      })),
    };
  }

  async connectMember(req: {
    mydexid: string;
    nid: number;
    privateKey: string;
  }): Promise<{ uid: number; con_id: string; key: string }> {
    if (this.ctx.config.env !== 'sandbox') throw new SandboxOnlyError('admin connect');
    const { uid, conId, memberKey } = await this.ctx.members.grants.consent(req);
    return { uid, con_id: conId, key: memberKey };
  }

  async rotateSigningKeys(): Promise<{ kid: string }> {
    const { kid } = await this.ctx.oauth.rotateSigningKeys();
    return { kid };
  }

  private permissions(grants: readonly string[]) {
    if (!grants.length)
      throw new ValidationError('No grants', 'Give at least one --grant dataset:rw or dataset:r:field1,field2.');
    try {
      return parseGrantSpecs(grants, this.ctx.catalogue);
    } catch (err) {
      throw new ValidationError('Invalid grant', err instanceof Error ? err.message : String(err));
    }
  }
}
