import { Agent, request } from 'undici';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, PrivateTargetError } from './ssrf.js';

export interface PostResult {
  statusCode: number;
  retryAfter: string | undefined;
  /** The start of the response body, for the delivery log. */
  excerpt: string;
  /** The whole body when it is small (the handshake reads the challenge from it). */
  body: string;
}

const EXCERPT_CHARS = 500;
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The one HTTP client for webhook traffic: keep-alive connections per origin, no redirects
 * followed, a hard timeout per request, and a DNS lookup that refuses private addresses unless
 * the operator allowed them.
 */
export class WebhookHttpClient {
  private readonly agent: Agent;

  constructor(private readonly allowPrivate: boolean) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      connect: { lookup: guardedLookup(allowPrivate) as never, timeout: 10_000 },
    });
  }

  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
    // Connections to IP literals skip DNS, so the guarded lookup never sees them: check here.
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (!this.allowPrivate && isIP(host) && isPrivateAddress(host)) throw new PrivateTargetError(host);
    const response = await request(url, {
      method: 'POST',
      headers,
      body,
      dispatcher: this.agent,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    let received = '';
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY_BYTES) received += (chunk as Buffer).toString('utf8');
      else {
        response.body.destroy();
        break;
      }
    }
    const retryAfter = response.headers['retry-after'];
    return {
      statusCode: response.statusCode,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      excerpt: received.slice(0, EXCERPT_CHARS),
      body: received,
    };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** A short, safe description of a failed request for the delivery log. */
export function describeRequestError(error: unknown): string {
  if (error instanceof PrivateTargetError) return error.message;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof PrivateTargetError) return cause.message;
  const err = error as { name?: string; code?: string; message?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT')
    return 'Timed out.';
  return err.code ? `${err.code}: ${err.message ?? ''}`.trim() : (err.message ?? 'Request failed.');
}
