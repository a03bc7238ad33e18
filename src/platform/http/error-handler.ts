import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorBody, type ErrorCode, ERROR_STATUS } from './errors.js';
import { describeValidationError } from './validation.js';

// Fastify's own client errors, named in our catalogue's words.
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Send the request body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid_request', message: 'The Content-Length header does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', message: 'The request body is empty but its content type is application/json.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', message: 'The request body is not valid JSON.' },
};

// Database errors that only the request's values can cause: refused as the client's mistake. Only
// the SQLSTATE is kept; the driver's message and detail may quote the values themselves.
const CLIENT_DATABASE_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  '22P02': { code: 'invalid_request', message: 'A value in the request is not valid for its field.' },
  '22021': { code: 'invalid_request', message: 'A value in the request contains a character that is not allowed.' },
  '22P05': { code: 'invalid_request', message: 'A value in the request contains a character that is not allowed.' },
  '22001': { code: 'invalid_request', message: 'A value in the request is too long.' },
  '22003': { code: 'invalid_request', message: 'A number in the request is out of range.' },
  '23505': { code: 'conflict', message: 'The request conflicts with an existing resource.' },
};

/** pg's and PGlite's errors both carry the SQLSTATE in `code` and a `severity`. */
export const isDatabaseError = (error: unknown): error is { code: string; severity: string } =>
  typeof (error as { code?: unknown }).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((error as { code: string }).code) &&
  typeof (error as { severity?: unknown }).severity === 'string';

function render(reply: FastifyReply, request: FastifyRequest, status: number, error: Omit<ErrorBody['error'], 'requestId'>) {
  const body: ErrorBody = { error: { ...error, requestId: String(request.id) } };
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      if (error.status >= 500) request.log.warn({ code: error.code }, error.message);
      return render(reply, request, error.status, { code: error.code, message: error.message, ...(error.param ? { param: error.param } : {}) });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation?.[0]) {
      const described = describeValidationError(fastifyError.validation[0] as never, fastifyError.validationContext ?? 'body');
      return render(reply, request, 400, { code: 'invalid_request', ...described });
    }
    const database = isDatabaseError(error) ? CLIENT_DATABASE_ERRORS[error.code] : undefined;
    if (database) {
      request.log.info({ sqlState: (error as { code: string }).code }, 'database refused a client value');
      return render(reply, request, ERROR_STATUS[database.code], database);
    }
    const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
    if (known) return render(reply, request, ERROR_STATUS[known.code], known);
    if (fastifyError instanceof SyntaxError || (fastifyError.statusCode === 400 && /JSON/i.test(fastifyError.message))) {
      return render(reply, request, 400, { code: 'invalid_json', message: 'The request body is not valid JSON.' });
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return render(reply, request, status, { code: status === 404 ? 'not_found' : 'invalid_request', message: fastifyError.message });
    }
    // Anything else is our fault: log it in full, tell the client nothing internal.
    request.log.error({ err: error }, 'unhandled error');
    return render(reply, request, 500, {
      code: 'internal_error',
      message: 'Something went wrong on our side. Retry later; if it persists, contact support with the request id.',
    });
  });

  app.setNotFoundHandler((request, reply) =>
    render(reply, request, 404, { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` }),
  );
}
