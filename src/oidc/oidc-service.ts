/**
 * The OpenID Connect provider's life in the process (docs/oidc.md): its two server secrets (the
 * cookie key and the pairwise-subject key, random, made once and kept sealed in the database so
 * every process and every restart agrees), and the provider itself, rebuilt when the OAuth
 * server's signing key rotates so that ID tokens are always signed with the current key.
 */
import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { ServiceDeps } from '../service-deps.ts';
import { idHashOf, OidcRecordAdapter } from './oidc-adapter.ts';
import { createOidcProvider, type SignInClient } from './oidc-provider.ts';
import { OidcStore } from './oidc-store.ts';

export interface OidcDeps extends ServiceDeps {
  /** the OAuth server's current signing key */
  signingKey(): { kid: string; key: KeyObject };
  client(clientId: string): Promise<SignInClient | undefined>;
  mydexid(uid: number): Promise<string | undefined>;
  errorPage: (status: number, message: string, detail: string | undefined) => string;
  logoutPages: { confirm(form: string): string; done(): string };
}

const SECRETS = ['oidc cookies', 'oidc pairwise subject'] as const;
/** How often expired sign-in artifacts are deleted (they are ignored as soon as they expire). */
const SWEEP_MS = 10 * 60 * 1000;
type SecretName = (typeof SECRETS)[number];
const secretContext = (idHash: string) => `oidc|${idHash}`;

export class OidcService {
  private readonly store: OidcStore;
  private readonly secrets = new Map<string, Buffer>();
  private current: { kid: string; provider: Provider } | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly deps: OidcDeps) {
    this.store = new OidcStore(deps.db);
  }

  /** Loads (making them the first time) the server secrets. */
  async start(): Promise<void> {
    const { masterKeys } = this.deps;
    for (const name of SECRETS) {
      const idHash = idHashOf('Secret', name);
      await this.store.insertIfAbsent({
        id_hash: idHash,
        model: 'Secret',
        payload: masterKeys.seal(randomBytes(32), secretContext(idHash)),
        grant_id_hash: null,
        uid_hash: null,
        uid: null,
        expires_at: null,
        consumed_at: null,
      });
      const row = await this.store.find(idHash, 0);
      if (!row) throw new Error(`the OpenID Connect secret "${name}" could not be stored`);
      this.secrets.set(name, masterKeys.open(row.payload, secretContext(idHash)));
    }
    this.sweeper = setInterval(() => {
      this.sweep().catch((err: unknown) => {
        // An outage is logged where it begins; anything else is logged here.
        if (!this.deps.availability.failed(err, 'oidc sweep'))
          this.deps.logger.error({ err }, 'sweeping expired sign-in artifacts failed');
      });
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** The provider, signing with the current key. */
  provider(): Provider {
    const signingKey = this.deps.signingKey();
    if (this.current?.kid !== signingKey.kid) {
      const { config, masterKeys, client, mydexid, errorPage, logoutPages } = this.deps;
      const provider = createOidcProvider({
        issuer: config.issuer,
        store: this.store,
        masterKeys,
        signingKey,
        client,
        mydexid,
        errorPage,
        logoutPages,
        rememberedGrant: async (accountId, clientId) =>
          (await this.grants(Number(accountId))).find((g) => g.clientId === clientId)?.grantId,
        secret: (name) => this.secret(name as SecretName),
      });
      // The provider writes its URLs from the forwarded headers oidc-forward.ts sets: the issuer's.
      provider.proxy = true;
      // Tokens issued at /oauth2/token by the code and refresh grants, for the metrics.
      provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: unknown } } }) => {
        const grant = ctx.oidc.params?.grant_type;
        if (grant === 'authorization_code' || grant === 'refresh_token') this.deps.metrics.tokenIssued(grant);
      });
      this.current = { kid: signingKey.kid, provider };
    }
    return this.current.provider;
  }

  /** A client that may sign members in, with its name and organisation; undefined otherwise. */
  signInClient(clientId: string): Promise<SignInClient | undefined> {
    return this.deps.client(clientId);
  }

  /**
   * Records the member's consent to `scopes` for `clientId`, adding to `existing` (the grant the
   * provider found, if any); the grant's id.
   */
  async grant(uid: number, clientId: string, scopes: string[], existing: string | undefined): Promise<string> {
    const { Grant } = this.provider();
    const grant = (existing && (await Grant.find(existing))) || new Grant({ accountId: String(uid), clientId });
    grant.addOIDCScope(scopes.join(' '));
    return grant.save();
  }

  /** The app a sign-in in progress (an interaction) is for, by name; undefined when there is none. */
  async waitingApp(interactionUid: string): Promise<string | undefined> {
    const interaction = await this.records('Interaction').find(interactionUid);
    const clientId = (interaction?.params as { client_id?: unknown } | undefined)?.client_id;
    const client = typeof clientId === 'string' ? await this.signInClient(clientId) : undefined;
    return client && `${client.name} (${client.organisation})`;
  }

  /** The apps the member has let sign them in: their grants, by client id. */
  async grants(uid: number): Promise<{ grantId: string; clientId: string }[]> {
    const payloads = await this.records('Grant').ofMember(uid);
    return payloads.flatMap((p) => (p.jti && p.clientId ? [{ grantId: p.jti, clientId: p.clientId }] : []));
  }

  /** Takes back one of the member's grants, and every token issued under it. */
  async revokeGrant(uid: number, grantId: string): Promise<boolean> {
    if (!(await this.grants(uid)).some((g) => g.grantId === grantId)) return false;
    const adapter = this.records('Grant');
    await adapter.revokeByGrantId(grantId);
    await adapter.destroy(grantId);
    return true;
  }

  /** Deletes expired artifacts; the number deleted. */
  sweep(): Promise<number> {
    return this.store.sweep(Math.floor(Date.now() / 1000));
  }

  /** The provider's artifacts of one model, as its adapter reads them. */
  private records(model: string): OidcRecordAdapter {
    return new OidcRecordAdapter(model, this.store, this.deps.masterKeys);
  }

  private secret(name: SecretName): Buffer {
    const s = this.secrets.get(name);
    if (!s) throw new Error('OidcService.start() has not run');
    return s;
  }
}
