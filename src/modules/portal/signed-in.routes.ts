import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { escapeHtml } from '../../platform/html.js';
import type { RecipientContext } from '../recipients/index.js';
import type { TaxFormContext } from '../tax-forms/index.js';
import * as onboarding from './onboarding.pages.js';
import {
  COUNTRIES,
  decide,
  detailsOf,
  missingStep,
  needsTaxForm,
  recipientOf,
  saveAutoAccept,
  saveMethod,
  saveProfile,
  taxFormOf,
} from './onboarding.service.js';
import * as pages from './pages.js';
import { FormBody, notFound, requireChangingSession, requireSession, seeOther, send } from './portal.http.js';
import { payoutOfSession, payoutsOfSession, sessionRecipient } from './portal.service.js';
import type { PortalSession } from './sessions.js';
import { taxFormRoutes } from './tax-form.routes.js';

// Everything behind a portal session: the home page (payouts and details), the payout page, the
// onboarding steps (name and country → payout method → tax form when the sender collects one →
// auto-accept, each saved as it is completed) and Accept / Decline. Every change needs the session's CSRF token. A recipient
// without a payout method is onboarding: each step leads to the next.

const PayoutParams = Type.Object({ id: Type.String({ maxLength: 40 }) });
const Messages = Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) });

export function signedInRoutes(portal: AppInstance, ctx: RecipientContext, taxForms: TaxFormContext): void {
  const db = portal.db;
  taxFormRoutes(portal, taxForms);
  const page = async (request: Parameters<typeof requireSession>[1]) => view(await requireSession(db, request));
  const view = async (session: PortalSession) => {
    const [portalRecipient, recipient] = await Promise.all([sessionRecipient(db, session), recipientOf(db, session)]);
    if (!portalRecipient) throw notFound();
    return { session, recipient, view: { recipient: portalRecipient, csrfToken: session.csrfToken } };
  };

  /** The payout page, with what the last action did or why it was refused. */
  const payoutPage = async (reply: FastifyReply, session: PortalSession, payoutId: string, status: number, messages: { notice?: string; error?: string }) => {
    const [{ recipient, view: v }, found] = await Promise.all([view(session), payoutOfSession(db, session, payoutId)]);
    if (!found) throw notFound();
    // In the sandbox every payee counts as ready: its Accept moves the payout at once.
    const ready = recipient.ready || session.tenant.environment === 'sandbox';
    const actions = found.payout.status === 'awaiting_acceptance' ? onboarding.decisionForms(found.payout.id, session.csrfToken, ready) : '';
    return send(reply, status, pages.payoutPage({ ...v, ...found, ...messages }, actions));
  };

  portal.get('/', {
    config: { public: true },
    schema: { querystring: Type.Object({ before: Type.Optional(Type.String({ maxLength: 40 })), ...Messages.properties }), hide: true },
    handler: async (request, reply) => {
      const { session, recipient, view: v } = await page(request);
      const { payouts, olderFrom } = await payoutsOfSession(db, session, v.recipient, request.query.before);
      const notice = onboarding.NOTICES[request.query.done ?? ''];
      const taxForm = await taxFormOf(db, session);
      const now = new Date();
      const missing = missingStep(recipient, taxForm, now);
      const top = `${notice ? `<div class="notice" role="status">${escapeHtml(notice)}</div>` : ''}${recipient.ready || !missing ? '' : onboarding.setupPrompt(missing)}`;
      return send(
        reply,
        200,
        pages.homePage({ ...v, payouts, ...(olderFrom ? { olderFrom } : {}), top, details: onboarding.detailsCard(detailsOf(recipient, taxForm, now)) }),
      );
    },
  });

  portal.get('/payouts/:id', {
    config: { public: true },
    schema: { params: PayoutParams, querystring: Messages, hide: true },
    handler: async (request, reply) => {
      const session = await requireSession(db, request);
      const notice = onboarding.NOTICES[request.query.done ?? ''];
      return payoutPage(reply, session, request.params.id, 200, notice ? { notice } : {});
    },
  });

  portal.get('/profile', {
    config: { public: true },
    schema: { hide: true },
    handler: async (request, reply) => {
      const { recipient, view } = await page(request);
      const values = { firstName: recipient.firstName ?? '', lastName: recipient.lastName ?? '', country: recipient.country ?? '' };
      return send(
        reply,
        200,
        onboarding.profilePage(view, {
          countries: COUNTRIES,
          values,
          errors: {},
          onboarding: !recipient.payoutMethod,
          taxStep: recipient.shouldCollectTaxInfo,
        }),
      );
    },
  });

  portal.post('/profile', {
    config: { public: true },
    schema: { body: FormBody, hide: true },
    handler: async (request, reply) => {
      const session = await requireChangingSession(db, request, request.body.csrf);
      const saved = await saveProfile(db, session, request.body);
      if (saved.ok) return seeOther(reply, saved.recipient.payoutMethod ? '/portal?done=profile' : '/portal/payout-method');
      const { recipient, view } = await page(request);
      return send(
        reply,
        400,
        onboarding.profilePage(view, {
          countries: COUNTRIES,
          values: request.body,
          errors: saved.errors,
          onboarding: !recipient.payoutMethod,
          taxStep: recipient.shouldCollectTaxInfo,
        }),
      );
    },
  });

  portal.get('/payout-method', {
    config: { public: true },
    schema: { hide: true },
    handler: async (request, reply) => {
      const { recipient, view } = await page(request);
      const current = detailsOf(recipient, undefined, new Date()).method;
      return send(
        reply,
        200,
        onboarding.methodPage(view, {
          current,
          values: {},
          errors: {},
          onboarding: !recipient.payoutMethod,
          taxStep: recipient.shouldCollectTaxInfo,
          holdHours: ctx.methodChangeHoldHours,
        }),
      );
    },
  });

  portal.post('/payout-method', {
    config: { public: true },
    schema: { body: FormBody, hide: true },
    handler: async (request, reply) => {
      const session = await requireChangingSession(db, request, request.body.csrf);
      const before = await recipientOf(db, session);
      const saved = await saveMethod(db, session, request.body, ctx);
      if (saved.ok) {
        if (before.payoutMethod) return seeOther(reply, '/portal?done=method');
        const taxFormNext = needsTaxForm(saved.recipient, await taxFormOf(db, session), new Date());
        return seeOther(reply, taxFormNext ? '/portal/tax-form?onboarding=1' : '/portal/auto-accept?onboarding=1');
      }
      const { view } = await page(request);
      const form = request.body.type === 'paypal' ? 'paypal' : 'us_bank_account';
      // The account numbers typed are never written back into the page, nor a "routing number"
      // that is not one (an account number pasted into the wrong field).
      const { accountNumber: _a, accountNumberConfirmation: _c, csrf: _t, ...values } = request.body;
      if (typeof values.routingNumber === 'string' && !/^\d{0,9}$/.test(values.routingNumber)) delete values.routingNumber;
      return send(
        reply,
        400,
        onboarding.methodPage(view, {
          current: detailsOf(before, undefined, new Date()).method,
          values,
          errors: saved.errors,
          form,
          onboarding: !before.payoutMethod,
          taxStep: before.shouldCollectTaxInfo,
          holdHours: ctx.methodChangeHoldHours,
        }),
      );
    },
  });

  portal.get('/auto-accept', {
    config: { public: true },
    schema: { querystring: Type.Object({ onboarding: Type.Optional(Type.String({ maxLength: 1 })), ...Messages.properties }), hide: true },
    handler: async (request, reply) => {
      const { recipient, view } = await page(request);
      const notice = onboarding.NOTICES[request.query.done ?? ''];
      return send(
        reply,
        200,
        onboarding.autoAcceptPage(view, {
          on: recipient.autoAcceptPayouts,
          onboarding: request.query.onboarding === '1',
          taxStep: recipient.shouldCollectTaxInfo,
          ...(notice ? { notice } : {}),
        }),
      );
    },
  });

  portal.post('/auto-accept', {
    config: { public: true },
    schema: { body: FormBody, hide: true },
    handler: async (request, reply) => {
      const session = await requireChangingSession(db, request, request.body.csrf);
      await saveAutoAccept(db, session, request.body.autoAccept === 'on', ctx);
      return seeOther(reply, '/portal?done=auto-accept');
    },
  });

  portal.post('/payouts/:id/accept', {
    config: { public: true },
    schema: { params: PayoutParams, body: FormBody, hide: true },
    handler: async (request, reply) => {
      const session = await requireChangingSession(db, request, request.body.csrf);
      if (!(await payoutOfSession(db, session, request.params.id))) throw notFound();
      const decided = await decide(db, session, request.params.id, 'accept');
      if (!decided.ok) return payoutPage(reply, session, request.params.id, 409, { error: decided.message });
      const [recipient, taxForm] = await Promise.all([recipientOf(db, session), taxFormOf(db, session)]);
      // Not ready yet: the accept is kept, and the payout goes out once the recipient is set up.
      const missing = recipient.ready ? null : missingStep(recipient, taxForm, new Date());
      const next =
        missing === 'payout-method'
          ? '/portal/profile'
          : missing === 'tax-form'
            ? '/portal/tax-form?onboarding=1'
            : `/portal/payouts/${request.params.id}?done=accepted`;
      return seeOther(reply, next);
    },
  });

  portal.get('/payouts/:id/decline', {
    config: { public: true },
    schema: { params: PayoutParams, hide: true },
    handler: async (request, reply) => {
      const { view, session } = await page(request);
      const found = await payoutOfSession(db, session, request.params.id);
      if (!found) throw notFound();
      return send(reply, 200, onboarding.declinePage(view, found.payout));
    },
  });

  portal.post('/payouts/:id/decline', {
    config: { public: true },
    schema: { params: PayoutParams, body: FormBody, hide: true },
    handler: async (request, reply) => {
      const session = await requireChangingSession(db, request, request.body.csrf);
      if (!(await payoutOfSession(db, session, request.params.id))) throw notFound();
      const decided = await decide(db, session, request.params.id, 'decline');
      if (!decided.ok) return payoutPage(reply, session, request.params.id, 409, { error: decided.message });
      return seeOther(reply, `/portal/payouts/${request.params.id}?done=declined`);
    },
  });
}
