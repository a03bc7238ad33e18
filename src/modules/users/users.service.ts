import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { resolveOrganization } from '../organizations/index.js';
import { assertStrongPassword } from './password-strength.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { ROLES, type Role } from './permissions.js';
import * as sessions from './sessions.repository.js';
import * as repo from './users.repository.js';
import type { User } from './users.repository.js';

export type { User };

const FAILURE_LIMIT = 5;
const FAILURE_WINDOW_SECONDS = 15 * 60;
const LOCK_SECONDS = 15 * 60;
const SETUP_TOKEN_TTL_HOURS = 24;

/** The settings the users module reads: the password hash cost (tests lower it) and the session length. */
export type UserSettings = Pick<Config, 'passwordHashCost' | 'sessionTtlHours'>;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const sha256 = (token: string): Buffer => createHash('sha256').update(token).digest();
export const hashSessionToken = sha256;

/** Checks a new user's email and role, and their password when one is given (an invited user has none yet). */
export async function checkNewUser(email: string, password: string | undefined, role: string): Promise<void> {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new AppError('invalid_request', 'Enter a valid email address.', 'email');
  if (!(ROLES as readonly string[]).includes(role)) throw new AppError('invalid_request', `The role must be one of: ${ROLES.join(', ')}.`, 'role');
  if (password !== undefined) await assertStrongPassword(password, [email]);
}

export const needsSetup = async (db: Database): Promise<boolean> => (await repo.countUsers(db)) === 0;

/**
 * While no user exists, adds a one-time setup token (256 random bits; only its hash is stored)
 * and answers it, for the server to print at start. Each API process may add its own; any live
 * one works, and all are deleted with the first user. Answers undefined once a user exists.
 */
export async function issueSetupToken(db: Database): Promise<string | undefined> {
  const token = randomBytes(32).toString('base64url');
  const added = await db.transaction(async (tx) => {
    await repo.deleteExpiredSetupTokens(tx);
    return repo.insertSetupToken(tx, sha256(token), SETUP_TOKEN_TTL_HOURS);
  });
  return added ? token : undefined;
}

const alreadySetUp = () => new AppError('conflict', 'The first admin already exists: sign in instead.');
const badSetupToken = () =>
  new AppError(
    'forbidden',
    'Missing, wrong or expired setup token. Open the link the server printed in its log at start (restart it for a new one), or create the admin with: npx payouts users create --role admin.',
    'setupToken',
  );

/**
 * Creates the first admin on the default organization. Requires a live setup token, the proof
 * that the caller controls the server; refused once any user exists.
 */
export async function setupFirstAdmin(
  db: Database,
  settings: UserSettings,
  input: { email: string; password: string; setupToken?: string | undefined },
): Promise<User> {
  if (!(await needsSetup(db))) throw alreadySetUp();
  const setupTokenHash = sha256(input.setupToken ?? '');
  if (!input.setupToken || !(await repo.setupTokenIsLive(db, setupTokenHash))) throw badSetupToken();
  const email = normalizeEmail(input.email);
  await checkNewUser(email, input.password, 'admin');
  const organization = await resolveOrganization(db);
  const passwordHash = await hashPassword(input.password, settings.passwordHashCost);
  const user = await db.transaction(async (tx) => {
    const created = await repo.insertFirstUser(tx, { id: uuidv7(), organizationId: organization.id, email, passwordHash, setupTokenHash });
    if (created) await repo.deleteAllSetupTokens(tx);
    return created;
  });
  if (!user) throw (await needsSetup(db)) ? badSetupToken() : alreadySetUp();
  return user;
}

/**
 * Adds a user to an organization. Emails are unique across the installation (sign-in needs only
 * the email), so a taken email is refused; the refusal is the same whether the account is in the
 * caller's organization or another one, and says nothing about where it is.
 */
export async function createUser(
  db: Database,
  settings: UserSettings,
  input: { organizationId: string; email: string; password: string; role: Role; createdBy: string | null },
): Promise<User> {
  const email = normalizeEmail(input.email);
  await checkNewUser(email, input.password, input.role);
  const passwordHash = await hashPassword(input.password, settings.passwordHashCost);
  const user = await db.transaction(async (tx) => {
    const created = await repo.insertUser(tx, {
      id: uuidv7(),
      organizationId: input.organizationId,
      email,
      passwordHash,
      role: input.role,
      createdBy: input.createdBy,
    });
    // The first user made by the CLI ends the setup window as well.
    if (created) await repo.deleteAllSetupTokens(tx);
    return created;
  });
  if (!user) throw new AppError('conflict', 'This email cannot be used for a new user. Choose another address.', 'email');
  return user;
}

