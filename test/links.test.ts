import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { checkExpiringLink, expiringLink, LINK_SECRET_FILE, linkFor, linkToken, resolveLinkSecret, verifyLinkSegment } from '../src/platform/links.js';

describe('capability links', () => {
  const dir = mkdtempSync(join(tmpdir(), 'payouts-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const id = '01a22db1-7228-7630-ac6e-ba3f945691f7';

  it('generates the embedded secret once, privately, and reads it back', () => {
    const first = resolveLinkSecret({ linkSecret: undefined, databaseUrl: undefined, dataDir: dir });
    const second = resolveLinkSecret({ linkSecret: undefined, databaseUrl: undefined, dataDir: dir });
    expect(first).toBe(second);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, LINK_SECRET_FILE), 'utf8')).toBe(first);
    expect(statSync(join(dir, LINK_SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  it('requires LINK_SECRET with DATABASE_URL', () => {
    expect(() => resolveLinkSecret({ linkSecret: undefined, databaseUrl: 'postgres://x/y', dataDir: dir })).toThrow(ConfigError);
    expect(resolveLinkSecret({ linkSecret: 'x'.repeat(32), databaseUrl: 'postgres://x/y', dataDir: dir })).toBe('x'.repeat(32));
  });

  it('gives the same link every time and accepts only its own token', () => {
    const config = { publicUrl: 'https://pay.example.com', linkSecret: 'a'.repeat(40) };
    const link = linkFor(config, 'payout', id);
    expect(link).toBe(linkFor(config, 'payout', id));
    const segment = link.split('/').at(-1)!;
    expect(segment.split('.')[1]!.length).toBeGreaterThanOrEqual(22);
    expect(verifyLinkSegment(config.linkSecret, 'payout', segment)).toBe(id);
    expect(verifyLinkSegment(config.linkSecret, 'recipient', segment)).toBeUndefined();
    expect(verifyLinkSegment('b'.repeat(40), 'payout', segment)).toBeUndefined();
    expect(verifyLinkSegment(config.linkSecret, 'payout', `${id}.${linkToken(config.linkSecret, 'payout', id).slice(0, -1)}`)).toBeUndefined();
    expect(verifyLinkSegment(config.linkSecret, 'payout', id)).toBeUndefined();
  });

  it('signs an expiring link over its path and expiry: valid until then, expired after, invalid when altered', () => {
    const config = { publicUrl: 'https://pay.example.com', linkSecret: 'b'.repeat(40) };
    const path = `/links/tax-forms/${id}.pdf`;
    const now = new Date('2026-12-01T00:00:00Z');
    const url = new URL(expiringLink(config, path, new Date(now.getTime() + 7 * 86_400_000)));
    expect(url.pathname).toBe(path);
    const expires = url.searchParams.get('expires') ?? undefined;
    const signature = url.searchParams.get('signature') ?? undefined;
    expect(checkExpiringLink(config.linkSecret, path, expires, signature, now)).toBe('valid');
    expect(checkExpiringLink(config.linkSecret, path, expires, signature, new Date(now.getTime() + 8 * 86_400_000))).toBe('expired');
    expect(checkExpiringLink(config.linkSecret, path, String(Number(expires) + 86_400), signature, now)).toBe('invalid');
    expect(checkExpiringLink(config.linkSecret, path.replace(id.slice(-1), '0'), expires, signature, now)).toBe('invalid');
    expect(checkExpiringLink(config.linkSecret, path, expires, `${signature}x`, now)).toBe('invalid');
    expect(checkExpiringLink('c'.repeat(40), path, expires, signature, now)).toBe('invalid');
    expect(checkExpiringLink(config.linkSecret, path, undefined, signature, now)).toBe('invalid');
    expect(checkExpiringLink(config.linkSecret, path, '1e9', signature, now)).toBe('invalid');
  });
});
