import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { parseFtcSetup, parseInvite, parseNotify } from './idaas-request.ts';

const hash = 'a'.repeat(128);

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.message;
    throw err;
  }
  throw new Error('no problem reported');
}

describe('IDaaS request bodies', () => {
  it('reads an FtcSetupRequestBody, trimming text and taking numbers for strings and strings for integers', () => {
    expect(
      parseFtcSetup({
        connection_nid: 40000,
        connection_token_hash: ` ${hash} `,
        return_to: 'https://x.example/back',
        mydexid: ' jo ',
        version: '2',
        linking_token: 7,
      }),
    ).toEqual({ nid: 40000, tokenHash: hash, returnTo: 'https://x.example/back', mydexid: 'jo', version: 2, linkingToken: '7' });
  });

  it('treats null and empty optional fields as absent', () => {
    expect(
      parseFtcSetup({
        connection_nid: '1',
        connection_token_hash: hash,
        return_to: 'https://x',
        mydexid: null,
        linking_token: '',
      }),
    ).toMatchObject({ mydexid: null, version: undefined, linkingToken: null });
  });

  it('reports every problem at once, in field order', () => {
    expect(problems(() => parseFtcSetup({ connection_nid: '0', connection_token_hash: {}, return_to: ['x'], version: -1 }))).toBe(
      'connection_nid must be a connection NID (a positive whole number). connection_token_hash must be a string. ' +
        'return_to must be a string. version must be a whole number from 1 to 2147483647.',
    );
  });

  it('limits the length of fields', () => {
    expect(
      problems(() =>
        parseFtcSetup({
          connection_nid: '1',
          connection_token_hash: hash,
          return_to: 'https://x',
          linking_token: 'x'.repeat(256),
        }),
      ),
    ).toBe('linking_token must be at most 255 characters.');
  });

  it('reads identifier_auth with its prefix in problems, and keeps the line breaks of messages', () => {
    expect(problems(() => parseNotify({ identifier_auth: 'x', message_email: 'hi' }))).toBe('identifier_auth must be an object.');
    expect(
      parseNotify({ identifier_auth: { parent_uuid: '550E8400-E29B-41D4-A716-446655440000' }, message_email: ' a\n\nb ' }),
    ).toMatchObject({
      parentUuid: '550e8400-e29b-41d4-a716-446655440000',
      messageEmail: 'a\n\nb',
      messageSms: null,
      nid: undefined,
    });
  });

  it('requires every field the reference marks required in an InviteRequestBody', () => {
    expect(problems(() => parseInvite({}))).toBe(
      'identifier is required. app_url is required. client_id is required. con_nid is required. org_id is required. ' +
        'project_id is required. item_id is required. type is required. message_email is required.',
    );
  });
});
