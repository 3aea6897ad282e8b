/**
 * Where a live server may send callbacks (WH-08, OWASP API7 SSRF): https only, and only to public
 * addresses. The host is resolved and every address must be public, so a subscriber cannot point
 * its callback at the operator's own network. The sandbox allows http and loopback for local work.
 *
 * Limit: fetch resolves the name again when it connects, so a DNS answer that changes between the
 * check and the connection (rebinding) is not caught here; pinning the address needs an undici
 * Agent with a checking `connect.lookup`.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type TargetVerdict = { ok: true } | { ok: false; reason: string };

export const TARGET_NOT_ALLOWED = 'target address not allowed';

export type ResolveHost = (host: string) => Promise<string[]>;

const resolveAll: ResolveHost = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export async function checkCallbackTarget(
  raw: string,
  env: 'sandbox' | 'live',
  resolve: ResolveHost = resolveAll,
): Promise<TargetVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'target is not a valid URL' };
  }
  if (url.protocol !== 'https:' && (env === 'live' || url.protocol !== 'http:')) {
    return { ok: false, reason: env === 'live' ? 'target must use https in live' : 'target must use http or https' };
  }
  if (env === 'sandbox') return { ok: true };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return { ok: false, reason: 'target host did not resolve' };
  }
  if (!addresses.length || !addresses.every(isPublicAddress)) return { ok: false, reason: TARGET_NOT_ALLOWED };
  return { ok: true };
}

/** IPv4 ranges that are not the public internet: [base address, prefix length]. */
const BLOCKED_V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.168.0.0', 16], // private
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

/** True when `address` (IPv4 or IPv6 text) is a public unicast address a callback may reach. */
export function isPublicAddress(address: string): boolean {
  const bare = address.split('%')[0]!;
  const kind = isIP(bare);
  if (kind === 4) return isPublicV4(v4ToNumber(bare));
  if (kind === 6) return isPublicV6(v6ToBytes(bare));
  return false;
}

function v4ToNumber(a: string): number {
  return a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function isPublicV4(n: number): boolean {
  return !BLOCKED_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4ToNumber(base) / 2 ** (32 - bits)));
}

function isPublicV6(b: number[]): boolean {
  const allZero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const embeddedV4 = (at: number) => isPublicV4(((b[at]! * 256 + b[at + 1]!) * 256 + b[at + 2]!) * 256 + b[at + 3]!);
  if (allZero(0, 16)) return false; // :: unspecified
  if (allZero(0, 15) && b[15] === 1) return false; // ::1 loopback
  if (allZero(0, 10) && b[10] === 0xff && b[11] === 0xff) return embeddedV4(12); // ::ffff:a.b.c.d mapped
  if (allZero(0, 12)) return embeddedV4(12); // ::a.b.c.d (deprecated IPv4-compatible)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && allZero(4, 12)) return embeddedV4(12); // 64:ff9b::/96 NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return embeddedV4(2); // 2002::/16 6to4
  if ((b[0]! & 0xfe) === 0xfc) return false; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return false; // fe80::/10 link-local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return false; // fec0::/10 site-local (deprecated)
  if (b[0] === 0xff) return false; // ff00::/8 multicast
  return true;
}

/** 16 bytes of an IPv6 address already validated by net.isIP (handles `::` and a dotted tail). */
function v6ToBytes(a: string): number[] {
  let text = a.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4ToNumber(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}
