import { describe, expect, it } from 'vitest';
import { checkCallbackTarget, isPublicAddress, TARGET_NOT_ALLOWED } from './target-policy.ts';

describe('isPublicAddress (WH-08)', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf:ffff::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::127.0.0.1',
    '64:ff9b::10.0.0.1',
    '2002:0a00:0001::1',
    'not an address',
    '',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.0.1',
    '192.169.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
  ])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('checkCallbackTarget', () => {
  const resolveTo = (addresses: string[]) => async () => addresses;

  it('refuses http in live and allows it in sandbox', async () => {
    expect(await checkCallbackTarget('http://subscriber.example/cb', 'live', resolveTo(['8.8.8.8']))).toEqual({
      ok: false,
      reason: 'target must use https in live',
    });
    expect(await checkCallbackTarget('http://127.0.0.1:9/cb', 'sandbox')).toEqual({ ok: true });
  });

  it('refuses a live host when any of its addresses is not public (one private answer is enough)', async () => {
    expect(await checkCallbackTarget('https://sub.example/cb', 'live', resolveTo(['8.8.8.8']))).toEqual({ ok: true });
    expect(await checkCallbackTarget('https://sub.example/cb', 'live', resolveTo(['8.8.8.8', '10.0.0.5']))).toEqual({
      ok: false,
      reason: TARGET_NOT_ALLOWED,
    });
    expect(await checkCallbackTarget('https://sub.example/cb', 'live', resolveTo([]))).toMatchObject({ ok: false });
  });

  it('checks address literals, bracketed IPv6 included, without resolving them', async () => {
    const never = async () => {
      throw new Error('must not resolve');
    };
    expect(await checkCallbackTarget('https://127.0.0.1/cb', 'live', never)).toEqual({ ok: false, reason: TARGET_NOT_ALLOWED });
    expect(await checkCallbackTarget('https://[::ffff:127.0.0.1]/cb', 'live', never)).toEqual({
      ok: false,
      reason: TARGET_NOT_ALLOWED,
    });
    expect(await checkCallbackTarget('https://[::1]:8443/cb', 'live', never)).toEqual({ ok: false, reason: TARGET_NOT_ALLOWED });
    expect(await checkCallbackTarget('https://[2606:4700:4700::1111]/cb', 'live', never)).toEqual({ ok: true });
  });

  it('resolves localhost with the system resolver and refuses it in live', async () => {
    expect(await checkCallbackTarget('https://localhost/cb', 'live')).toEqual({ ok: false, reason: TARGET_NOT_ALLOWED });
  });

  it('refuses other schemes and a host that does not resolve', async () => {
    expect(await checkCallbackTarget('ftp://sub.example/cb', 'sandbox')).toMatchObject({ ok: false });
    expect(await checkCallbackTarget('not a url', 'live')).toMatchObject({ ok: false });
    const fails = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await checkCallbackTarget('https://nowhere.invalid/cb', 'live', fails)).toEqual({
      ok: false,
      reason: 'target host did not resolve',
    });
  });
});
