import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { encryptionKeysOf } from '../../platform/encryption-key.js';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf, userOf } from '../../platform/http/auth.js';
import { notFound } from '../../platform/http/errors.js';
import { commonErrors, IdParams } from '../../platform/http/schemas.js';
import { filingCopyPdf, linkedTaxFormPdf, maskedTaxFormPdf, type TaxFormPdf } from './pdf.service.js';

const pdfResponse = { ...commonErrors, 403: Type.Ref('ErrorResponse') };

/** A PDF answer: never cached (it holds personal data), named by the form's id only. */
function sendPdf(reply: FastifyReply, pdf: TaxFormPdf, disposition: 'inline' | 'attachment', suffix = '') {
  return reply
    .type('application/pdf')
    .header('Content-Disposition', `${disposition}; filename="tax-form-${pdf.form.id}${suffix}.pdf"`)
    .header('Cache-Control', 'no-store')
    .send(Buffer.from(pdf.bytes));
}

export default async function taxFormPdfRoutes(app: AppInstance) {
  const tags = ['Tax forms'];
  const keys = () => encryptionKeysOf(app.config);

  app.get('/tax-forms/:id/pdf', {
    config: { permission: 'tax_forms:read' },
    schema: {
      tags,
      summary: 'The signed form as a PDF, TIN masked to its last 4 (application/pdf)',
      params: IdParams,
      produces: ['application/pdf'],
      response: { ...commonErrors },
    },
    handler: async (request, reply) => sendPdf(reply, await maskedTaxFormPdf(app.db, tenantOf(request), keys(), request.params.id), 'inline'),
  });

  app.get('/tax-forms/:id/filing-copy.pdf', {
    config: { permission: 'tax_forms:filing', dashboardOnly: true },
    schema: {
      tags,
      summary: "The filing copy with the full TIN, for the payer's own filing (admins, dashboard only; every download is recorded)",
      params: IdParams,
      produces: ['application/pdf'],
      response: pdfResponse,
    },
    handler: async (request, reply) =>
      sendPdf(reply, await filingCopyPdf(app.db, tenantOf(request), keys(), request.params.id, userOf(request).id), 'attachment', '-filing-copy'),
  });

  // The `url` of `tax_form.created`: the masked PDF behind a link signed for 7 days, no key needed.
  app.get('/links/tax-forms/:file', {
    config: { public: true },
    schema: {
      tags,
      summary: 'The masked PDF behind the signed, expiring link of tax_form.created (403 when expired or altered)',
      params: Type.Object({ file: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({ expires: Type.Optional(Type.String({ maxLength: 20 })), signature: Type.Optional(Type.String({ maxLength: 100 })) }),
      produces: ['application/pdf'],
      response: pdfResponse,
    },
    handler: async (request, reply) => {
      const { file } = request.params;
      if (!file.endsWith('.pdf')) throw notFound('tax form');
      return sendPdf(reply, await linkedTaxFormPdf(app.db, app.config.linkSecret!, keys(), file.slice(0, -'.pdf'.length), request.query), 'inline');
    },
  });
}
