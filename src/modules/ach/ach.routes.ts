import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { encryptionKeysOf } from '../../platform/encryption-key.js';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope, PageQuery } from '../../platform/http/schemas.js';
import { readFileText } from './build.js';
import { cutFile } from './cut.js';
import { getFile, markFileSent, voidFile } from './file-lifecycle.js';
import { listFileEntries, listFiles } from './files.repository.js';
import { AchFileSchema, AchSettingsBody, AchSettingsViewSchema, FileEntrySchema, fileName, renderEntry, renderFile, renderSettings } from './ach.schema.js';
import { deleteAchSettingsOf, getAchSettings, putAchSettings } from './settings.service.js';

/** ACH moves real money: the rail exists in production only. */
function productionOrganization(request: FastifyRequest): string {
  const caller = tenantOf(request);
  if (caller.environment !== 'production') throw new AppError('invalid_request', 'Bank files exist in production only.');
  return caller.organizationId;
}

/** Who did it, as recorded on the file: the signed-in user or the API key. */
export function actorLabel(request: FastifyRequest): string {
  const caller = tenantOf(request);
  return caller.user ? `user:${caller.user.id}` : `api_key:${caller.apiKeyId ?? 'unknown'}`;
}

export default async function achRoutes(app: AppInstance) {
  const tags = ['ACH'];
  const keys = () => encryptionKeysOf(app.config);
  const timeZone = app.config.achTimeZone;
  const build = () => ({ keys: keys(), timeZone, leaseSeconds: app.config.leaseSeconds });

  app.get('/ach/settings', {
    config: { permission: 'ach:read', dashboardOnly: true },
    schema: { tags, summary: "The organization's bank settings, and why the rail is off if it is", response: { 200: AchSettingsViewSchema, ...commonErrors } },
    handler: async (request) => renderSettings(await getAchSettings(app.db, productionOrganization(request), app.config)),
  });

  app.put('/ach/settings', {
    config: { permission: 'ach:settings', dashboardOnly: true },
    schema: { tags, summary: 'Set the bank settings (admins)', body: AchSettingsBody, response: { 200: AchSettingsViewSchema, ...commonErrors } },
    handler: async (request) =>
      renderSettings(await putAchSettings(app.db, productionOrganization(request), request.body, actorLabel(request), keys(), timeZone)),
  });

  app.delete('/ach/settings', {
    config: { permission: 'ach:settings', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Turn the ACH rail off (pending ACH payouts go back to the manual rail)',
      response: { 200: AchSettingsViewSchema, ...commonErrors },
    },
    handler: async (request) => renderSettings(await deleteAchSettingsOf(app.db, productionOrganization(request))),
  });

  app.post('/ach/files', {
    config: { permission: 'ach:write' },
    schema: {
      tags,
      summary: 'Cut a NACHA file of every pending ACH payout not on hold',
      response: { 201: DataEnvelope(AchFileSchema), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request, reply) => {
      const file = await cutFile(app.db, productionOrganization(request), { ...build(), by: actorLabel(request) });
      reply.code(201);
      return { data: renderFile(file!) };
    },
  });

  app.get('/ach/files', {
    config: { permission: 'ach:read' },
    schema: {
      tags,
      summary: 'Bank files, newest first',
      querystring: Type.Object(PageQuery, { additionalProperties: false }),
      response: { 200: ListEnvelope(AchFileSchema), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      return toListEnvelope(await listFiles(app.db, productionOrganization(request), page), page, renderFile);
    },
  });

  app.get('/ach/files/:id', {
    config: { permission: 'ach:read' },
    schema: { tags, summary: 'One bank file', params: IdParams, response: { 200: DataEnvelope(AchFileSchema), ...commonErrors } },
    handler: async (request) => ({ data: renderFile(await getFile(app.db, productionOrganization(request), request.params.id)) }),
  });

  app.get('/ach/files/:id/entries', {
    config: { permission: 'ach:read' },
    schema: {
      tags,
      summary: "A bank file's entries: each payout, its trace number and the account (last 4) it was sent to",
      params: IdParams,
      querystring: Type.Object(PageQuery, { additionalProperties: false }),
      response: { 200: ListEnvelope(FileEntrySchema), ...commonErrors },
    },
    handler: async (request) => {
      const file = await getFile(app.db, productionOrganization(request), request.params.id);
      const page = parsePage(request.query);
      return toListEnvelope(await listFileEntries(app.db, file.id, page), page, renderEntry);
    },
  });

  app.get('/ach/files/:id/download', {
    config: { permission: 'ach:read' },
    schema: {
      tags,
      summary: 'The NACHA file, byte for byte as generated (text/plain)',
      params: IdParams,
      produces: ['text/plain'],
      response: { ...commonErrors },
    },
    handler: async (request, reply) => {
      const file = await getFile(app.db, productionOrganization(request), request.params.id);
      reply
        .type('text/plain; charset=us-ascii')
        .header('Content-Disposition', `attachment; filename="${fileName(file)}"`)
        .header('Cache-Control', 'no-store')
        .header('Content-Length', String(file.byteLength ?? 0));
      return reply.send(Readable.from(readFileText(app.db, keys(), file.id)));
    },
  });

  app.post('/ach/files/:id/sent', {
    config: { permission: 'ach:write' },
    schema: {
      tags,
      summary: 'Mark a file as uploaded to the bank: it settles at the end of its effective date',
      params: IdParams,
      response: { 200: DataEnvelope(AchFileSchema), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request) => ({ data: renderFile(await markFileSent(app.db, productionOrganization(request), request.params.id, actorLabel(request))) }),
  });

  app.post('/ach/files/:id/void', {
    config: { permission: 'ach:write' },
    schema: {
      tags,
      summary: 'Void a file the bank rejected or that will not be sent: its payouts go back to pending',
      params: IdParams,
      body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 200: DataEnvelope(AchFileSchema), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    // The reason is optional, and so is the whole body.
    preValidation: async (request) => {
      request.body ??= {};
    },
    handler: async (request) => {
      const reason = request.body.reason?.trim() || null;
      return { data: renderFile(await voidFile(app.db, productionOrganization(request), request.params.id, actorLabel(request), reason)) };
    },
  });
}
