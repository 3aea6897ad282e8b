import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { FormClient, squash } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('registration throttle', () => {
  it('allows ten registrations an hour from one address, then pauses with 429', async () => {
    // A fresh browser each time (a signed-in one is sent to /me), all from the same address.
    const register = (n: number) =>
      new FormClient(t.app).submit('/register', '/register', {
        mydexid: `flood${n}`,
        email: `flood${n}@example.org`,
        password: 'a long password',
        private_key: 'a different private key',
        private_key_confirm: 'a different private key',
      });
    for (let n = 0; n < 10; n++) expect((await register(n)).statusCode, `registration ${n}`).toBe(303);
    const refused = await register(10);
    expect(refused.statusCode).toBe(429);
    expect(squash(refused.body)).toContain('creating accounts from this network is paused until');
    expect(await t.ctx.members.accounts.getMember({ mydexid: 'flood10' })).toBeUndefined();
  });
});
