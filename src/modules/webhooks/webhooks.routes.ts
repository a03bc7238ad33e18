import { Type } from '@sinclair/typebox';
import { encryptionKeysOf } from '../../platform/encryption-key.js';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { tenantOf } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { sendIdempotent } from '../../platform/http/idempotent-route.js';
import { parsePage, toListEnvelope } from '../../platform/http/pagination.js';
import { commonErrors, DataEnvelope, IdParams, IncludeTotalQuery, ListEnvelope, PageQuery, Timestamp } from '../../platform/http/schemas.js';
import { EVENT_TYPES } from '../events/index.js';
import { DeliverySchema, renderDelivery, renderSubscription, SubscriptionSchema } from './webhooks.schema.js';
import * as service from './webhooks.service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export default async function webhookRoutes(app: AppInstance) {
  const tags = ['Webhooks'];
  const errors = { ...commonErrors, 409: Type.Ref('ErrorResponse'), 422: Type.Ref('ErrorResponse') };

  app.get('/events', {
    config: { permission: 'signed_in' },
    schema: {
      tags,
      summary: 'The event types one can subscribe to',
      response: { 200: DataEnvelope(Type.Array(Type.Object({ eventName: Type.String(), description: Type.String() }))), ...commonErrors },
    },
    handler: async () => ({ data: EVENT_TYPES.map((t) => ({ ...t })) }),
  });

  app.post('/events/subscription', {
    config: { permission: 'webhooks:write' },
    schema: {
      tags,
      summary: 'Subscribe a URL to an event (verified by a challenge handshake); the secret is shown only here',
      body: Type.Object(
        {
          event_name: Type.String({ minLength: 1, maxLength: 100 }),
          callback_url: Type.String({
            minLength: 1,
            maxLength: 2048,
            description:
              'An absolute http(s) URI (RFC 3986) without credentials, on a public address; answered 400 `invalid_callback_url` otherwise. The server verifies it answers before saving it.',
          }),
        },
        { additionalProperties: false },
      ),
      response: { 201: DataEnvelope(Type.Object({ subscription: Type.Ref(SubscriptionSchema), secret: Type.String() })), ...errors },
    },
    handler: async (request, reply) => {
      // The handshake runs first, outside any transaction; the idempotent part only stores it.
      const verified = await service.verifySubscription(app.config, { eventName: request.body.event_name, callbackUrl: request.body.callback_url });
      return sendIdempotent(request, reply, async (tx) => {
        const created = await service.saveSubscription(tx, tenantOf(request), encryptionKeysOf(app.config), verified);
        return { body: { data: { subscription: renderSubscription(created.subscription), secret: created.secret } } };
      });
    },
  });

  app.get('/events/subscriptions', {
    config: { permission: 'webhooks:read' },
    schema: { tags, summary: 'List subscriptions (never their secrets)', response: { 200: ListEnvelope(Type.Ref(SubscriptionSchema)), ...commonErrors } },
    handler: async (request) => ({
      data: (await service.listSubscriptions(app.db, tenantOf(request))).map(renderSubscription),
      hasMore: false,
      nextCursor: null,
    }),
  });

  app.get('/events/subscription/:id', {
    config: { permission: 'webhooks:read' },
    schema: { tags, summary: 'One subscription', params: IdParams, response: { 200: DataEnvelope(Type.Ref(SubscriptionSchema)), ...commonErrors } },
    handler: async (request) => ({ data: renderSubscription(await service.getSubscription(app.db, tenantOf(request), request.params.id)) }),
  });

  app.delete('/events/subscription/:id', {
    config: { permission: 'webhooks:write' },
    schema: {
      tags,
      summary: 'Delete a subscription; nothing more is delivered to it',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref(SubscriptionSchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: renderSubscription(await service.deleteSubscription(app.db, tenantOf(request), request.params.id)) }),
  });

  app.post('/events/subscription/:id/enable', {
    config: { permission: 'webhooks:write' },
    schema: {
      tags,
      summary: 'Re-enable a disabled subscription',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Ref(SubscriptionSchema)), ...commonErrors },
    },
    handler: async (request) => ({ data: renderSubscription(await service.enableSubscription(app.db, tenantOf(request), request.params.id)) }),
  });

  app.post('/events/subscription/:id/rotate-secret', {
    config: { permission: 'webhooks:write' },
    schema: {
      tags,
      summary: 'Issue a new signing secret; the old one keeps signing beside it during the overlap',
      params: IdParams,
      body: Type.Optional(
        Type.Object({ overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 24 * 3600 })) }, { additionalProperties: false }),
      ),
      response: { 200: DataEnvelope(Type.Object({ secret: Type.String(), previousSecretExpiresAt: Nullable(Timestamp) })), ...commonErrors },
    },
    // The body is optional: a request without one rotates with the default overlap (a JSON null
    // is still a bad body).
    preValidation: async (request) => {
      if (request.body === undefined) request.body = {};
    },
    handler: async (request) => {
      const overlap = request.body?.overlap_seconds ?? app.config.webhookSecretOverlapHours * 3600;
      const rotated = await service.rotateSecret(app.db, tenantOf(request), encryptionKeysOf(app.config), request.params.id, overlap);
      return { data: { secret: rotated.secret, previousSecretExpiresAt: rotated.previousSecretExpiresAt?.toISOString() ?? null } };
    },
  });

  app.get('/events/subscription/:id/deliveries', {
    config: { permission: 'webhooks:read' },
    schema: {
      tags,
      summary: 'Deliveries of a subscription with every attempt, newest first',
      params: IdParams,
      querystring: Type.Object({ ...PageQuery, ...IncludeTotalQuery }, { additionalProperties: false }),
      response: { 200: ListEnvelope(DeliverySchema), ...commonErrors },
    },
    handler: async (request) => {
      const page = parsePage(request.query);
      const { rows, total } = await service.listDeliveries(app.db, tenantOf(request), request.params.id, page, {
        includeTotal: request.query.includeTotal === true,
      });
      return toListEnvelope(rows, page, renderDelivery, total);
    },
  });

  app.get('/events/deliveries', {
    config: { permission: 'payouts:read' },
    schema: {
      tags,
      summary: 'The webhook deliveries of one payout’s events, across subscriptions',
      querystring: Type.Object({ payoutId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      response: {
        200: ListEnvelope(
          Type.Object({
            id: Type.String(),
            subscriptionId: Type.String(),
            callbackUrl: Nullable(Type.String()),
            event: Type.String(),
            status: Type.String(),
            attemptCount: Type.Integer(),
            lastStatusCode: Nullable(Type.Integer()),
            createdAt: Timestamp,
            deliveredAt: Nullable(Timestamp),
          }),
        ),
        ...commonErrors,
      },
    },
    handler: async (request) => {
      const caller = tenantOf(request);
      const rows = await service.listPayoutDeliveries(app.db, caller, request.query.payoutId);
      // Payout readers (accountants) see deliveries; the callback URLs are for webhook readers only.
      const showUrls = request.may('webhooks:read');
      return {
        data: rows.map((d) => ({
          id: d.id,
          subscriptionId: d.subscriptionId,
          callbackUrl: showUrls ? d.callbackUrl : null,
          event: d.eventType,
          status: d.status,
          attemptCount: d.attemptCount,
          lastStatusCode: d.lastStatusCode,
          createdAt: d.createdAt.toISOString(),
          deliveredAt: d.deliveredAt?.toISOString() ?? null,
        })),
        hasMore: false,
        nextCursor: null,
      };
    },
  });

  app.post('/events/subscription/:id/deliveries/:deliveryId/redeliver', {
    config: { permission: 'webhooks:write' },
    schema: {
      tags,
      summary: 'Send one delivery again (same webhook id)',
      params: Type.Object({ id: Type.String(), deliveryId: Type.String() }),
      response: { 202: DataEnvelope(Type.Object({ queued: Type.Integer() })), ...commonErrors },
    },
    handler: async (request, reply) => {
      await service.redeliver(app.db, tenantOf(request), request.params.id, request.params.deliveryId);
      return reply.status(202).send({ data: { queued: 1 } });
    },
  });

  app.post('/events/subscription/:id/replay', {
    config: { permission: 'webhooks:write' },
    schema: {
      tags,
      summary: 'Send every event of the subscription’s type since a time (also events older than the subscription)',
      params: IdParams,
      body: Type.Object({ since: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
      response: { 202: DataEnvelope(Type.Object({ queued: Type.Integer() })), ...commonErrors },
    },
    handler: async (request, reply) => {
      const since = new Date(request.body.since);
      if (Number.isNaN(since.getTime())) throw new AppError('invalid_request', '`since` must be a date-time.', 'since');
      const queued = await service.replay(app.db, tenantOf(request), request.params.id, since);
      return reply.status(202).send({ data: { queued } });
    },
  });
}
