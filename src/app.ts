import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyReply, LogController, type RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { achReturnsRoutes, achRoutes } from './modules/ach/index.js';
import apiKeyRoutes from './modules/api-keys/api-keys.routes.js';
import { ApiKeySchema } from './modules/api-keys/api-keys.schema.js';
import emailRoutes from './modules/emails/emails.routes.js';
import { recordMailFrom } from './modules/emails/index.js';
import eventRoutes from './modules/events/events.routes.js';
import ledgerRoutes from './modules/ledger/ledger.routes.js';
import organizationRoutes from './modules/organizations/organizations.routes.js';
import { overviewRoutes } from './modules/overview/index.js';
import { necReportRoutes } from './modules/tax-forms/index.js';
import batchRoutes from './modules/payouts/batches.routes.js';
import { BatchSchema, PaymentSchema } from './modules/payouts/payouts.schema.js';
import payoutRoutes from './modules/payouts/payouts.routes.js';
import portalRoutes from './modules/portal/portal.routes.js';
import recipientRoutes from './modules/recipients/recipients.routes.js';
import { RecipientSchema } from './modules/recipients/recipients.schema.js';
import taxFormRoutes from './modules/tax-forms/tax-forms.routes.js';
import { TaxFormSchema } from './modules/tax-forms/tax-forms.schema.js';
import { taxFormPdfRoutes } from './modules/tax-forms/index.js';
import webhookRoutes from './modules/webhooks/webhooks.routes.js';
import { SubscriptionSchema } from './modules/webhooks/webhooks.schema.js';
import type { Database } from './platform/db/database.js';
import type { AppInstance } from './platform/http/app-instance.js';
import { installAuth } from './platform/http/auth.js';
import { authStrategies } from './modules/users/access.js';
import userRoutes from './modules/users/users.routes.js';
import { installErrorHandling } from './platform/http/error-handler.js';
import { installTextGuard } from './platform/http/text-guard.js';
import { installRateLimits, installSecurityHeaders } from './platform/http/protections.js';
import { ErrorResponse } from './platform/http/schemas.js';
import { validatorCompiler } from './platform/http/validation.js';
import { uuidv7 } from './platform/ids.js';
import { healthRoutes } from './platform/http/health.js';
import { recipientContextFor, taxFormContextFor } from './recipient-reactions.js';
import dashboardRoutes from './modules/dashboard/dashboard.routes.js';

export type { AppInstance };

export interface AppDependencies {
  config: Readonly<Config>;
  db: Database;
  logger: Logger;
}

// Named schemas referenced by routes; they become components in /openapi.json.
const SHARED_SCHEMAS = [ErrorResponse, ApiKeySchema, RecipientSchema, PaymentSchema, BatchSchema, SubscriptionSchema, TaxFormSchema];

// Every authenticated module's routes; each is a plugin with thin handlers over its service.
const API_MODULES = [
  apiKeyRoutes,
  payoutRoutes,
  batchRoutes,
  ledgerRoutes,
  eventRoutes,
  webhookRoutes,
  userRoutes,
  emailRoutes,
  organizationRoutes,
  achRoutes,
  taxFormRoutes,
  necReportRoutes,
];

/** Trust the nearest `hops` proxies (Fastify accepts a count at run time but types only a function). */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

const ERROR_REF = { $ref: 'ErrorResponse' };
// Answers any route can give: a URL or headers over Node's limits, too many requests, our fault.
const ANY_ROUTE_ERRORS = [400, 414, 429, 431, 500];
// Answers of every authenticated route: no or a bad key/session, a role or CSRF refusal.
const AUTHENTICATED_ERRORS = [401, 403];
// Answers of a route with an Idempotency-Key: a request with that key still running, or reused for another body.
const IDEMPOTENT_ERRORS = [409, 422];

/**
 * Completes a route's OpenAPI entry: the error answers it can give besides its own, and no
 * security requirement on public routes (the document's default is an API key or a session).
 */
function documentRoute(route: RouteOptions): void {
  route.schema ??= {};
  const schema = route.schema as { hide?: boolean; response?: Record<string, unknown>; security?: unknown[] };
  if (schema.hide) return;
  const isPublic = route.config?.public === true || route.url.startsWith('/docs');
  if (isPublic) schema.security = [];
  const methods = [route.method].flat();
  const statuses = [
    ...ANY_ROUTE_ERRORS,
    ...(isPublic ? [] : AUTHENTICATED_ERRORS),
    ...(route.url.includes(':') ? [404] : []),
    ...(methods.includes('POST') && !isPublic ? IDEMPOTENT_ERRORS : []),
  ];
  schema.response ??= {};
  const response = schema.response;
  if (Object.keys(response).length === 0) return; // an undocumented route stays undocumented
  for (const status of statuses) response[status] ??= ERROR_REF;
}

