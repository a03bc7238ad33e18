import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import { resolveOrganization } from '../organizations/organizations.service.js';
import { DUMMY_HASH, hashPassword, PASSWORD_MIN_LENGTH, verifyPassword } from './passwords.js';
import { ROLES, type Role } from './permissions.js';
import * as sessions from './sessions.repository.js';
import * as repo from './users.repository.js';
import type { User } from './users.repository.js';

export type { User };

const FAILURE_LIMIT = 5;
const FAILURE_WINDOW_SECONDS = 15 * 60;
const LOCK_SECONDS = 15 * 60;

const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const hashSessionToken = (token: string): Buffer => createHash('sha256').update(token).digest();

function checkNewUser(email: string, password: string, role: string): void {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new AppError('invalid_request', 'Enter a valid email address.', 'email');
  if (password.length < PASSWORD_MIN_LENGTH) throw new AppError('invalid_request', `The password needs at least ${PASSWORD_MIN_LENGTH} characters.`, 'password');
  if (!(ROLES as readonly string[]).includes(role)) throw new AppError('invalid_request', `The role must be one of: ${ROLES.join(', ')}.`, 'role');
}

export const needsSetup = async (db: Database): Promise<boolean> => (await repo.countUsers(db)) === 0;

/** Creates the first admin on the default organization; refused once any user exists. */
export async function setupFirstAdmin(db: Database, email: string, password: string): Promise<User> {
  const normalized = normalizeEmail(email);
  checkNewUser(normalized, password, 'admin');
  const organization = await resolveOrganization(db);
  const passwordHash = await hashPassword(password);
  const user = await db.transaction((tx) => repo.insertFirstUser(tx, { id: uuidv7(), organizationId: organization.id, email: normalized, passwordHash }));
  if (!user) throw new AppError('conflict', 'The first admin already exists: sign in instead.');
  return user;
}

export async function createUser(db: Database, input: { organizationId: string; email: string; password: string; role: Role; createdBy: string | null }): Promise<User> {
  const email = normalizeEmail(input.email);
  checkNewUser(email, input.password, input.role);
  if (await repo.findUserWithHashByEmail(db, email)) throw new AppError('conflict', 'A user with this email already exists.', 'email');
  return repo.insertUser(db, { id: uuidv7(), organizationId: input.organizationId, email, passwordHash: await hashPassword(input.password), role: input.role, createdBy: input.createdBy });
}

export const listUsers = (db: Database, organizationId: string) => repo.listUsers(db, organizationId);

export async function removeUser(db: Database, organizationId: string, id: string, actingUserId: string): Promise<void> {
  if (id === actingUserId) throw new AppError('invalid_request', 'You cannot remove yourself.', 'id');
  if (!isUuid(id)) throw notFound('user', 'id');
  await db.transaction(async (tx) => {
    if (!(await repo.deleteUser(tx, organizationId, id))) throw notFound('user', 'id');
    if ((await repo.countAdmins(tx, organizationId)) === 0) throw new AppError('invalid_request', 'An organization keeps at least one admin.', 'id');
  });
}

export interface Session {
  token: string;
  csrfToken: string;
  user: User;
}

/**
 * Signs in. Each success issues a brand-new session token (never one the browser brought, so a
 * planted cookie is useless); repeated failures lock the email for a while.
 */
export async function login(db: Database, email: string, password: string, ttlHours: number): Promise<Session> {
  const normalized = normalizeEmail(email);
  const lockedUntil = await sessions.findLock(db, normalized);
  if (lockedUntil) {
    const minutes = Math.ceil((lockedUntil.getTime() - Date.now()) / 60_000);
    throw new AppError('too_many_requests', `Too many failed sign-ins for this email. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, undefined, {
      'Retry-After': String(Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 1000))),
    });
  }
  const user = await repo.findUserWithHashByEmail(db, normalized);
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !valid) {
    await sessions.recordLoginFailure(db, normalized, FAILURE_LIMIT, FAILURE_WINDOW_SECONDS, LOCK_SECONDS);
    throw new AppError('unauthorized', 'Wrong email or password.');
  }
  await sessions.clearLoginFailures(db, normalized);
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await sessions.insertSession(db, { tokenHash: hashSessionToken(token), userId: user.id, csrfToken, ttlHours });
  const { passwordHash: _hidden, ...publicUser } = user;
  return { token, csrfToken, user: publicUser };
}

export async function logout(db: Database, token: string): Promise<void> {
  await sessions.deleteSession(db, hashSessionToken(token));
}

export async function resolveSession(db: Database, token: string): Promise<{ user: User; csrfToken: string } | undefined> {
  return sessions.findLiveSession(db, hashSessionToken(token));
}
