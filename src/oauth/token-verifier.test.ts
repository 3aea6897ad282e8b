import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.ts';
import { MasterKeyRing } from '../crypto/master-key.ts';
import { openDatabase, type DatabaseHandle } from '../storage/dialect.ts';
import { migrateToLatest } from '../storage/migrator.ts';
import { ClientCache } from './client-cache.ts';
import type { OAuthClientRecord } from './client-store.ts';
import { RevocationList } from './revocation.ts';
import { SigningKeyRing } from './signing-keys.ts';
import { AccessTokenIssuer } from './token-issuer.ts';
import { TokenVerifier } from './token-verifier.ts';

const ISSUER = 'https://pdx.example';
let handle: DatabaseHandle;
let clock: ManualClock;
let ring: SigningKeyRing;
let revocations: RevocationList;
let status: { orgId: number; disabled: boolean } | undefined;
let issuer: AccessTokenIssuer;
let verifier: TokenVerifier;

beforeEach(async () => {
  handle = await openDatabase(':memory:');
  await migrateToLatest(handle);
  clock = new ManualClock(1_800_000_000);
  ring = new SigningKeyRing({
    db: handle.db,
    masterKeys: new MasterKeyRing(MasterKeyRing.generateSpec('t')),
    clock,
    tokenTtl: 3600,
  });
  await ring.ensureKey();
  revocations = new RevocationList(handle.db, clock);
  status = { orgId: 7, disabled: false };
  issuer = new AccessTokenIssuer({ ring, clock, issuer: ISSUER, audience: ISSUER, ttl: 3600 });
  verifier = new TokenVerifier({
    ring,
    revocations,
    clients: new ClientCache(async () => (status ? ({ ...status } as OAuthClientRecord) : undefined), 0),
    clock,
    issuer: ISSUER,
    audience: ISSUER,
    cacheSize: 2,
  });
});
afterEach(async () => {
  await issuer.close();
  await handle.close();
});

describe('TokenVerifier', () => {
  it('returns the principal of a token it issued', async () => {
    const t = await issuer.issue('client-1', ['mydex:pdx', 'get:/x']);
    expect(await verifier.verify(t.accessToken)).toStrictEqual({
      principal: { clientId: 'client-1', orgId: 7, scopes: new Set(['mydex:pdx', 'get:/x']), jti: t.jti, exp: t.exp },
      iat: t.iat,
    });
  });

  it('checks the signature only once per token', async () => {
    const lookups = vi.spyOn(ring, 'verificationKey');
    const t = await issuer.issue('client-1', ['mydex:pdx']);
    await verifier.verify(t.accessToken);
    await verifier.verify(t.accessToken);
    await verifier.verify(t.accessToken);
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('keeps at most cacheSize verified tokens, dropping the least recently used', async () => {
    const lookups = vi.spyOn(ring, 'verificationKey');
    const [a, b, c] = (await Promise.all([1, 2, 3].map(() => issuer.issue('client-1', ['mydex:pdx'])))).map(
      (i) => i.accessToken,
    ) as [string, string, string];
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a is now the most recent
    await verifier.verify(c); // evicts b
    expect(lookups).toHaveBeenCalledTimes(3);
    await verifier.verify(a);
    expect(lookups).toHaveBeenCalledTimes(3);
    await verifier.verify(b);
    expect(lookups).toHaveBeenCalledTimes(4);
  });

  it('refuses a cached token once it is revoked, expired or its client is disabled', async () => {
    const revoked = await issuer.issue('client-1', ['mydex:pdx']);
    await verifier.verify(revoked.accessToken);
    await revocations.revoke(revoked.jti, revoked.exp);
    expect(await verifier.verify(revoked.accessToken)).toBeUndefined();

    const disabled = await issuer.issue('client-1', ['mydex:pdx']);
    await verifier.verify(disabled.accessToken);
    status = { orgId: 7, disabled: true };
    expect(await verifier.verify(disabled.accessToken)).toBeUndefined();
    status = undefined;
    expect(await verifier.verify(disabled.accessToken)).toBeUndefined();
    status = { orgId: 7, disabled: false };

    const expiring = await issuer.issue('client-1', ['mydex:pdx']);
    await verifier.verify(expiring.accessToken);
    clock.advance(3600);
    expect(await verifier.verify(expiring.accessToken)).toBeUndefined();
  });

  it('refuses an overlong token without looking at it', async () => {
    const lookups = vi.spyOn(ring, 'verificationKey');
    expect(await verifier.verify('a'.repeat(5000))).toBeUndefined();
    expect(lookups).not.toHaveBeenCalled();
  });
});