export async function buildApp({ config, db, logger }: AppDependencies): Promise<AppInstance> {
  // The emails this process queues get Message-IDs on MAIL_FROM's host, fixed at insert.
  await recordMailFrom(db, config.mailFrom);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // A client must send its whole request in time (408 and closed otherwise), so slow or stalled
    // uploads cannot hold connections open; idle connections are closed too.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Node enforces both timeouts from a periodic sweep (30 s by default): sweep often enough
      // that a timeout is kept to within about a quarter of itself.
      connectionsCheckingInterval: Math.max(5, Math.min(1_000, Math.floor(config.headersTimeoutMs / 4))),
    },
    // Behind a reverse proxy, X-Forwarded-Proto/-For give the client's protocol and address
    // (secure cookies, per-address rate limits) only from the proxies named here.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    genReqId: () => `req_${uuidv7().replaceAll('-', '')}`,
    // Errors Fastify raises before routing (a malformed URL, an over-long path parameter) get the
    // same envelope and Request-Id as everything else.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      reply.header('Request-Id', request.id);
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      return reply
        .status(status)
        .type('application/json; charset=utf-8')
        .send({
          error: {
            code: status === 414 ? 'uri_too_long' : 'invalid_request',
            message: status === 414 ? 'A path parameter is too long.' : 'The request URL is malformed.',
            requestId: String(request.id),
          },
        });
    },
    // Requests Node itself refuses (headers or URL over its size limit) never reach Fastify's
    // handlers: answer them in the envelope too.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return;
      const code = (error as NodeJS.ErrnoException).code;
      const [status, text, errorCode, message] =
        code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request headers (or URL) are too large.']
          : code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout', 'request_timeout', 'The request was not received in time.']
            : [400, 'Bad Request', 'invalid_request', 'The request is malformed.'];
      const requestId = `req_${uuidv7().replaceAll('-', '')}`;
      const body = JSON.stringify({ error: { code: errorCode, message, requestId } });
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRequest-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    requestIdHeader: false,
    // One line per request is noise at info level and costs throughput; debug turns it on.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Links are rendered everywhere; start-up resolves the secret (runtime.ts withLinkSecret).
  if (!config.linkSecret) throw new Error('buildApp needs config.linkSecret (see withLinkSecret).');
  // Account numbers are sealed on the way in; start-up resolves the key ring (withEncryptionKeys).
  const recipientContext = recipientContextFor(config);
  app.decorate('db', db);
  app.decorate('config', config);
  const registeredRoutes: RouteOptions[] = [];
  app.decorate('registeredRoutes', registeredRoutes);
  app.addHook('onRoute', (route) => {
    registeredRoutes.push(route);
    documentRoute(route);
  });
  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only; any other body is a 415 rather than a string the schema rejects.
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app);
  installTextGuard(app);
  await installSecurityHeaders(app, config);
  await installRateLimits(app, config);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Request-Id', request.id);
  });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Payouts API',
        version: '1',
        description: 'Wire-compatible with the Karat Payout API. Authenticate with `Authorization: Bearer sk_test_…` (sandbox) or `sk_live_…` (production).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `sk_test_…` (sandbox) or `sk_live_…` (production).' },
          cookieAuth: {
            type: 'apiKey',
            in: 'cookie',
            name: 'payouts_session',
            description: 'A dashboard session (from `POST /auth/login`); the environment is chosen with the `X-Payouts-Environment` header.',
          },
          csrfToken: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: 'With a session, state-changing requests also send the session’s CSRF token (from `GET /auth/session` or the sign-in answer).',
          },
        },
      },
      // An API key, or a dashboard session with its CSRF token: every authenticated route takes either.
      security: [{ bearerAuth: [] }, { cookieAuth: [], csrfToken: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, index) => (json.$id as string) ?? `def-${index}` },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list' },
    staticCSP: true,
    // The docs are never framed either.
    transformStaticCSP: (header) => header.replace("frame-ancestors 'self'", "frame-ancestors 'none'"),
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes);
  await app.register(dashboardRoutes);
  // The recipient's hosted pages behind payoutLink and onboardingUrl: public, capability links.
  await app.register(portalRoutes, { context: recipientContext, taxForms: taxFormContextFor(config) });

  await app.register(async (api) => {
    installAuth(api, authStrategies(db, config));
    for (const routes of API_MODULES) await api.register(routes);
    // The dashboard's home page: read-only aggregates over the modules above.
    await api.register(overviewRoutes);
    // Tax form PDFs: masked, the admins' filing copy, and the signed link of tax_form.created (public).
    await api.register(taxFormPdfRoutes);
    // Modules that react to another's changes are wired here, so neither imports the other.
    await api.register(recipientRoutes, { context: recipientContext });
    await api.register(achReturnsRoutes, { context: recipientContext });
  });
  return app;
}
