// STUB — replaced by the OAuth implementation.
import type { AccessTokenVerifier, ClientPrincipal } from '../http/auth.ts';
import type { ServiceDeps } from '../service-deps.ts';

export class OAuthService implements AccessTokenVerifier {
  constructor(readonly deps: ServiceDeps) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async verifyAccessToken(_token: string): Promise<ClientPrincipal | undefined> {
    return undefined;
  }
  async createClient(_input: { orgId: number; scopes: string[]; name?: string }): Promise<{ clientId: string; clientSecret: string }> {
    throw new Error('not implemented');
  }
}
