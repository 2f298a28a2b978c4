/**
 * @module worker/http-error — the one error a route throws to answer with a status: it becomes a short
 * plain-text response, never a stack trace.
 */
import { EdgefeedError } from "../errors.js";
import { baseHeaders, CLIENT_ERROR_CACHE_CONTROL, NO_STORE } from "./headers.js";

/** Seconds a client should wait before asking again when nothing is published yet. */
export const RETRY_AFTER_UNPUBLISHED = 60;
/** Seconds a client should wait after a storage failure. */
export const RETRY_AFTER_STORAGE_FAILURE = 30;

/**
 * An answer other than success, with the message a person reads and the headers it needs.
 * @example throw new HttpError(405, "GET /feed.atom only: POST is not allowed", { Allow: "GET, HEAD" })
 */
export class HttpError extends EdgefeedError {
  override name = "HttpError";
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413 | 415 | 422 | 500 | 503,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The response: plain text, cacheable briefly for 4xx, never for 5xx. */
  toResponse(method: string, now: number = Date.now()): Response {
    const headers = baseHeaders(now);
    headers.set("Content-Type", "text/plain; charset=utf-8");
    headers.set("Cache-Control", this.status < 500 ? CLIENT_ERROR_CACHE_CONTROL : NO_STORE);
    for (const [name, value] of Object.entries(this.headers)) headers.set(name, value);
    const body = `${this.message}\n`;
    headers.set("Content-Length", String(new TextEncoder().encode(body).byteLength));
    return new Response(method === "HEAD" ? null : body, { status: this.status, headers });
  }
}
