import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { escapeHtml, HTML_PAGE_CSP, htmlPage } from '../../platform/html.js';
import { type LinkKind, verifyLinkSegment } from '../../platform/links.js';
import { dollars } from '../../platform/money.js';
import { findPayoutPageById, findRecipientPageById } from './portal.repository.js';

// The pages behind payoutLink and onboardingUrl. Until the recipient portal lands they show a
// plain summary; a wrong token and an unknown id answer the same 404 page, revealing nothing.

const STATUS_TEXT: Record<string, string> = {
  created: 'Created',
  pending: 'On its way',
  awaiting_acceptance: 'Waiting for you',
  processing: 'Being paid',
  completed: 'Paid',
  failed: 'Failed',
  returned: 'Returned',
  canceled: 'Canceled',
};

const NOT_FOUND_PAGE = htmlPage('Link not found', '<h1>This link is not valid</h1><p>Check that you copied the whole link from your email.</p>');
const sandboxMarker = (environment: string) => (environment === 'sandbox' ? '<p class="sandbox">Sandbox: no real money moves.</p>' : '');

export default async function portalRoutes(app: AppInstance) {
  const secret = app.config.linkSecret!;
  const params = Type.Object({ link: Type.String({ maxLength: 100 }) });
  const schema = { params, hide: true, security: [] };
  const page =
    (kind: LinkKind, render: (id: string) => Promise<string | undefined>) =>
    async (request: { params: { link: string } }, reply: import('fastify').FastifyReply) => {
      const id = verifyLinkSegment(secret, kind, request.params.link);
      const html = id === undefined ? undefined : await render(id);
      // Capability links must not leak through Referer headers or caches.
      reply
        .header('Referrer-Policy', 'no-referrer')
        .header('Cache-Control', 'no-store')
        .header('Content-Security-Policy', HTML_PAGE_CSP)
        .type('text/html; charset=utf-8');
      return reply.status(html === undefined ? 404 : 200).send(html ?? NOT_FOUND_PAGE);
    };

  app.get('/p/:link', {
    config: { public: true },
    schema,
    handler: page('payout', async (id) => {
      const p = await findPayoutPageById(app.db, id);
      if (!p) return undefined;
      return htmlPage(
        `Payout from ${p.organizationName}`,
        `${sandboxMarker(p.environment)}<h1>${escapeHtml(p.organizationName)} sent you ${escapeHtml(dollars(Number(p.amount)))}</h1>
<dl><dt>From</dt><dd>${escapeHtml(p.organizationName)}</dd><dt>Amount</dt><dd>${escapeHtml(dollars(Number(p.amount)))} ${escapeHtml(p.currency)}</dd>
<dt>Description</dt><dd>${escapeHtml(p.description ?? '—')}</dd><dt>Status</dt><dd>${escapeHtml(STATUS_TEXT[p.status] ?? p.status)}${p.statusReason ? ` (${escapeHtml(p.statusReason)})` : ''}</dd></dl>`,
      );
    }),
  });

  app.get('/r/:link', {
    config: { public: true },
    schema,
    handler: page('recipient', async (id) => {
      const r = await findRecipientPageById(app.db, id);
      if (!r) return undefined;
      return htmlPage(
        `Get paid by ${r.organizationName}`,
        `${sandboxMarker(r.environment)}<h1>Welcome${r.firstName ? `, ${escapeHtml(r.firstName)}` : ''}</h1>
<p>${escapeHtml(r.organizationName)} wants to pay you. Setting up takes a few steps:</p>
<ol><li>Your name and country</li><li>How you want to be paid</li><li>A tax form, if ${escapeHtml(r.organizationName)} needs one</li><li>Whether to accept future payouts automatically</li></ol>
<p>Online setup is coming soon; you will receive an email when it is ready.</p>`,
      );
    }),
  });
}
