/**
 * `POST /ftc/setup` and `POST /identify`: one-time first-time-connection links with a QR code, and
 * the linking_token the consent callback carries back (decisions: top of idaas-routes.ts).
 */
import QRCode from 'qrcode';
import type { Kysely } from 'kysely';
import type { DedicatedConnection } from '../connections/connection-service.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { ValidationError } from '../errors.ts';
import { type ClientPrincipal } from '../oauth/principal.ts';
import { allowedReturnTo } from './idaas-access.ts';
import type { IdaasDeps } from './idaas-deps.ts';
import type { FtcSetupInput, LinkSetupInput } from './idaas-request.ts';
import { IdaasStore } from './idaas-store.ts';
import type { Database } from '../storage/schema.ts';

/** FtcUrlResponse and IdentifyUrlResponse. */
export interface LinkResponse {
  url: string;
  /** PNG QR code of `url` as a data URL */
  qr: string;
}

export class IdaasLinks {
  private readonly store: IdaasStore;

  constructor(private readonly deps: IdaasDeps) {
    this.store = new IdaasStore(deps.db);
  }

  /** `POST /ftc/setup`. */
  async ftcSetup(principal: ClientPrincipal, input: FtcSetupInput): Promise<LinkResponse> {
    const connection = await this.verifyConnection(principal, input);
    const problems: string[] = [];
    const returnTo = allowedReturnTo(this.deps, connection, input.returnTo, problems);
    if (input.version !== undefined && input.version > 1 && input.mydexid === null) {
      problems.push('mydexid is required when version is greater than 1.');
    }
    const version = await this.version(connection.nid, input.version, problems);
    if (problems.length) throw new ValidationError(problems.join(' '));
    return this.link(principal, connection, 'ftc', {
      version,
      mydexid: input.mydexid,
      returnTo,
      linkingToken: input.linkingToken,
    });
  }

  /** `POST /identify`: an FTC link naming no member, to the connection's latest DSSA. */
  async identify(principal: ClientPrincipal, input: LinkSetupInput): Promise<LinkResponse> {
    const connection = await this.verifyConnection(principal, input);
    const problems: string[] = [];
    const returnTo = allowedReturnTo(this.deps, connection, input.returnTo, problems);
    const version = await this.version(connection.nid, undefined, problems);
    if (problems.length) throw new ValidationError(problems.join(' '));
    return this.link(principal, connection, 'identify', { version, mydexid: null, returnTo, linkingToken: input.linkingToken });
  }

  /** The linking_token a subscriber gave with an IDaaS link, by the link's token hash (one_time_links key). */
  async linkingToken(tokenHash: string): Promise<string | null | undefined> {
    return (await this.store.linkByHash(tokenHash))?.linking_token;
  }

  /** Contract §3/§4: the caller's organisation owns the NID, and connection_token_hash matches its token. */
  private verifyConnection(principal: ClientPrincipal, input: LinkSetupInput): Promise<DedicatedConnection> {
    return this.deps.connections.verifyConnectionTokenHash({ principal, nid: input.nid, connectionTokenHash: input.tokenHash });
  }

  private async version(nid: number, requested: number | undefined, problems: string[]): Promise<number> {
    const { connections } = this.deps;
    const dssa = requested === undefined ? await connections.latestDssa(nid) : await connections.dssa(nid, requested);
    if (!dssa) {
      problems.push(
        requested === undefined
          ? 'This connection has no data sharing agreement.'
          : `Version ${requested} does not exist for this connection.`,
      );
      return 0;
    }
    return dssa.version;
  }

  private async link(
    principal: ClientPrincipal,
    connection: DedicatedConnection,
    kind: 'ftc' | 'identify',
    link: { version: number; mydexid: string | null; returnTo: string; linkingToken: string | null },
  ): Promise<LinkResponse> {
    const { clock, config } = this.deps;
    const url = await this.deps.links.createLink({
      kind: 'ftc',
      nid: connection.nid,
      version: link.version,
      mydexid: link.mydexid,
      returnTo: link.returnTo,
    });
    const now = clock.now();
    await this.store.insertLink({
      token_hash: sha256Hex(linkToken(url)),
      kind,
      org_id: principal.orgId,
      client_id: principal.clientId,
      nid: connection.nid,
      linking_token: link.linkingToken,
      created_at: now,
      expires_at: now + config.linkTtl,
    });
    return { url, qr: await QRCode.toDataURL(url) };
  }
}

/** The one-time token of `<public url>/ftc/begin/{nid}/{token}/{version}` (contract §4.2). */
function linkToken(url: string): string {
  const token = new URL(url).pathname.split('/')[4];
  if (!token) throw new Error('unexpected link URL');
  return decodeURIComponent(token);
}

/**
 * Callback fields for an IDaaS link (the consent callback's extras): the subscriber's
 * linking_token, so it can match the member. Built from the store alone, so the consent service
 * can be given it when it is made.
 */
export function idaasCallbackExtras(db: Kysely<Database>): (tokenHash: string) => Promise<Record<string, string> | undefined> {
  const store = new IdaasStore(db);
  return async (tokenHash) => {
    const token = (await store.linkByHash(tokenHash))?.linking_token;
    return token ? { linking_token: token } : undefined;
  };
}
