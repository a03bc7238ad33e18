import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, IncludeTotalQuery, ListEnvelope, PageQuery } from '../../platform/http/schemas.js';
import { cancelBatch } from './bulk-cancel.js';
import { BatchSchema, CanceledBatchSchema, renderBatch } from './payouts.schema.js';
import { getBatch, listBatches } from './payouts.service.js';

export default async function batchRoutes(app: AppInstance) {
  const tags = ['Batches'];
  app.get('/batches', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'List batches with counts and totals per status',
      querystring: Type.Object({ ...PageQuery, ...IncludeTotalQuery }, { additionalProperties: false }),
      response: { 200: ListEnvelope(Type.Ref(BatchSchema)), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      const { batches, total } = await listBatches(app.db, tenantOf(request), page, { includeTotal: request.query.includeTotal === true });
      return toListEnvelope(batches, page, renderBatch, total);
    },
  });

  app.get('/batches/:id', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'One batch with counts and totals per status',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref(BatchSchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: renderBatch(await getBatch(app.db, tenantOf(request), request.params.id)) }),
  });

  app.post('/batches/:id/cancel', {
    config: { permission: 'payouts:write' },
    schema: {
      tags,
      summary: 'Cancel every payout of the batch that can still be canceled',
      description:
        'Payouts still created, pending or awaiting acceptance are canceled, each as by `POST /payments/{id}/cancel`; the others are counted in `notCancelable`. Repeating it cancels nothing more.',
      params: IdParams,
      response: { 200: CanceledBatchSchema, ...commonErrors },
    },
    handler: async (request) => ({ data: await cancelBatch(app.db, tenantOf(request), request.params.id) }),
  });
}
