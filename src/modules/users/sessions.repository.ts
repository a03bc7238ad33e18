import type { Executor } from '../../platform/db/database.js';
import type { User } from './users.repository.js';

export async function insertSession(ex: Executor, s: { tokenHash: Buffer; userId: string; csrfToken: string; ttlHours: number }): Promise<void> {
  await ex.query(`insert into sessions (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, now() + $4 * interval '1 hour')`, [s.tokenHash, s.userId, s.csrfToken, s.ttlHours]);
}

export async function findLiveSession(ex: Executor, tokenHash: Buffer): Promise<{ user: User; csrfToken: string } | undefined> {
  const rows = await ex.query<{ csrf_token: string; id: string; organization_id: string; email: string; role: User['role']; created_at: Date }>(
    `select s.csrf_token, u.id, u.organization_id, u.email, u.role, u.created_at from sessions s join users u on u.id = s.user_id
     where s.token_hash = $1 and s.expires_at > now()`,
    [tokenHash],
  );
  const row = rows[0];
  return row && { csrfToken: row.csrf_token, user: { id: row.id, organizationId: row.organization_id, email: row.email, role: row.role, createdAt: row.created_at } };
}

export async function deleteSession(ex: Executor, tokenHash: Buffer): Promise<void> {
  await ex.query('delete from sessions where token_hash = $1', [tokenHash]);
}

export async function deleteExpiredSessions(ex: Executor): Promise<number> {
  return (await ex.query('delete from sessions where expires_at < now() returning user_id')).length;
}

/** Counts a failed sign-in; after `limit` within the window the email is locked for `lockSeconds`. */
export async function recordLoginFailure(ex: Executor, email: string, limit: number, windowSeconds: number, lockSeconds: number): Promise<void> {
  await ex.query(
    `insert into login_failures (email, failures, first_failure_at) values ($1, 1, now())
     on conflict (email) do update set
       failures = case when login_failures.first_failure_at < now() - $3 * interval '1 second' then 1 else login_failures.failures + 1 end,
       first_failure_at = case when login_failures.first_failure_at < now() - $3 * interval '1 second' then now() else login_failures.first_failure_at end,
       locked_until = case when login_failures.first_failure_at >= now() - $3 * interval '1 second' and login_failures.failures + 1 >= $2
                           then now() + $4 * interval '1 second' else login_failures.locked_until end`,
    [email, limit, windowSeconds, lockSeconds],
  );
}

export async function findLock(ex: Executor, email: string): Promise<Date | undefined> {
  const rows = await ex.query<{ locked_until: Date }>('select locked_until from login_failures where email = $1 and locked_until > now()', [email]);
  return rows[0]?.locked_until;
}

export async function clearLoginFailures(ex: Executor, email: string): Promise<void> {
  await ex.query('delete from login_failures where email = $1', [email]);
}

/** Forgets failed sign-ins whose counting window and lock both ended over `olderThanSeconds` ago. */
export async function deleteStaleLoginFailures(ex: Executor, olderThanSeconds: number): Promise<number> {
  const rows = await ex.query(
    `delete from login_failures
     where first_failure_at < now() - $1 * interval '1 second'
       and (locked_until is null or locked_until < now() - $1 * interval '1 second')
     returning email`,
    [olderThanSeconds],
  );
  return rows.length;
}
