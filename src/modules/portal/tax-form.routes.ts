import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { AppError } from '../../platform/http/errors.js';
import type { TaxFormContext } from '../tax-forms/index.js';
import { COUNTRIES, needsTaxForm, recipientOf, saveTaxForm, taxFormOf } from './onboarding.service.js';
import { FormBody, notFound, requireChangingSession, requireSession, seeOther, send } from './portal.http.js';
import { sessionRecipient } from './portal.service.js';
import type { PortalSession } from './sessions.js';
import { type TaxFormKind, taxFormChoicePage, taxFormPage } from './tax-form.pages.js';

// The "Tax form" step (3 of 4 when the sender collects tax information), and "Sign a new one"
// from the details card. Reading needs a portal session; signing needs its CSRF token too. A
// recipient whose sender does not collect tax information and who has no form has no such page.

const Query = Type.Object({
  form: Type.Optional(Type.String({ maxLength: 10 })),
  onboarding: Type.Optional(Type.String({ maxLength: 1 })),
});

/** The fields a failed attempt writes back into the page: never a TIN, never the CSRF token. */
const NOT_ECHOED = new Set(['tin', 'foreignTin', 'csrf', 'replaces', 'certify', 'signature']);

export function taxFormRoutes(portal: AppInstance, ctx: TaxFormContext): void {
  const db = portal.db;

  /** The session's recipient, its current form and the page's frame, or the 404 for recipients asked for none. */
  const load = async (session: PortalSession) => {
    const [portalRecipient, recipient, current] = await Promise.all([sessionRecipient(db, session), recipientOf(db, session), taxFormOf(db, session)]);
    if (!portalRecipient || (!recipient.shouldCollectTaxInfo && !current)) throw notFound();
    return { recipient, current: current ?? null, view: { recipient: portalRecipient, csrfToken: session.csrfToken } };
  };

  portal.get('/tax-form', {
    config: { public: true },
    schema: { querystring: Query, hide: true },
    handler: async (request, reply) => {
      const session = await requireSession(db, request);
      const { recipient, current, view } = await load(session);
      const onboarding = request.query.onboarding === '1';
      const now = new Date();
      const kind = request.query.form;
      if (kind !== 'w9' && kind !== 'w8ben') {
        const error = kind === undefined ? undefined : 'Choose the W-9 or the W-8BEN.';
        const page = taxFormChoicePage(view, { current, onboarding, taxStep: recipient.shouldCollectTaxInfo, now, ...(error ? { error } : {}) });
        return send(reply, error ? 400 : 200, page);
      }
      // Filled in ahead from step 1 (the name; on a W-8BEN a non-US country): defaults only.
      const values = {
        legalName: [recipient.firstName, recipient.lastName].filter(Boolean).join(' '),
        ...(kind === 'w8ben' && recipient.country !== 'US' && recipient.country ? { citizenshipCountry: recipient.country, country: recipient.country } : {}),
      };
      return send(
        reply,
        200,
        taxFormPage(view, { kind, current, onboarding, taxStep: recipient.shouldCollectTaxInfo, values, errors: {}, countries: COUNTRIES, now }),
      );
    },
  });

  portal.post('/tax-form', {
    config: { public: true },
    schema: { body: FormBody, hide: true },
    handler: async (request, reply) => {
      const session = await requireChangingSession(db, request, request.body.csrf);
      const { recipient, current, view } = await load(session);
      const onboarding = request.body.onboarding === '1';
      const now = new Date();
      const kind: TaxFormKind = request.body.formType === 'w8ben' ? 'w8ben' : 'w9';
      const page = (status: number, errors: Record<string, string>, error?: string) => {
        const values = Object.fromEntries(Object.entries(request.body).filter(([name]) => !NOT_ECHOED.has(name)));
        return send(
          reply,
          status,
          taxFormPage(view, {
            kind,
            current,
            onboarding,
            taxStep: recipient.shouldCollectTaxInfo,
            values,
            errors,
            countries: COUNTRIES,
            now,
            ...(error ? { error } : {}),
          }),
        );
      };
      let saved: Awaited<ReturnType<typeof saveTaxForm>>;
      try {
        saved = await saveTaxForm(
          db,
          session,
          request.body,
          { ip: request.ip ?? null, userAgent: request.headers['user-agent']?.slice(0, 400) ?? null, now },
          ctx,
        );
      } catch (error) {
        // Another submission was being signed at the same moment: it wins, this one changes nothing.
        if (error instanceof AppError && error.status === 409) {
          return page(409, {}, 'Another submission of this form was being saved at the same moment. Nothing else was signed: check your details below.');
        }
        throw error;
      }
      if (!saved.ok) return page(400, saved.errors);
      const done = saved.alreadySaved ? 'tax-form-already' : saved.warnings.length > 0 ? 'tax-form-name' : 'tax-form';
      // Onboarding goes on to its last step, unless the form just signed still leaves one missing.
      const after = await recipientOf(db, session);
      const stillNeeded = needsTaxForm(after, (await taxFormOf(db, session)) ?? undefined, now);
      return seeOther(reply, onboarding && !stillNeeded ? `/portal/auto-accept?onboarding=1&done=${done}` : `/portal?done=${done}`);
    },
  });
}
