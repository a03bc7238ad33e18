// What an admin does to the other users of their organization: change a role, lift a sign-in
// lock, remove. Every lookup is by organization and id, so another organization's user is a 404.
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid } from '../../platform/ids.js';
import type { Role } from './permissions.js';
import * as sessions from './sessions.repository.js';
import * as repo from './users.repository.js';
import type { ManagedUser } from './users.repository.js';

export type { ManagedUser };

// An invited admin who has not chosen a password yet does not count: they may never sign in.
const lastAdmin = (param: string) =>
  new AppError('conflict', 'An organization keeps at least one admin who can sign in: make another user admin first.', param);

export const listManagedUsers = (db: Database, organizationId: string) => repo.listManagedUsers(db, organizationId);

async function managedUser(ex: Executor, organizationId: string, id: string): Promise<ManagedUser> {
  const user = await repo.findManagedUser(ex, organizationId, id);
  if (!user) throw notFound('user', 'id');
  return user;
}

/**
 * Gives a user another role. It applies from the user's next request: sessions carry no role,
 * each request reads it afresh. The organization's last admin keeps the role (even when they
 * demote themself), checked with the admins locked so two demotions cannot both pass.
 */
export async function changeRole(db: Database, organizationId: string, id: string, role: Role): Promise<ManagedUser> {
  if (!isUuid(id)) throw notFound('user', 'id');
  return db.transaction(async (tx) => {
    const admins = await repo.lockActiveAdmins(tx, organizationId);
    const user = await repo.findUserInOrganization(tx, organizationId, id);
    if (!user) throw notFound('user', 'id');
    if (user.role === 'admin' && role !== 'admin' && admins.filter((a) => a !== id).length === 0) throw lastAdmin('role');
    await repo.updateUserRole(tx, organizationId, id, role);
    return managedUser(tx, organizationId, id);
  });
}

/**
 * Lifts the lock that repeated failed sign-ins put on the user's email, and forgets those
 * failures: the user may sign in again at once, with the full allowance of attempts.
 */
export async function unlockUser(db: Database, organizationId: string, id: string): Promise<ManagedUser> {
  if (!isUuid(id)) throw notFound('user', 'id');
  return db.transaction(async (tx) => {
    const user = await repo.findUserInOrganization(tx, organizationId, id);
    if (!user) throw notFound('user', 'id');
    await sessions.clearLoginFailures(tx, user.email);
    return managedUser(tx, organizationId, id);
  });
}

/** Removes a user (their sessions go with them); never oneself, never the last admin. */
export async function removeUser(db: Database, organizationId: string, id: string, actingUserId: string): Promise<void> {
  if (id === actingUserId) throw new AppError('invalid_request', 'You cannot remove yourself.', 'id');
  if (!isUuid(id)) throw notFound('user', 'id');
  await db.transaction(async (tx) => {
    const admins = await repo.lockActiveAdmins(tx, organizationId);
    const user = await repo.findUserInOrganization(tx, organizationId, id);
    if (!user) throw notFound('user', 'id');
    if (user.role === 'admin' && admins.filter((a) => a !== id).length === 0) throw lastAdmin('id');
    await repo.deleteUser(tx, organizationId, id);
  });
}
