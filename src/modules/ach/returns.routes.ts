import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { commonErrors, DataEnvelope } from '../../platform/http/schemas.js';
import type { RecipientContext } from '../recipients/index.js';
import { applyReturnFile } from './returns.service.js';

// A return file of 10,000 entries is about 2 MB (two 95-byte lines each); room for a larger one.
export const RETURN_FILE_LIMIT_BYTES = 5 * 1024 * 1024;

const EntryFields = {
  line: Type.Integer({ description: 'The line of the addenda record in the file.' }),
  traceNumber: Type.String({ description: 'The original entry’s trace number.' }),
  code: Type.String({ description: 'The return (R..) or change (C..) code.' }),
};

export const ReturnFileReportSchema = Type.Object({
  returns: Type.Array(
    Type.Object({
      ...EntryFields,
      description: Type.String(),
      payoutId: Type.String({ format: 'uuid' }),
      outcome: Type.String({ description: 'What happened: `payout failed`, `payout returned`, `already applied`, or why it did not apply.' }),
    }),
  ),
  corrections: Type.Array(
    Type.Object({
      ...EntryFields,
      payoutId: Type.String({ format: 'uuid' }),
      outcome: Type.String({ description: '`bank details corrected`, `already applied`, or why it was ignored.' }),
    }),
  ),
  unmatched: Type.Array(Type.Object({ ...EntryFields, why: Type.String() })),
});

export async function achReturnsRoutes(app: AppInstance, { context }: { context: RecipientContext }) {
  // The bank's file as it came, within this plugin only: the rest of the API stays JSON.
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: RETURN_FILE_LIMIT_BYTES }, (_request, body, done) => done(null, body));

  app.post('/ach/returns', {
    config: { permission: 'ach:write' },
    schema: {
      tags: ['ACH'],
      summary: 'Apply the bank’s return / notification-of-change file (raw NACHA text, production only)',
      consumes: ['text/plain'],
      body: Type.String({ description: 'The NACHA file, exactly as received from the bank.' }),
      response: { 200: DataEnvelope(ReturnFileReportSchema), ...commonErrors },
    },
    handler: async (request) => ({ data: await applyReturnFile(app.db, tenantOf(request), request.body, context) }),
  });
}
export default achReturnsRoutes;
