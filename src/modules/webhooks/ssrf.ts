import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { BlockList } from 'node:net';
import { AppError } from '../../platform/http/errors.js';

// Webhook targets are URLs chosen by API users, so without a guard they could make this server
// call its own network: loopback, private ranges, link-local (cloud metadata) and the like.
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
// IPv6 special ranges: unspecified, loopback, unique-local, link-local, site-local (deprecated but
// still routed by some stacks), multicast, discard-only (100::/64), NAT64 local-use (64:ff9b:1::/48),
// Teredo (2001::/32, its client address is obfuscated) and documentation (2001:db8::/32).
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['100::', 64],
  ['64:ff9b:1::', 48],
  ['2001::', 32],
  ['2001:db8::', 32],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (isIP already said it is one), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
const allZero = (groups: number[]) => groups.every((g) => g === 0);

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped
 * (::ffff:a.b.c.d, however written), IPv4-compatible (::a.b.c.d), IPv4-translated
 * (::ffff:0:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
 */
export function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  if (allZero(g.slice(0, 5)) && g[5] === 0xffff) return ipv4Of(g[6]!, g[7]!);
  if (allZero(g.slice(0, 6))) return ipv4Of(g[6]!, g[7]!);
  if (allZero(g.slice(0, 4)) && g[4] === 0xffff && g[5] === 0) return ipv4Of(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && allZero(g.slice(2, 6))) return ipv4Of(g[6]!, g[7]!);
  if (g[0] === 0x2002) return ipv4Of(g[1]!, g[2]!);
  return undefined;
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return blocked.check(address, 'ipv4');
  if (blocked.check(address, 'ipv6')) return true;
  const v4 = embeddedIpv4(address);
  return v4 !== undefined && blocked.check(v4, 'ipv4');
}

export const PRIVATE_TARGET_HINT = 'set WEBHOOK_ALLOW_PRIVATE=1 on the server to allow private and loopback targets for local testing';

export class PrivateTargetError extends Error {
  constructor(readonly address: string) {
    super(`The callback URL resolves to a private or loopback address (${address}); ${PRIVATE_TARGET_HINT}.`);
  }
}

/** A DNS lookup for outgoing connections that refuses private addresses (so DNS rebinding cannot bypass the check). */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new PrivateTargetError(bad.address), '');
      if ((options as { all?: boolean }).all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** Validates a callback URL before it is stored: http(s), a host, and (unless allowed) a public address. */
export async function checkCallbackUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_callback_url', 'The callback URL is not a valid URL.', 'callback_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('invalid_callback_url', 'The callback URL must use http or https.', 'callback_url');
  if (url.username || url.password) throw new AppError('invalid_callback_url', 'The callback URL must not contain credentials.', 'callback_url');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : await new Promise<string[]>((resolve) =>
        dnsLookup(host, { all: true }, (err, found) => resolve(err ? [] : (found as LookupAddress[]).map((a) => a.address))),
      );
  if (addresses.length === 0) return url; // unresolvable now: the handshake reports it
  const bad = addresses.find(isPrivateAddress);
  if (bad) throw new AppError('invalid_callback_url', new PrivateTargetError(bad).message, 'callback_url');
  return url;
}
