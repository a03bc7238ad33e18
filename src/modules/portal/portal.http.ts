import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Executor } from '../../platform/db/database.js';
import * as pages from './pages.js';
import { csrfMatches, type PortalSession, readPortalSession } from './sessions.js';

// What every portal handler shares: answering with pages, the session guards, the origin check.

/** Thrown by handlers to answer with a page other than their own (a 404, an ended session, a refusal). */
export class PortalPageError extends Error {
  constructor(
    readonly status: number,
    readonly html: string,
  ) {
    super(`portal page ${status}`);
  }
}

/** Every portal form's fields (all text; unknown ones are ignored, never passed on). */
export const FormBody = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 400 }));
export type Form = Partial<Record<string, string>>;

export const send = (reply: FastifyReply, status: number, html: string) => reply.status(status).type('text/html; charset=utf-8').send(html);
export const seeOther = (reply: FastifyReply, location: string) => reply.status(303).header('location', location).send();
export const notFound = () => new PortalPageError(404, pages.notFoundPage());

/** The request's live session, or the "open your link again" page. */
export async function requireSession(ex: Executor, request: FastifyRequest): Promise<PortalSession> {
  const session = await readPortalSession(ex, request.headers.cookie);
  if (!session) throw new PortalPageError(401, pages.sessionEndedPage());
  return session;
}

/** A session whose form carried its CSRF token: what every change needs. */
export async function requireChangingSession(ex: Executor, request: FastifyRequest, csrf: string | undefined): Promise<PortalSession> {
  const session = await requireSession(ex, request);
  if (!csrfMatches(session, csrf)) {
    throw new PortalPageError(403, pages.errorPage('Please try again', 'This form has expired. Go back, reload the page and try again.'));
  }
  return session;
}

/**
 * A state-changing request must come from our own pages. Browsers say where a request comes from:
 * `Sec-Fetch-Site` (every current browser) must be `same-origin`; otherwise `Origin`, when sent,
 * must be this server's (its PUBLIC_URL or the host the request was sent to; `null` is not).
 * Clients that send neither are not browsers, and CSRF is an attack through browsers.
 */
export function assertSameOrigin(request: FastifyRequest, publicUrl: string): void {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const fromHere = (value: string) => {
    if (value === new URL(publicUrl).origin) return true;
    try {
      const host = new URL(value).host;
      return host === request.host || host === new URL(`${request.protocol}://${request.host}`).host;
    } catch {
      return false;
    }
  };
  const sameOrigin = site !== undefined ? site === 'same-origin' : origin === undefined || fromHere(origin);
  if (!sameOrigin) {
    throw new PortalPageError(
      403,
      pages.errorPage('Request refused', 'This form was sent from another site. Open the portal from the link in your email and try again.'),
    );
  }
}
