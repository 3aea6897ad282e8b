import { describe, expect, it } from 'vitest';
import type { ClientPrincipal } from '../oauth/principal.ts';
import { readConnectionCredentials } from './connection-credentials.ts';

const principal: ClientPrincipal = { clientId: 'c', orgId: 1, scopes: new Set(['mydex:pdx']), jti: 'j', exp: 0 };

describe('readConnectionCredentials', () => {
  it('reads the NID as a number or a numeric string, and the rest as trimmed text', () => {
    const headers = { 'short-access-token': ' pdx_sat_1 ', authentication: 'ABC' };
    for (const nid of [4020, '4020']) {
      expect(readConnectionCredentials(principal, headers, { connection_nid: nid, connection_token_hash: ' h ' })).toEqual({
        principal,
        nid: 4020,
        sat: 'pdx_sat_1',
        authentication: 'ABC',
        connectionTokenHash: 'h',
      });
    }
  });

  it('takes a header sent once as a one-element list, and treats anything else as absent', () => {
    const read = (sat: string | string[] | undefined, body: Record<string, unknown>) =>
      readConnectionCredentials(principal, { 'short-access-token': sat }, body);
    expect(read(['s'], {}).sat).toBe('s');
    expect(read(['s', 't'], {}).sat).toBeUndefined();
    expect(read('   ', {}).sat).toBeUndefined();
    expect(read(undefined, { connection_nid: 'x', connection_token_hash: { a: 1 } })).toMatchObject({
      nid: undefined,
      sat: undefined,
      authentication: '',
      connectionTokenHash: '',
    });
    expect(read(undefined, { connection_nid: 0 }).nid).toBeUndefined();
  });
});
