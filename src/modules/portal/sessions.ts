import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../../platform/db/database.js';
import { readCookie } from '../../platform/http/auth.js';
import { constantTimeEqual } from '../../platform/secure-compare.js';
import type { Tenant } from '../../platform/tenant.js';
import * as repo from './sessions.repository.js';

// Portal sessions: opened by a right code, bound to that one recipient (and so to its organization
// and environment), 12 hours, in their own cookie scoped to /portal, separate from the dashboard's.

export const PORTAL_COOKIE = 'portal_session';
export const PORTAL_SESSION_HOURS = 12;

export interface NewPortalSession {
  token: string;
  csrfToken: string;
}

export interface PortalSession {
  tokenHash: Buffer;
  recipientId: string;
  tenant: Tenant;
  csrfToken: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

export async function startPortalSession(tx: Executor, recipientId: string): Promise<NewPortalSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await repo.insertPortalSession(tx, { tokenHash: hashToken(token), recipientId, csrfToken, ttlHours: PORTAL_SESSION_HOURS });
  return { token, csrfToken };
}

/** The live session the request's cookie names, if any. */
export async function readPortalSession(ex: Executor, cookieHeader: string | undefined): Promise<PortalSession | undefined> {
  const token = readCookie(cookieHeader, PORTAL_COOKIE);
  if (!token || token.length > 100) return undefined;
  const tokenHash = hashToken(token);
  const found = await repo.findLivePortalSession(ex, tokenHash);
  return (
    found && {
      tokenHash,
      recipientId: found.recipientId,
      tenant: { organizationId: found.organizationId, environment: found.environment },
      csrfToken: found.csrfToken,
    }
  );
}

export const endPortalSession = (ex: Executor, session: PortalSession) => repo.deletePortalSession(ex, session.tokenHash);

export const csrfMatches = (session: PortalSession, sent: unknown) => typeof sent === 'string' && constantTimeEqual(sent, session.csrfToken);

const cookieAttributes = (secure: boolean) => `Path=/portal; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
export const sessionCookie = (token: string, secure: boolean) =>
  `${PORTAL_COOKIE}=${token}; Max-Age=${PORTAL_SESSION_HOURS * 3600}; ${cookieAttributes(secure)}`;
export const clearedSessionCookie = (secure: boolean) => `${PORTAL_COOKIE}=; Max-Age=0; ${cookieAttributes(secure)}`;

/**
 * How a signer record names the session that signed: the start of the token's hash, which finds
 * the session's row (stored by that hash) but, being a hash, can never be used as the cookie.
 */
export const sessionReference = (session: PortalSession) => `portal-session:${session.tokenHash.toString('hex').slice(0, 32)}`;
