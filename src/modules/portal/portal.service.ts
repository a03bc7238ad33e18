import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import { verifyLinkSegment } from '../../platform/links.js';
import { listRecipientPayouts } from '../payouts/index.js';
import type { LinkPath } from './pages.js';
import * as repo from './portal.repository.js';
import type { PortalSession } from './sessions.js';

/** What a genuine link stands for: its recipient and, for a payoutLink, the payout. */
export interface LinkTarget {
  recipient: repo.PortalRecipient;
  payout?: repo.PayoutPage;
}

/** Undefined for a wrong or tampered token, or an id that does not exist: the caller answers the same 404 page for all. */
export async function resolveLink(ex: Executor, secret: string, path: LinkPath, segment: string): Promise<LinkTarget | undefined> {
  const id = verifyLinkSegment(secret, path === 'p' ? 'payout' : 'recipient', segment);
  if (id === undefined) return undefined;
  if (path === 'r') {
    const recipient = await repo.findPortalRecipientById(ex, id);
    return recipient && { recipient };
  }
  const payout = await repo.findPayoutPageById(ex, id);
  const recipient = payout && (await repo.findPortalRecipientById(ex, payout.recipientId));
  return recipient && { recipient, payout };
}

/** Where a signed-in recipient goes from a link: the payout it names, or the portal's home. */
export const destinationOf = (target: LinkTarget) => (target.payout ? `/portal/payouts/${target.payout.id}` : '/portal');

/** The session's own recipient; undefined only if it vanished, which recipients never do. */
export const sessionRecipient = (ex: Executor, session: PortalSession) => repo.findPortalRecipientById(ex, session.recipientId);

export const HOME_PAGE_SIZE = 50;

/** A page of the session recipient's payouts, newest first, and where the next page starts. */
export async function payoutsOfSession(ex: Executor, session: PortalSession, recipient: repo.PortalRecipient, beforeId: string | undefined) {
  const records = await listRecipientPayouts(ex, session.tenant, session.recipientId, {
    limit: HOME_PAGE_SIZE + 1,
    before: beforeId && isUuid(beforeId) ? beforeId : null,
  });
  const payouts: repo.PayoutPage[] = records.map((p) => ({
    id: p.id,
    recipientId: p.recipientId,
    organizationName: recipient.organizationName,
    environment: p.environment,
    amount: p.amount,
    currency: p.currency,
    description: p.description,
    status: p.status,
    statusReason: p.statusReason,
    createdAt: p.createdAt,
  }));
  const more = payouts.length > HOME_PAGE_SIZE;
  const shown = payouts.slice(0, HOME_PAGE_SIZE);
  return { payouts: shown, olderFrom: more ? shown.at(-1)!.id : undefined };
}

/** One of the session recipient's payouts with its timeline; undefined for anyone else's. */
export async function payoutOfSession(ex: Executor, session: PortalSession, payoutId: string) {
  if (!isUuid(payoutId)) return undefined;
  const payout = await repo.findPayoutOfRecipient(ex, session.tenant, session.recipientId, payoutId);
  if (!payout) return undefined;
  return { payout, timeline: await repo.findTimelineOfPayout(ex, session.tenant, payoutId) };
}
