import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope } from '../../platform/http/schemas.js';
import { getTaxForm, listTaxFormsFor } from './tax-forms.service.js';
import { ListTaxFormsQuery, renderTaxForm } from './tax-forms.schema.js';

export default async function taxFormRoutes(app: AppInstance) {
  const tags = ['Tax forms'];

  app.get('/tax-forms', {
    config: { permission: 'tax_forms:read' },
    schema: {
      tags,
      summary: 'Signed tax forms (W-9, W-8BEN), newest first, masked (optionally one recipient’s)',
      querystring: ListTaxFormsQuery,
      response: { 200: ListEnvelope(Type.Ref('TaxForm')), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      const { recipientId } = request.query;
      const forms = await listTaxFormsFor(app.db, tenantOf(request), page, recipientId ? { recipientId } : {});
      return toListEnvelope(forms, page, renderTaxForm);
    },
  });

  app.get('/tax-forms/:id', {
    config: { permission: 'tax_forms:read' },
    schema: {
      tags,
      summary: 'One signed tax form, masked (the TIN as its last 4)',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref('TaxForm')), ...commonErrors },
    },
    handler: async (request) => ({ data: renderTaxForm(await getTaxForm(app.db, tenantOf(request), request.params.id)) }),
  });
}
