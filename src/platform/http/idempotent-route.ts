import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Executor } from '../db/database.js';
import { encryptionKeysOf } from '../encryption-key.js';
import { hashRequest, type OperationResult, runIdempotent } from '../idempotency/idempotency.js';
import { tenantOf } from './auth.js';
import { AppError } from './errors.js';

/**
 * The idempotency key of a creating request: Karat's body `idempotencyKey` or the IETF
 * `Idempotency-Key` header (both may be given if they agree).
 */
function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const body = request.body as { idempotencyKey?: unknown } | undefined;
  const fromBody = typeof body?.idempotencyKey === 'string' ? body.idempotencyKey : undefined;
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new AppError('invalid_request', 'The Idempotency-Key header and the body idempotencyKey differ; send one, or the same in both.', 'idempotencyKey');
  }
  const key = fromHeader ?? fromBody;
  if (key !== undefined && (key.length === 0 || key.length > 255)) {
    throw new AppError('invalid_request', 'An idempotency key has 1 to 255 characters.', 'idempotencyKey');
  }
  return key;
}

/**
 * Runs a creating operation under the request's idempotency key and sends its (possibly replayed)
 * answer: the operation answers the body, and optionally the transaction's last step.
 */
export async function sendIdempotent(
  request: FastifyRequest,
  reply: FastifyReply,
  operation: (tx: Executor) => Promise<Omit<OperationResult, 'status'>>,
  status = 201,
): Promise<FastifyReply> {
  const { db, config } = request.server;
  const key = idempotencyKeyOf(request);
  const { idempotencyKey: _ignored, ...body } = (request.body ?? {}) as Record<string, unknown>;
  const requestHash = hashRequest(request.method, request.routeOptions.url ?? request.url, body);
  const answer = await runIdempotent(db, tenantOf(request), key, requestHash, config.idempotencyTtlHours, encryptionKeysOf(config), async (tx) => ({
    status,
    ...(await operation(tx)),
  }));
  reply.status(answer.status).type('application/json; charset=utf-8');
  if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
  return reply.send(answer.body);
}
