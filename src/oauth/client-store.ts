/**
 * Registered OAuth clients (table oauth_clients). Only SHA-256 hashes of secrets are stored.
 */
import type { JSONWebKeySet } from 'jose';
import type { Selectable } from 'kysely';
import type { OauthClientTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

/** What callers may see of a client: no secret material. */
export interface OAuthClientInfo {
  clientId: string;
  orgId: number;
  name: string;
  scopes: string[];
  grantTypes: string[];
  disabled: boolean;
  createdAt: number;
  /** exact redirect URIs for signing members in (OpenID Connect); empty: client credentials only */
  redirectUris: string[];
  /** no secret: signs members in with PKCE only */
  publicClient: boolean;
  /**
   * How the client proves itself at the token endpoint: with its secret, or (RFC 7523) with a JWT
   * signed by one of its keys; a client has one way, never both.
   */
  authMethod: 'client_secret' | 'private_key_jwt';
  /** private_key_jwt: the public keys, as given at registration (a JWK Set) */
  jwks: JSONWebKeySet | null;
  /** private_key_jwt: where the client publishes its JWK Set */
  jwksUri: string | null;
  /** every token it gets is DPoP-bound (RFC 9449): it must prove possession of a key */
  dpopBound: boolean;
}

/** A client as the authenticator needs it. */
export interface OAuthClientRecord extends OAuthClientInfo {
  secretHash: string;
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
}

export interface NewClientRecord {
  clientId: string;
  orgId: number;
  name: string;
  secretHash: string;
  scopes: string[];
  grantTypes: string[];
  createdAt: number;
  redirectUris?: string[];
  publicClient?: boolean;
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  dpopBound?: boolean;
}

export class ClientStore extends Store {
  /** Whether the organisation a new client is for exists. */
  async organisationExists(orgId: number): Promise<boolean> {
    return !!(await this.db.selectFrom('organisations').select('id').where('id', '=', orgId).executeTakeFirst());
  }

  async insert(c: NewClientRecord): Promise<void> {
    await this.db
      .insertInto('oauth_clients')
      .values({
        client_id: c.clientId,
        org_id: c.orgId,
        name: c.name,
        secret_hash: c.secretHash,
        previous_secret_hash: null,
        previous_secret_expires_at: null,
        scopes: c.scopes.join(' '),
        grant_types: c.grantTypes.join(' '),
        disabled: 0,
        created_at: c.createdAt,
        redirect_uris: (c.redirectUris ?? []).join(' '),
        public_client: c.publicClient ? 1 : 0,
        jwks: c.jwks ? JSON.stringify(c.jwks) : null,
        jwks_uri: c.jwksUri ?? null,
        dpop_bound: c.dpopBound ? 1 : 0,
      })
      .execute();
  }

  async find(clientId: string): Promise<OAuthClientRecord | undefined> {
    const row = await this.db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(orgId?: number): Promise<OAuthClientInfo[]> {
    let q = this.db.selectFrom('oauth_clients').selectAll().orderBy('created_at').orderBy('client_id');
    if (orgId !== undefined) q = q.where('org_id', '=', orgId);
    return (await q.execute()).map((row) => toInfo(toRecord(row)));
  }

  /** Returns false when no such client exists. */
  async replaceSecret(
    clientId: string,
    secretHash: string,
    previous: { hash: string; expiresAt: number } | null,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('oauth_clients')
      .set({
        secret_hash: secretHash,
        previous_secret_hash: previous?.hash ?? null,
        previous_secret_expires_at: previous?.expiresAt ?? null,
      })
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Returns false when no such client exists. */
  async setDisabled(clientId: string, disabled: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable('oauth_clients')
      .set({ disabled: disabled ? 1 : 0 })
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

export function toInfo(c: OAuthClientRecord): OAuthClientInfo {
  return {
    clientId: c.clientId,
    orgId: c.orgId,
    name: c.name,
    scopes: c.scopes,
    grantTypes: c.grantTypes,
    disabled: c.disabled,
    createdAt: c.createdAt,
    redirectUris: c.redirectUris,
    publicClient: c.publicClient,
    authMethod: c.authMethod,
    jwks: c.jwks,
    jwksUri: c.jwksUri,
    dpopBound: c.dpopBound,
  };
}

function toRecord(row: Selectable<OauthClientTable>): OAuthClientRecord {
  return {
    clientId: row.client_id,
    orgId: row.org_id,
    name: row.name,
    scopes: splitList(row.scopes),
    grantTypes: splitList(row.grant_types),
    disabled: row.disabled !== 0,
    createdAt: row.created_at,
    secretHash: row.secret_hash,
    redirectUris: splitList(row.redirect_uris),
    publicClient: row.public_client !== 0,
    authMethod: row.jwks !== null || row.jwks_uri !== null ? 'private_key_jwt' : 'client_secret',
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as JSONWebKeySet),
    jwksUri: row.jwks_uri,
    dpopBound: row.dpop_bound !== 0,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt: row.previous_secret_expires_at,
  };
}

function splitList(value: string): string[] {
  return value.split(' ').filter((s) => s !== '');
}
