import { createHash, randomInt } from 'node:crypto';
import type { Database, Executor } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/ids.js';
import { constantTimeEqual } from '../../platform/secure-compare.js';
import { queueEmail } from '../emails/index.js';
import * as repo from './codes.repository.js';
import type { PortalRecipient } from './portal.repository.js';
import { formatTime } from './format.js';
import { type NewPortalSession, startPortalSession } from './sessions.js';

// Every change in the portal needs proof of the email: a 6-digit code sent there. The limits are
// the SPEC's: 10 minutes, single use, 5 wrong tries per code; 5 codes an hour and 10 wrong tries
// a day per recipient, past which the recipient is locked out for 24 h and emailed. (The limit
// per client address is the sign-in rate limit, src/platform/http/protections.ts.)

export const CODE_VALID_MINUTES = 10;
export const MAX_TRIES_PER_CODE = 5;
export const MAX_CODES_PER_HOUR = 5;
export const MAX_WRONG_TRIES_PER_DAY = 10;
export const LOCK_HOURS = 24;

/** Codes are only ever compared as digests; the recipient id salts them, so equal codes differ. */
const codeHash = (recipientId: string, code: string) => createHash('sha256').update(`${recipientId}:${code}`).digest();

export const isCodeShaped = (code: string) => /^[0-9]{6}$/.test(code);

export type CodeRequestResult = { kind: 'sent' } | { kind: 'locked'; until: Date };
export type CodeCheckResult = { kind: 'signed_in'; session: NewPortalSession } | { kind: 'wrong'; triesLeftToday: number } | { kind: 'locked'; until: Date };

/** Sends a new code to the recipient's email (ahead of bulk mail), unless it is locked or this goes past the hourly limit. */
export async function requestCode(db: Database, recipient: PortalRecipient): Promise<CodeRequestResult> {
  return db.transaction(async (tx) => {
    const sentThisHour = await repo.reserveCodeSend(tx, recipient.id);
    if (sentThisHour === undefined) return { kind: 'locked', until: await currentLock(tx, recipient.id) };
    if (sentThisHour > MAX_CODES_PER_HOUR) return { kind: 'locked', until: await lock(tx, recipient) };
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = await repo.insertCode(tx, {
      id: uuidv7(),
      recipientId: recipient.id,
      codeHash: codeHash(recipient.id, code),
      validMinutes: CODE_VALID_MINUTES,
    });
    await queueEmail(tx, recipient.tenant, {
      recipientId: recipient.id,
      to: recipient.email,
      template: 'one_time_code',
      data: { organizationName: recipient.organizationName, code, validMinutes: CODE_VALID_MINUTES },
      priority: 0,
      // A code's email is useless once the code expired: its retries stop there.
      expiresAt,
    });
    return { kind: 'sent' };
  });
}

/**
 * Checks a typed code (already known to be 6 digits). The try is counted before the comparison
 * (per code and per day) and given back when right, so parallel guesses cannot exceed the limits.
 * A right code is used up and starts a portal session bound to this recipient.
 */
export async function checkCode(db: Database, recipient: PortalRecipient, code: string): Promise<CodeCheckResult> {
  return db.transaction(async (tx) => {
    const wrongToday = await repo.reserveWrongTry(tx, recipient.id);
    if (wrongToday === undefined) return { kind: 'locked', until: await currentLock(tx, recipient.id) };
    if (wrongToday > MAX_WRONG_TRIES_PER_DAY) return { kind: 'locked', until: await lock(tx, recipient) };
    const live = await repo.reserveCodeTries(tx, recipient.id, MAX_TRIES_PER_CODE);
    const typed = codeHash(recipient.id, code);
    const match = live.find((c) => constantTimeEqual(c.codeHash, typed));
    if (match && (await repo.useCode(tx, recipient.id, match.id))) {
      await repo.giveBackWrongTry(tx, recipient.id);
      return { kind: 'signed_in', session: await startPortalSession(tx, recipient.id) };
    }
    if (wrongToday >= MAX_WRONG_TRIES_PER_DAY) return { kind: 'locked', until: await lock(tx, recipient) };
    return { kind: 'wrong', triesLeftToday: MAX_WRONG_TRIES_PER_DAY - wrongToday };
  });
}

/** Locks the recipient for LOCK_HOURS and emails it once per lock; answers when the lock ends. */
async function lock(tx: Executor, recipient: PortalRecipient): Promise<Date> {
  const until = await repo.lockRecipient(tx, recipient.id, LOCK_HOURS);
  if (!until) return currentLock(tx, recipient.id);
  await queueEmail(tx, recipient.tenant, {
    recipientId: recipient.id,
    to: recipient.email,
    template: 'portal_locked',
    data: { organizationName: recipient.organizationName, recipientId: recipient.id, lockedUntil: formatTime(until), lockHours: LOCK_HOURS },
    dedupeKey: `portal_locked:${recipient.id}:${until.toISOString()}`,
  });
  return until;
}

// The lock may end between the refusal and this read: then it ends now.
const currentLock = async (ex: Executor, recipientId: string) => (await repo.findLock(ex, recipientId)) ?? new Date();

export async function lockOf(ex: Executor, recipientId: string): Promise<Date | undefined> {
  return repo.findLock(ex, recipientId);
}
