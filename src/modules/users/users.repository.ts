import type { Executor } from '../../platform/db/database.js';
import type { Role } from './permissions.js';

export interface User {
  id: string;
  organizationId: string;
  email: string;
  role: Role;
  createdAt: Date;
}

interface UserRow {
  id: string;
  organization_id: string;
  email: string;
  role: Role;
  created_at: Date;
  password_hash: string;
}

const toUser = (r: UserRow): User => ({ id: r.id, organizationId: r.organization_id, email: r.email, role: r.role, createdAt: r.created_at });

export async function insertUser(ex: Executor, u: { id: string; organizationId: string; email: string; passwordHash: string; role: Role; createdBy: string | null }): Promise<User> {
  const rows = await ex.query<UserRow>(
    'insert into users (id, organization_id, email, password_hash, role, created_by) values ($1, $2, $3, $4, $5, $6) returning *',
    [u.id, u.organizationId, u.email, u.passwordHash, u.role, u.createdBy],
  );
  return toUser(rows[0]!);
}

/** Inserts the first user only while there is none: two racing setups cannot both win. */
export async function insertFirstUser(ex: Executor, u: { id: string; organizationId: string; email: string; passwordHash: string }): Promise<User | undefined> {
  await ex.query('select pg_advisory_xact_lock(7270002)');
  const rows = await ex.query<UserRow>(
    `insert into users (id, organization_id, email, password_hash, role, created_by)
     select $1, $2, $3, $4, 'admin', 'setup' where not exists (select 1 from users) returning *`,
    [u.id, u.organizationId, u.email, u.passwordHash],
  );
  return rows[0] && toUser(rows[0]);
}

export async function countUsers(ex: Executor): Promise<number> {
  const rows = await ex.query<{ n: bigint }>('select count(*)::bigint as n from users');
  return Number(rows[0]!.n);
}

export async function findUserWithHashByEmail(ex: Executor, email: string): Promise<(User & { passwordHash: string }) | undefined> {
  const rows = await ex.query<UserRow>('select * from users where email = $1', [email]);
  return rows[0] && { ...toUser(rows[0]), passwordHash: rows[0].password_hash };
}

export async function listUsers(ex: Executor, organizationId: string): Promise<User[]> {
  const rows = await ex.query<UserRow>('select * from users where organization_id = $1 order by created_at, id', [organizationId]);
  return rows.map(toUser);
}

export async function deleteUser(ex: Executor, organizationId: string, id: string): Promise<boolean> {
  const rows = await ex.query('delete from users where organization_id = $1 and id = $2 returning id', [organizationId, id]);
  return rows.length === 1;
}

export async function countAdmins(ex: Executor, organizationId: string): Promise<number> {
  const rows = await ex.query<{ n: bigint }>(`select count(*)::bigint as n from users where organization_id = $1 and role = 'admin'`, [organizationId]);
  return Number(rows[0]!.n);
}
