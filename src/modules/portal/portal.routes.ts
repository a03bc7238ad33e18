import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { AppError } from '../../platform/http/errors.js';
import { checkCode, isCodeShaped, requestCode } from './codes.js';
import { PORTAL_CSP } from './layout.js';
import * as pages from './pages.js';
import { assertSameOrigin, FormBody, notFound, PortalPageError, requireChangingSession, seeOther, send } from './portal.http.js';
import type { RecipientContext } from '../recipients/index.js';
import type { TaxFormContext } from '../tax-forms/index.js';
import { destinationOf, type LinkTarget, resolveLink } from './portal.service.js';
import { signedInRoutes } from './signed-in.routes.js';
import { clearedSessionCookie, endPortalSession, readPortalSession, sessionCookie } from './sessions.js';

// The recipient's hosted pages: the public summaries behind payoutLink (/p/<link>) and
// onboardingUrl (/r/<link>), and the portal under /portal, reached with an emailed code. Every
// answer is an HTML page, errors included; a wrong or tampered link is the same 404 page as an
// unknown one, revealing nothing.

const LinkParams = Type.Object({ path: Type.Union([Type.Literal('p'), Type.Literal('r')]), link: Type.String({ maxLength: 100 }) });
const PublicLinkParams = Type.Object({ link: Type.String({ maxLength: 100 }) });
const FORM_LIMIT_BYTES = 16 * 1024;

export interface PortalOptions {
  /** What the recipient's own changes need (hooks, encryption keys, the change hold), wired in app.ts. */
  context: RecipientContext;
  /** What signing a tax form needs (wired in app.ts). */
  taxForms: TaxFormContext;
}

export default async function portalRoutes(app: AppInstance, options: PortalOptions) {
  const secret = app.config.linkSecret!;
  const secureCookie = app.config.publicUrl.startsWith('https:');

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Capability links and personal data: no referrer to other sites (our own forms still get an
  // Origin), no cache, the portal's own CSP.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', PORTAL_CSP).header('referrer-policy', 'same-origin').header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('preHandler', async (request) => {
    if (request.method === 'POST') assertSameOrigin(request, app.config.publicUrl);
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof PortalPageError) return send(reply, error.status, error.html);
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      if (error.code === 'too_many_requests')
        return send(reply, 429, pages.errorPage('Too many attempts', 'Too many attempts from your network. Wait a minute, then try again.'));
      if (error.status < 500) return send(reply, error.status, pages.errorPage('This did not work', error.message));
    }
    const fastifyError = error as { validationContext?: string; statusCode?: number };
    if (fastifyError.validationContext === 'params') return send(reply, 404, pages.notFoundPage());
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return send(reply, status, pages.errorPage('This did not work', 'The form could not be read. Go back, reload the page and try again.'));
    }
    request.log.error({ err: error }, 'portal page failed');
    return send(
      reply,
      500,
      pages.errorPage('Something went wrong', 'Something went wrong on our side. Please try again in a few minutes.', String(request.id)),
    );
  });

  const target = async (path: pages.LinkPath, link: string): Promise<LinkTarget> =>
    (await resolveLink(app.db, secret, path, link)) ?? Promise.reject(notFound());

  app.get('/p/:link', {
    config: { public: true },
    schema: { params: PublicLinkParams, hide: true },
    handler: async (request, reply) => {
      const { payout } = await target('p', request.params.link);
      return send(reply, 200, pages.payoutSummaryPage(payout!, request.params.link));
    },
  });

  app.get('/r/:link', {
    config: { public: true },
    schema: { params: PublicLinkParams, hide: true },
    handler: async (request, reply) => {
      const { recipient } = await target('r', request.params.link);
      return send(reply, 200, pages.welcomePage(recipient, request.params.link));
    },
  });

  await app.register(
    async (portal: AppInstance) => {
      portal.setNotFoundHandler((_request, reply) => send(reply, 404, pages.notFoundPage()));
      signedInRoutes(portal, options.context, options.taxForms);

      const changingSessionOf = (request: FastifyRequest, csrf: string | undefined) => requireChangingSession(app.db, request, csrf);

      portal.post('/code/:path/:link', {
        config: { public: true },
        schema: { params: LinkParams, body: Type.Optional(FormBody), hide: true },
        handler: async (request, reply) => {
          const { path, link } = request.params;
          const found = await target(path, link);
          // Already signed in as this recipient on this device: no code needed.
          const session = await readPortalSession(app.db, request.headers.cookie);
          if (session?.recipientId === found.recipient.id) return seeOther(reply, destinationOf(found));
          const result = await requestCode(app.db, found.recipient);
          if (result.kind === 'locked') return send(reply, 429, pages.lockedPage(found.recipient, result.until));
          return seeOther(reply, `/portal/verify/${path}/${link}`);
        },
      });

      portal.get('/verify/:path/:link', {
        config: { public: true },
        schema: { params: LinkParams, hide: true },
        handler: async (request, reply) => {
          const found = await target(request.params.path, request.params.link);
          return send(reply, 200, pages.codeEntryPage(found.recipient, request.params.path, request.params.link));
        },
      });

      portal.post('/verify/:path/:link', {
        config: { public: true },
        schema: { params: LinkParams, body: FormBody, hide: true },
        handler: async (request, reply) => {
          const { path, link } = request.params;
          const found = await target(path, link);
          const code = (request.body.code ?? '').replace(/\s+/g, '');
          if (!isCodeShaped(code)) {
            return send(
              reply,
              400,
              pages.codeEntryPage(found.recipient, path, link, { error: 'Enter the 6 digits of the code from the email.', value: code.slice(0, 6) }),
            );
          }
          const result = await checkCode(app.db, found.recipient, code);
          if (result.kind === 'locked') return send(reply, 429, pages.lockedPage(found.recipient, result.until));
          if (result.kind === 'wrong') {
            const error = 'That code is not right, or it has expired or been used. Check the latest email, or ask for a new code.';
            return send(reply, 400, pages.codeEntryPage(found.recipient, path, link, { error }));
          }
          reply.header('set-cookie', sessionCookie(result.session.token, secureCookie));
          return seeOther(reply, destinationOf(found));
        },
      });

      portal.post('/sign-out', {
        config: { public: true },
        schema: { body: FormBody, hide: true },
        handler: async (request, reply) => {
          const session = await changingSessionOf(request, request.body.csrf);
          await endPortalSession(app.db, session);
          reply.header('set-cookie', clearedSessionCookie(secureCookie));
          return send(reply, 200, pages.signedOutPage());
        },
      });
    },
    { prefix: '/portal' },
  );
}
