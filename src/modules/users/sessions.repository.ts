import type { Executor } from '../../platform/db/database.js';
import type { User } from './users.repository.js';

export async function insertSession(ex: Executor, s: { tokenHash: Buffer; userId: string; csrfToken: string; ttlHours: number }): Promise<void> {
  await ex.query(`insert into sessions (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, now() + $4 * interval '1 hour')`, [
    s.tokenHash,
    s.userId,
    s.csrfToken,
    s.ttlHours,
  ]);
}

export async function findLiveSession(ex: Executor, tokenHash: Buffer): Promise<{ user: User; csrfToken: string } | undefined> {
  const rows = await ex.query<{ csrf_token: string; id: string; organization_id: string; email: string; role: User['role']; created_at: Date }>(
    // A user with a session has a password: never pending.
    `select s.csrf_token, u.id, u.organization_id, u.email, u.role, u.created_at from sessions s join users u on u.id = s.user_id
     where s.token_hash = $1 and s.expires_at > now()`,
    [tokenHash],
  );
  const row = rows[0];
  return (
    row && {
      csrfToken: row.csrf_token,
      user: { id: row.id, organizationId: row.organization_id, email: row.email, role: row.role, createdAt: row.created_at, pending: false },
    }
  );
}

export async function deleteSession(ex: Executor, tokenHash: Buffer): Promise<void> {
  await ex.query('delete from sessions where token_hash = $1', [tokenHash]);
}

export async function deleteExpiredSessions(ex: Executor): Promise<number> {
  return (await ex.query('delete from sessions where expires_at < now() returning user_id')).length;
}

export async function deleteSessionsOfUser(ex: Executor, userId: string): Promise<number> {
  return (await ex.query('delete from sessions where user_id = $1 returning user_id', [userId])).length;
}

export async function deleteOtherSessionsOfUser(ex: Executor, userId: string, keptTokenHash: Buffer): Promise<number> {
  return (await ex.query('delete from sessions where user_id = $1 and token_hash <> $2 returning user_id', [userId, keptTokenHash])).length;
}

/**
 * Reserves one sign-in attempt for the email before its password is checked, in one statement, so
 * concurrent attempts cannot all slip under the limit: the count goes up first and a success
 * clears it. Past `limit` attempts within the window the email is locked for `lockSeconds`.
 * Answers how many seconds remain when the attempt is refused.
 */
export async function reserveLoginAttempt(
  ex: Executor,
  email: string,
  limit: number,
  windowSeconds: number,
  lockSeconds: number,
): Promise<{ refusedForSeconds: number | undefined }> {
  // A row starts over once its window has passed and no lock is running.
  const fresh = `login_failures.first_failure_at < now() - $3 * interval '1 second' and (login_failures.locked_until is null or login_failures.locked_until <= now())`;
  const rows = await ex.query<{ locked: boolean; seconds: number | string | null }>(
    `insert into login_failures (email, failures, first_failure_at) values ($1, 1, now())
     on conflict (email) do update set
       failures = case when ${fresh} then 1 else login_failures.failures + 1 end,
       first_failure_at = case when ${fresh} then now() else login_failures.first_failure_at end,
       locked_until = case
         when ${fresh} then null
         when login_failures.locked_until > now() then login_failures.locked_until
         when login_failures.failures + 1 > $2 then now() + $4 * interval '1 second'
         else login_failures.locked_until end
     returning coalesce(locked_until > now(), false) as locked, ceil(extract(epoch from locked_until - now()))::integer as seconds`,
    [email, limit, windowSeconds, lockSeconds],
  );
  const row = rows[0]!;
  return { refusedForSeconds: row.locked ? Math.max(1, Number(row.seconds)) : undefined };
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
