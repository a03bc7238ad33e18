import type { Executor } from '../../platform/db/database.js';

export type TokenPurpose = 'invite' | 'reset';

/** Adds a token for a user and voids the user's earlier live tokens of the same purpose. */
export async function replaceUserToken(ex: Executor, t: { tokenHash: Buffer; userId: string; purpose: TokenPurpose; ttlMinutes: number }): Promise<void> {
  await ex.query(`update user_tokens set used_at = now() where user_id = $1 and purpose = $2 and used_at is null`, [t.userId, t.purpose]);
  await ex.query(`insert into user_tokens (token_hash, user_id, purpose, expires_at) values ($1, $2, $3, now() + $4 * interval '1 minute')`, [
    t.tokenHash,
    t.userId,
    t.purpose,
    t.ttlMinutes,
  ]);
}

export interface LiveToken {
  userId: string;
  email: string;
  purpose: TokenPurpose;
}

/** The user a live (unused, unexpired) token is for; undefined otherwise. */
export async function findLiveUserToken(ex: Executor, tokenHash: Buffer): Promise<LiveToken | undefined> {
  const rows = await ex.query<{ user_id: string; email: string; purpose: TokenPurpose }>(
    `select t.user_id, u.email, t.purpose from user_tokens t join users u on u.id = t.user_id
     where t.token_hash = $1 and t.used_at is null and t.expires_at > now()`,
    [tokenHash],
  );
  const row = rows[0];
  return row && { userId: row.user_id, email: row.email, purpose: row.purpose };
}

/** Spends a live token (compare-and-set: of two concurrent uses only one wins); answers whether it did. */
export async function useUserToken(ex: Executor, tokenHash: Buffer, userId: string): Promise<boolean> {
  const rows = await ex.query(
    `update user_tokens set used_at = now() where token_hash = $1 and user_id = $2 and used_at is null and expires_at > now() returning user_id`,
    [tokenHash, userId],
  );
  return rows.length === 1;
}

/** Voids every token of a user still live (after their password is set, no older link works). */
export async function voidUserTokens(ex: Executor, userId: string): Promise<void> {
  await ex.query(`update user_tokens set used_at = now() where user_id = $1 and used_at is null`, [userId]);
}

export async function deleteStaleUserTokens(ex: Executor, olderThanSeconds: number): Promise<number> {
  const rows = await ex.query(`delete from user_tokens where expires_at < now() - $1 * interval '1 second' returning user_id`, [olderThanSeconds]);
  return rows.length;
}
