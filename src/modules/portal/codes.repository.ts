import type { Executor } from '../../platform/db/database.js';

// One-time codes and the per-recipient guard row that counts codes sent and wrong tries. Each
// limit is reserved in one statement before the work it limits, so parallel requests cannot all
// slip under it.

export async function insertCode(ex: Executor, code: { id: string; recipientId: string; codeHash: Buffer; validMinutes: number }): Promise<Date> {
  const rows = await ex.query<{ expires_at: Date }>(
    `insert into portal_codes (id, recipient_id, code_hash, expires_at) values ($1, $2, $3, now() + $4 * interval '1 minute') returning expires_at`,
    [code.id, code.recipientId, code.codeHash, code.validMinutes],
  );
  return rows[0]!.expires_at;
}

/**
 * Reserves one try on every live code of the recipient (a guess is a try at each of them) and
 * answers those codes: a code past `maxTries` is dead, whatever is typed next.
 */
export async function reserveCodeTries(ex: Executor, recipientId: string, maxTries: number): Promise<{ id: string; codeHash: Buffer }[]> {
  const rows = await ex.query<{ id: string; code_hash: Buffer | Uint8Array }>(
    `update portal_codes set tries = tries + 1
     where recipient_id = $1 and used_at is null and expires_at > now() and tries < $2
     returning id, code_hash`,
    [recipientId, maxTries],
  );
  return rows.map((r) => ({ id: r.id, codeHash: Buffer.from(r.code_hash) }));
}

/** Uses a code once: answers false when another request used it first. Voids the recipient's other codes too. */
export async function useCode(ex: Executor, recipientId: string, id: string): Promise<boolean> {
  const rows = await ex.query<{ id: string }>(
    `update portal_codes set used_at = now() where recipient_id = $1 and used_at is null and (id = $2 or expires_at > now()) returning id`,
    [recipientId, id],
  );
  return rows.some((r) => r.id === id);
}

export async function deleteStaleCodes(ex: Executor, olderThanHours: number): Promise<number> {
  return (await ex.query(`delete from portal_codes where expires_at < now() - $1 * interval '1 hour' returning id`, [olderThanHours])).length;
}

const NOT_LOCKED = `(portal_guards.locked_until is null or portal_guards.locked_until <= now())`;

/**
 * Adds one to a recipient's counter in `portal_guards` unless it is locked; a counter whose window
 * has passed starts again at 1. Answers the count in the current window, or undefined while
 * locked. Column names and the window are constants of this file, never input.
 */
async function countInWindow(
  ex: Executor,
  recipientId: string,
  counter: 'codes_sent' | 'wrong_tries',
  windowStart: 'codes_window_started_at' | 'tries_window_started_at',
  window: '1 hour' | '1 day',
): Promise<number | undefined> {
  const fresh = `portal_guards.${windowStart} <= now() - interval '${window}'`;
  const rows = await ex.query<{ n: number }>(
    `insert into portal_guards (recipient_id, ${counter}, ${windowStart}) values ($1, 1, now())
     on conflict (recipient_id) do update set
       ${counter} = case when ${fresh} then 1 else portal_guards.${counter} + 1 end,
       ${windowStart} = case when ${fresh} then now() else portal_guards.${windowStart} end
     where ${NOT_LOCKED}
     returning ${counter} as n`,
    [recipientId],
  );
  return rows[0]?.n;
}

/**
 * Counts one code about to be sent, unless the recipient is locked. Answers the codes sent in the
 * current hour (this one included), or undefined while locked.
 */
export const reserveCodeSend = (ex: Executor, recipientId: string) => countInWindow(ex, recipientId, 'codes_sent', 'codes_window_started_at', '1 hour');

/**
 * Counts one guess as wrong before it is compared (a right one gives it back), unless the
 * recipient is locked. Answers the wrong tries of the current day, or undefined while locked.
 */
export const reserveWrongTry = (ex: Executor, recipientId: string) => countInWindow(ex, recipientId, 'wrong_tries', 'tries_window_started_at', '1 day');

export async function giveBackWrongTry(ex: Executor, recipientId: string): Promise<void> {
  await ex.query('update portal_guards set wrong_tries = greatest(wrong_tries - 1, 0) where recipient_id = $1', [recipientId]);
}

/** Locks the recipient for `hours` unless it already is: answers the lock's end when this call set it. */
export async function lockRecipient(ex: Executor, recipientId: string, hours: number): Promise<Date | undefined> {
  const rows = await ex.query<{ locked_until: Date }>(
    `update portal_guards set locked_until = now() + $2 * interval '1 hour' where recipient_id = $1 and ${NOT_LOCKED} returning locked_until`,
    [recipientId, hours],
  );
  return rows[0]?.locked_until;
}

export async function findLock(ex: Executor, recipientId: string): Promise<Date | undefined> {
  const rows = await ex.query<{ locked_until: Date }>('select locked_until from portal_guards where recipient_id = $1 and locked_until > now()', [recipientId]);
  return rows[0]?.locked_until;
}
