// One error type and one catalogue: services throw AppError with a code from this table, and the
// error handler renders the documented envelope with the status the table gives.

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_amount: 400,
  invalid_callback_url: 400,
  callback_verification_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  invalid_state: 409,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  too_many_requests: 429,
  headers_too_large: 431,
  // Karat answers an unaffordable batch with 500; wire compatibility keeps that status.
  insufficient_funds: 500,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string, param?: string) => new AppError('not_found', `No such ${what}.`, param);

export interface ErrorBody {
  error: { code: string; message: string; param?: string; requestId: string };
}