export interface Session {
  token: string;
  csrfToken: string;
  user: User;
}

const tooManyAttempts = (seconds: number) => {
  const minutes = Math.ceil(seconds / 60);
  return new AppError('too_many_requests', `Too many failed sign-ins for this email. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, undefined, {
    'Retry-After': String(seconds),
  });
};

/** Counts the attempt first (429 past the limit), so concurrent guesses cannot exceed it. */
async function reserveAttempt(db: Database, email: string): Promise<void> {
  const { refusedForSeconds } = await sessions.reserveLoginAttempt(db, email, FAILURE_LIMIT, FAILURE_WINDOW_SECONDS, LOCK_SECONDS);
  if (refusedForSeconds !== undefined) throw tooManyAttempts(refusedForSeconds);
}

/**
 * Signs in. Each success issues a brand-new session token (never one the browser brought, so a
 * planted cookie is useless); repeated failures lock the email for a while. A hash made with
 * weaker parameters than today's is replaced now that the password is at hand.
 */
export async function login(db: Database, settings: UserSettings, email: string, password: string): Promise<Session> {
  const normalized = normalizeEmail(email);
  await reserveAttempt(db, normalized);
  const user = await repo.findUserWithHashByEmail(db, normalized);
  // An invited user without a password yet costs the same check as an unknown email, and fails.
  const valid = await verifyPassword(password, user?.passwordHash ?? dummyHash(settings.passwordHashCost));
  if (!user?.passwordHash || !valid) throw new AppError('unauthorized', 'Wrong email or password.');
  await sessions.clearLoginFailures(db, normalized);
  if (needsRehash(user.passwordHash, settings.passwordHashCost)) {
    await repo.updatePasswordHash(db, user.id, user.passwordHash, await hashPassword(password, settings.passwordHashCost));
  }
  const { passwordHash: _hidden, ...publicUser } = user;
  return openSession(db, settings, publicUser);
}

/** A brand-new session for a user who just proved who they are. */
export async function openSession(ex: Executor, settings: UserSettings, user: User): Promise<Session> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await sessions.insertSession(ex, { tokenHash: hashSessionToken(token), userId: user.id, csrfToken, ttlHours: settings.sessionTtlHours });
  return { token, csrfToken, user: { ...user, pending: false } };
}

/**
 * Changes the signed-in user's password. The current one is checked like a sign-in (it counts
 * toward the same lock, so a stolen session cannot guess it), the new one must be strong, and
 * every other session of the user ends. Answers how many sessions ended.
 */
export async function changePassword(
  db: Database,
  settings: UserSettings,
  input: { userId: string; sessionToken: string; currentPassword: string; newPassword: string },
): Promise<number> {
  const user = await repo.findUserWithHashById(db, input.userId);
  if (!user?.passwordHash) throw new AppError('unauthorized', 'Your session has expired. Sign in again.');
  if (input.newPassword === input.currentPassword) throw new AppError('invalid_request', 'The new password must differ from the current one.', 'newPassword');
  await assertStrongPassword(input.newPassword, [user.email], 'newPassword');
  await reserveAttempt(db, user.email);
  if (!(await verifyPassword(input.currentPassword, user.passwordHash)))
    throw new AppError('invalid_request', 'The current password is wrong.', 'currentPassword');
  await sessions.clearLoginFailures(db, user.email);
  const newHash = await hashPassword(input.newPassword, settings.passwordHashCost);
  const currentHash = user.passwordHash;
  return db.transaction(async (tx) => {
    if (!(await repo.updatePasswordHash(tx, user.id, currentHash, newHash))) {
      throw new AppError('conflict', 'The password was changed meanwhile. Sign in again with the new one.', 'currentPassword');
    }
    return sessions.deleteOtherSessionsOfUser(tx, user.id, hashSessionToken(input.sessionToken));
  });
}

export async function logout(db: Database, token: string): Promise<void> {
  await sessions.deleteSession(db, hashSessionToken(token));
}

export async function resolveSession(db: Database, token: string): Promise<{ user: User; csrfToken: string } | undefined> {
  return sessions.findLiveSession(db, hashSessionToken(token));
}
