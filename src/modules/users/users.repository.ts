import type { Executor } from '../../platform/db/database.js';
import type { Role } from './permissions.js';

export interface User {
  id: string;
  organizationId: string;
  email: string;
  role: Role;
  createdAt: Date;
  /** Invited and has not chosen a password yet: cannot sign in. */
  pending: boolean;
}

interface UserRow {
  id: string;
  organization_id: string;
  email: string;
  role: Role;
  created_at: Date;
  password_hash: string | null;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  organizationId: r.organization_id,
  email: r.email,
  role: r.role,
  createdAt: r.created_at,
  pending: r.password_hash === null,
});

/** Inserts a user (without a password: invited); undefined when the email is taken (in any organization). */
export async function insertUser(
  ex: Executor,
  u: { id: string; organizationId: string; email: string; passwordHash: string | null; role: Role; createdBy: string | null },
): Promise<User | undefined> {
  const rows = await ex.query<UserRow>(
    'insert into users (id, organization_id, email, password_hash, role, created_by) values ($1, $2, $3, $4, $5, $6) on conflict (email) do nothing returning *',
    [u.id, u.organizationId, u.email, u.passwordHash, u.role, u.createdBy],
  );
  return rows[0] && toUser(rows[0]);
}

/**
 * Inserts the first user only while there is none and the setup token is live: two racing setups
 * cannot both win, and nobody without the token can win at all.
 */
export async function insertFirstUser(
  ex: Executor,
  u: { id: string; organizationId: string; email: string; passwordHash: string; setupTokenHash: Buffer },
): Promise<User | undefined> {
  await ex.query('select pg_advisory_xact_lock(7270002)');
  const rows = await ex.query<UserRow>(
    `insert into users (id, organization_id, email, password_hash, role, created_by)
     select $1, $2, $3, $4, 'admin', 'setup' where not exists (select 1 from users)
       and exists (select 1 from setup_tokens where token_hash = $5 and expires_at > now())
     returning *`,
    [u.id, u.organizationId, u.email, u.passwordHash, u.setupTokenHash],
  );
  return rows[0] && toUser(rows[0]);
}

/** Adds a setup token while the installation has no user; answers whether it was added. */
export async function insertSetupToken(ex: Executor, tokenHash: Buffer, ttlHours: number): Promise<boolean> {
  const rows = await ex.query(
    `insert into setup_tokens (token_hash, expires_at) select $1, now() + $2 * interval '1 hour' where not exists (select 1 from users) returning token_hash`,
    [tokenHash, ttlHours],
  );
  return rows.length === 1;
}

export async function setupTokenIsLive(ex: Executor, tokenHash: Buffer): Promise<boolean> {
  return (await ex.query('select 1 from setup_tokens where token_hash = $1 and expires_at > now()', [tokenHash])).length === 1;
}

export async function deleteExpiredSetupTokens(ex: Executor): Promise<void> {
  await ex.query('delete from setup_tokens where expires_at <= now()');
}

export async function deleteAllSetupTokens(ex: Executor): Promise<void> {
  await ex.query('delete from setup_tokens');
}

/** Replaces a password hash only if it is still the one read (a concurrent change wins). */
export async function updatePasswordHash(ex: Executor, id: string, expectedHash: string, newHash: string): Promise<boolean> {
  return (await ex.query('update users set password_hash = $3 where id = $1 and password_hash = $2 returning id', [id, expectedHash, newHash])).length === 1;
}

/** Sets the password of a user who proved control of their email (a set-password link). */
export async function setPasswordHash(ex: Executor, id: string, newHash: string): Promise<boolean> {
  return (await ex.query('update users set password_hash = $2 where id = $1 returning id', [id, newHash])).length === 1;
}

export async function findUserInOrganization(ex: Executor, organizationId: string, id: string): Promise<User | undefined> {
  const rows = await ex.query<UserRow>('select * from users where organization_id = $1 and id = $2', [organizationId, id]);
  return rows[0] && toUser(rows[0]);
}

export async function findUserByEmail(ex: Executor, email: string): Promise<User | undefined> {
  const rows = await ex.query<UserRow>('select * from users where email = $1', [email]);
  return rows[0] && toUser(rows[0]);
}

export async function findUserWithHashById(ex: Executor, id: string): Promise<(User & { passwordHash: string | null }) | undefined> {
  const rows = await ex.query<UserRow>('select * from users where id = $1', [id]);
  return rows[0] && { ...toUser(rows[0]), passwordHash: rows[0].password_hash };
}

export async function countUsers(ex: Executor): Promise<number> {
  const rows = await ex.query<{ n: bigint }>('select count(*)::bigint as n from users');
  return Number(rows[0]!.n);
}

export async function findUserWithHashByEmail(ex: Executor, email: string): Promise<(User & { passwordHash: string | null }) | undefined> {
  const rows = await ex.query<UserRow>('select * from users where email = $1', [email]);
  return rows[0] && { ...toUser(rows[0]), passwordHash: rows[0].password_hash };
}

export async function deleteUser(ex: Executor, organizationId: string, id: string): Promise<boolean> {
  const rows = await ex.query('delete from users where organization_id = $1 and id = $2 returning id', [organizationId, id]);
  return rows.length === 1;
}

/** A user as an admin sees them: with the end of their sign-in lock, while one runs. */
export type ManagedUser = User & { lockedUntil: Date | null };

// A lock is keyed by the email signed in with (login_failures); one that has ended shows as none.
const MANAGED_USERS = `select u.*, f.locked_until from users u
  left join login_failures f on f.email = u.email and f.locked_until > now()
  where u.organization_id = $1`;
const toManagedUser = (r: UserRow & { locked_until: Date | null }): ManagedUser => ({ ...toUser(r), lockedUntil: r.locked_until });

export async function listManagedUsers(ex: Executor, organizationId: string): Promise<ManagedUser[]> {
  const rows = await ex.query<UserRow & { locked_until: Date | null }>(`${MANAGED_USERS} order by u.created_at, u.id`, [organizationId]);
  return rows.map(toManagedUser);
}

export async function findManagedUser(ex: Executor, organizationId: string, id: string): Promise<ManagedUser | undefined> {
  const rows = await ex.query<UserRow & { locked_until: Date | null }>(`${MANAGED_USERS} and u.id = $2`, [organizationId, id]);
  return rows[0] && toManagedUser(rows[0]);
}

/**
 * Locks the organization's admins who can sign in (an invited admin without a password yet may
 * never) in id order, so concurrent callers queue instead of deadlocking, and answers their ids:
 * a demotion or removal that checks this list cannot race another one into leaving the
 * organization without an admin.
 */
export async function lockActiveAdmins(ex: Executor, organizationId: string): Promise<string[]> {
  const rows = await ex.query<{ id: string }>(
    `select id from users where organization_id = $1 and role = 'admin' and password_hash is not null order by id for update`,
    [organizationId],
  );
  return rows.map((r) => r.id);
}

export async function updateUserRole(ex: Executor, organizationId: string, id: string, role: Role): Promise<User | undefined> {
  const rows = await ex.query<UserRow>('update users set role = $3 where organization_id = $1 and id = $2 returning *', [organizationId, id, role]);
  return rows[0] && toUser(rows[0]);
}
