/** The checked-in client types are exactly what openapi-typescript makes of the reference today. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED, generateClientTypes } from './generate-client.ts';

describe('the generated IDaaS client types', () => {
  it('match a fresh generation from the reference (regenerate: npx tsx test/idaas/generate-client.ts)', async () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(await generateClientTypes());
  });

  it('describe every operation of the reference by its operationId', () => {
    const text = readFileSync(GENERATED, 'utf8');
    for (const id of [
      'postFtcSetup',
      'postIdentify',
      'postNotifyMemberViaIdentifier',
      'patchNotifyStatus',
      'postStoreAndSendIdentifierInvite',
      'getIdentifierInvite',
      'postInviteStatus',
      'getMydexIdFromMyAccountSvt',
      'getMydexIdFromScotAccountSub',
    ]) {
      expect(text).toContain(`\n  ${id}: {`);
    }
  });
});
