// Set-password links for dashboard users: the invitation a new user gets (72 h) and the password
// reset anyone can ask for (1 h). Each link carries 256 random bits; only their SHA-256 is stored,
// a link works once, and a newer link of the same kind voids the older one.
//
// The emails are production emails of the user's organization, whatever environment the admin was
// looking at: dashboard users belong to no environment, and production is the one that actually
// sends (the sandbox only captures). So API keys never see these links: production emails show
// their secrets to nobody but the addressee.

import { randomBytes } from 'node:crypto';
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import { queueEmail } from '../emails/index.js';
import { findOrganization } from '../organizations/index.js';
import { assertStrongPassword } from './password-strength.js';
import { hashPassword } from './passwords.js';
import type { Role } from './permissions.js';
import * as sessions from './sessions.repository.js';
import * as tokens from './user-tokens.repository.js';
import * as repo from './users.repository.js';
import { checkNewUser, normalizeEmail, openSession, type Session, sha256, type User, type UserSettings } from './users.service.js';

export const INVITATION_TTL_HOURS = 72;
export const RESET_TTL_MINUTES = 60;

const organizationName = async (ex: Executor, organizationId: string) => (await findOrganization(ex, organizationId))?.name ?? 'Payouts';

/** A new token of `purpose` for the user (voiding their older ones) and its email, in the caller's transaction. */
async function issueLink(tx: Executor, user: User, purpose: tokens.TokenPurpose, invitedBy: string | null): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const ttlMinutes = purpose === 'invite' ? INVITATION_TTL_HOURS * 60 : RESET_TTL_MINUTES;
  await tokens.replaceUserToken(tx, { tokenHash: sha256(token), userId: user.id, purpose, ttlMinutes });
  const tenant = { organizationId: user.organizationId, environment: 'production' as const };
  const name = await organizationName(tx, user.organizationId);
  const expiresAt = new Date(Date.now() + ttlMinutes * 60_000);
  if (purpose === 'invite') {
    await queueEmail(tx, tenant, {
      recipientId: null,
      to: user.email,
      template: 'user_invitation',
      data: { organizationName: name, email: user.email, role: user.role, invitedBy, token, validHours: INVITATION_TTL_HOURS },
      expiresAt,
    });
  } else {
    // A reset is wanted now: it goes out ahead of bulk mail, like a code.
    await queueEmail(tx, tenant, {
      recipientId: null,
      to: user.email,
      template: 'password_reset',
      data: { organizationName: name, email: user.email, token, validMinutes: RESET_TTL_MINUTES },
      priority: 0,
      expiresAt,
    });
  }
}

/**
 * Adds a user without a password and emails them an invitation to choose one, in one transaction:
 * the user and their email exist together or not at all.
 */
export async function inviteUser(db: Database, input: { organizationId: string; email: string; role: Role; invitedBy: string }): Promise<User> {
  const email = normalizeEmail(input.email);
  await checkNewUser(email, undefined, input.role);
  const user = await db.transaction(async (tx) => {
    const created = await repo.insertUser(tx, {
      id: uuidv7(),
      organizationId: input.organizationId,
      email,
      passwordHash: null,
      role: input.role,
      createdBy: input.invitedBy,
    });
    if (created) await issueLink(tx, created, 'invite', input.invitedBy);
    return created;
  });
  if (!user) throw new AppError('conflict', 'This email cannot be used for a new user. Choose another address.', 'email');
  return user;
}

/** Sends a pending user a new invitation; the previous link stops working. */
export async function resendInvitation(db: Database, organizationId: string, userId: string, invitedBy: string): Promise<User> {
  if (!isUuid(userId)) throw notFound('user', 'id');
  return db.transaction(async (tx) => {
    const user = await repo.findUserInOrganization(tx, organizationId, userId);
    if (!user) throw notFound('user', 'id');
    if (!user.pending) throw new AppError('invalid_state', 'This user has already chosen a password: they can use "Forgot password?" instead.', 'id');
    await issueLink(tx, user, 'invite', invitedBy);
    return user;
  });
}

/**
 * Emails a reset link when the address belongs to a user, and does nothing otherwise; the caller
 * answers the same either way. Both paths run the same lookup; only a known user adds two writes.
 */
export async function requestPasswordReset(db: Database, email: string): Promise<void> {
  const normalized = normalizeEmail(email);
  await db.transaction(async (tx) => {
    const user = await repo.findUserByEmail(tx, normalized);
    if (user) await issueLink(tx, user, 'reset', null);
  });
}

const badLink = () => new AppError('invalid_request', 'This link is invalid, expired or already used. Ask for a new one.', 'token');

/**
 * Sets a password from an emailed link: the password must be strong, the token is spent, every
 * other link of the user is voided, all their sessions end, and a new one starts. Answers it.
 */
export async function setPasswordWithToken(db: Database, settings: UserSettings, input: { token: string; password: string }): Promise<Session> {
  const tokenHash = sha256(input.token);
  const live = await tokens.findLiveUserToken(db, tokenHash);
  if (!live) throw badLink();
  // Checked before the token is spent, so a refused password leaves the link usable.
  await assertStrongPassword(input.password, [live.email]);
  const passwordHash = await hashPassword(input.password, settings.passwordHashCost);
  return db.transaction(async (tx) => {
    if (!(await tokens.useUserToken(tx, tokenHash, live.userId))) throw badLink();
    await tokens.voidUserTokens(tx, live.userId);
    if (!(await repo.setPasswordHash(tx, live.userId, passwordHash))) throw badLink();
    await sessions.deleteSessionsOfUser(tx, live.userId);
    // Control of the mailbox is proof enough: earlier failed sign-ins no longer lock them out.
    await sessions.clearLoginFailures(tx, live.email);
    const user = await repo.findUserWithHashById(tx, live.userId);
    const { passwordHash: _hidden, ...publicUser } = user!;
    return openSession(tx, settings, publicUser);
  });
}
