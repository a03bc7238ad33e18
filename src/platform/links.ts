// Capability links: `${PUBLIC_URL}/p/<payoutId>.<token>` and `/r/<recipientId>.<token>`, where the
// token is an HMAC of the id under LINK_SECRET. The same link is answered every time without
// storing it; a link to one payout can never be turned into a link to another.

import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError } from '../config.js';
import { isUuid } from './ids.js';
import { constantTimeEqual } from './secure-compare.js';

export type LinkKind = 'payout' | 'recipient';
export type LinkConfig = Pick<Config, 'publicUrl' | 'linkSecret'>;

const PATH_OF: Record<LinkKind, string> = { payout: 'p', recipient: 'r' };
// 24 base64url characters = 144 bits of the HMAC, above the SPEC's 128.
const TOKEN_LENGTH = 24;
export const LINK_SECRET_FILE = 'link-secret';

export function linkToken(secret: string, kind: LinkKind, id: string): string {
  return createHmac('sha256', secret).update(`${kind}:${id}`).digest('base64url').slice(0, TOKEN_LENGTH);
}

export function linkFor(config: LinkConfig, kind: LinkKind, id: string): string {
  return `${config.publicUrl}/${PATH_OF[kind]}/${id}.${linkToken(requireSecret(config), kind, id)}`;
}

/** The id a link's last segment (`<id>.<token>`) stands for, or undefined when it is not genuine. */
export function verifyLinkSegment(secret: string, kind: LinkKind, segment: string): string | undefined {
  const dot = segment.indexOf('.');
  if (dot === -1) return undefined;
  const id = segment.slice(0, dot);
  if (!isUuid(id)) return undefined;
  return constantTimeEqual(segment.slice(dot + 1), linkToken(secret, kind, id)) ? id : undefined;
}

/**
 * A link that expires, for a file handed to a third party (the `url` of `tax_form.created`, valid
 * 7 days): `${PUBLIC_URL}<path>?expires=<unix seconds>&signature=<HMAC>`. The HMAC covers the path
 * and the expiry, so neither can be changed; it is kept whole (256 bits).
 */
export function expiringLink(config: LinkConfig, path: string, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `${config.publicUrl}${path}?expires=${expires}&signature=${expiringSignature(requireSecret(config), path, expires)}`;
}

export type ExpiringLinkCheck = 'valid' | 'expired' | 'invalid';

/** Whether `expires` and `signature` (from the query) are genuine for `path` and not yet past. */
export function checkExpiringLink(
  secret: string,
  path: string,
  expires: string | undefined,
  signature: string | undefined,
  now = new Date(),
): ExpiringLinkCheck {
  if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return 'invalid';
  if (!constantTimeEqual(signature, expiringSignature(secret, path, Number(expires)))) return 'invalid';
  return Number(expires) * 1000 > now.getTime() ? 'valid' : 'expired';
}

const expiringSignature = (secret: string, path: string, expires: number) =>
  createHmac('sha256', secret).update(`expiring:${path}:${expires}`).digest('base64url');

function requireSecret(config: Pick<Config, 'linkSecret'>): string {
  if (!config.linkSecret) throw new Error('LINK_SECRET was not resolved at start-up (resolveLinkSecret).');
  return config.linkSecret;
}

/**
 * LINK_SECRET as configured; with the embedded database and none set, the one kept in DATA_DIR,
 * generated on first start (mode 0600). Two processes starting together cannot each keep their
 * own: the loser reads the winner's.
 */
export function resolveLinkSecret(config: Pick<Config, 'linkSecret' | 'databaseUrl' | 'dataDir'>): string {
  if (config.linkSecret) return config.linkSecret;
  if (config.databaseUrl)
    throw new ConfigError(
      'Invalid configuration:\n  LINK_SECRET is required when DATABASE_URL is set (32+ random characters, e.g. `openssl rand -base64 32`).',
    );
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, LINK_SECRET_FILE);
  // Written whole under a private name first, then linked into place: the link either wins or
  // finds the winner's complete file, so no reader ever sees half a secret.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new ConfigError(`Invalid configuration:\n  ${file} does not hold a link secret of 32+ characters.`);
  return secret;
}

/** The configuration with LINK_SECRET resolved: what the API and the worker run with. */
export const withLinkSecret = (config: Readonly<Config>): Readonly<Config> => Object.freeze({ ...config, linkSecret: resolveLinkSecret(config) });
