import type { Executor } from '../../platform/db/database.js';
import type { Environment } from '../../platform/tenant.js';

export interface PortalSessionRecord {
  recipientId: string;
  organizationId: string;
  environment: Environment;
  csrfToken: string;
}

export async function insertPortalSession(ex: Executor, s: { tokenHash: Buffer; recipientId: string; csrfToken: string; ttlHours: number }): Promise<void> {
  await ex.query(`insert into portal_sessions (token_hash, recipient_id, csrf_token, expires_at) values ($1, $2, $3, now() + $4 * interval '1 hour')`, [
    s.tokenHash,
    s.recipientId,
    s.csrfToken,
    s.ttlHours,
  ]);
}

/** A live session with the tenant of its recipient: everything the session may read is scoped by these three. */
export async function findLivePortalSession(ex: Executor, tokenHash: Buffer): Promise<PortalSessionRecord | undefined> {
  const rows = await ex.query<{ recipient_id: string; organization_id: string; environment: Environment; csrf_token: string }>(
    `select s.recipient_id, r.organization_id, r.environment, s.csrf_token
     from portal_sessions s join recipients r on r.id = s.recipient_id
     where s.token_hash = $1 and s.expires_at > now()`,
    [tokenHash],
  );
  const r = rows[0];
  return r && { recipientId: r.recipient_id, organizationId: r.organization_id, environment: r.environment, csrfToken: r.csrf_token };
}

export async function deletePortalSession(ex: Executor, tokenHash: Buffer): Promise<void> {
  await ex.query('delete from portal_sessions where token_hash = $1', [tokenHash]);
}

export async function deleteExpiredPortalSessions(ex: Executor): Promise<number> {
  return (await ex.query('delete from portal_sessions where expires_at < now() returning recipient_id')).length;
}
