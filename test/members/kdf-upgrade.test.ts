/**
 * CR-12: a Private Key wrap or a password hash made with weaker Argon2id settings than the
 * server's current ones is upgraded at the next successful use; the data never changes.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app-context.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createMember } from '../fixtures.ts';
import { createTestApp, TEST_PG_URL, type TestApp } from '../harness.ts';

let weak: TestApp;
let strong: AppContext;

beforeAll(async () => {
  weak = await createTestApp({ startWorkers: false });
  // A second server on the same database, configured with stronger settings.
  const config = loadConfig({
    OPENPDX_DATABASE_URL: TEST_PG_URL ?? join(weak.dir, 'openpdx.sqlite'),
    OPENPDX_MASTER_KEY: weak.ctx.config.masterKey,
    OPENPDX_DATA_DIR: weak.dir,
    OPENPDX_SEED: 'off',
    OPENPDX_ARGON2_MEMORY_KIB: '24576',
    OPENPDX_ARGON2_TIME: '3',
  });
  strong = await createAppContext(config, {
    logger: pino({ level: 'silent' }),
    startWorkers: false,
    ...(weak.ctx.database.pgSchema ? { databaseOptions: { pgSchema: weak.ctx.database.pgSchema } } : {}),
  });
});
afterAll(async () => {
  await strong?.close();
  await weak?.close();
});

const kdfOf = async (uid: number) =>
  JSON.parse(
    (await weak.ctx.db.selectFrom('members').select('private_key_kdf').where('uid', '=', uid).executeTakeFirstOrThrow())
      .private_key_kdf,
  ) as {
    memoryCost: number;
    timeCost: number;
    salt: string;
  };

describe('Argon2id parameter upgrade (CR-12)', () => {
  it('re-wraps the data keys under the stronger settings at the next unlock, leaving the data as it was', async () => {
    const m = await createMember(weak.ctx, 'upgradee');
    await weak.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_fname: 'Ada' });
    const before = await kdfOf(m.uid);
    expect(before).toMatchObject({ memoryCost: 19456, timeCost: 2 });
    const cipher = await weak.ctx.db.selectFrom('metadata_records').select('ciphertext').where('uid', '=', m.uid).execute();

    (await strong.members.keys.unlock(m.uid, m.privateKey)).wipe();

    const after = await kdfOf(m.uid);
    expect(after).toMatchObject({ memoryCost: 24576, timeCost: 3 });
    expect(after.salt).not.toBe(before.salt);
    expect(await weak.ctx.db.selectFrom('metadata_records').select('ciphertext').where('uid', '=', m.uid).execute()).toEqual(
      cipher,
    );
    const view = await strong.memberData.view(m.uid, m.privateKey);
    expect(view.find((d) => d.name === 'ds_personal_details')!.instances['0']).toEqual({ field_personal_fname: 'Ada' });
  });

  it('upgrades the password hash at the next good login', async () => {
    const m = await createMember(weak.ctx, 'rehashee');
    const hashOf = async () =>
      (await weak.ctx.db.selectFrom('members').select('password_hash').where('uid', '=', m.uid).executeTakeFirstOrThrow())
        .password_hash;
    expect(await hashOf()).toContain('m=19456,p=1,t=2');
    expect(await strong.members.accounts.authenticate(m.mydexid, 'wrong password')).toBeUndefined();
    expect(await hashOf()).toContain('m=19456,p=1,t=2');
    expect((await strong.members.accounts.authenticate(m.mydexid, m.password))?.uid).toBe(m.uid);
    expect(await hashOf()).toContain('m=24576,p=1,t=3');
    expect((await weak.ctx.members.accounts.authenticate(m.mydexid, m.password))?.uid).toBe(m.uid);
  });
});
