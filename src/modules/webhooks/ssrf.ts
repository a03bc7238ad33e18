import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { BlockList } from 'node:net';
import { AppError } from '../../platform/http/errors.js';

// Webhook targets are URLs chosen by API users, so without a guard they could make this server
// call its own network: loopback, private ranges, link-local (cloud metadata) and the like.
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) blocked.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
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
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('invalid_callback_url', 'The callback URL must use http or https.', 'callback_url');
  if (url.username || url.password) throw new AppError('invalid_callback_url', 'The callback URL must not contain credentials.', 'callback_url');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await new Promise<string[]>((resolve) =>
    dnsLookup(host, { all: true }, (err, found) => resolve(err ? [] : (found as LookupAddress[]).map((a) => a.address))),
  );
  if (addresses.length === 0) return url; // unresolvable now: the handshake reports it
  const bad = addresses.find(isPrivateAddress);
  if (bad) throw new AppError('invalid_callback_url', new PrivateTargetError(bad).message, 'callback_url');
  return url;
}
