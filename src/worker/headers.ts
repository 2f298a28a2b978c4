/**
 * @module worker/headers — the header sets of every kind of answer: documents, 304s, errors.
 */
import type { ManifestDocument, ManifestVariant } from "../store/manifest.js";
import { httpDate } from "../store/manifest.js";

/**
 * Feeds and the page: fresh for 5 minutes, then served stale for up to an hour while one request
 * revalidates, and for a day if the worker fails. Feed readers poll every 15–60 minutes.
 */
export const DOCUMENT_CACHE_CONTROL =
  "public, max-age=300, stale-while-revalidate=3600, stale-if-error=86400";
/**
 * Complete archive pages (RFC 5005): their entries are fixed, so caches may keep them for a week; one
 * changes only when an article in it is updated or deleted, and then has a new ETag.
 */
export const ARCHIVE_CACHE_CONTROL = "public, max-age=604800, stale-while-revalidate=86400";

/** The Cache-Control of a published document. */
export function cacheControlOf(doc: Pick<ManifestDocument, "caching">): string {
  return doc.caching === "archive" ? ARCHIVE_CACHE_CONTROL : DOCUMENT_CACHE_CONTROL;
}

/** Redirects are permanent, but a day keeps a mistake short-lived. */
export const REDIRECT_CACHE_CONTROL = "public, max-age=86400";
/** Wrong paths and methods stay wrong; a minute spares the worker a burst of them. */
export const CLIENT_ERROR_CACHE_CONTROL = "public, max-age=60";
/** Health and outages must never be answered from a cache. */
export const NO_STORE = "no-store";

/** Headers for cross-origin reading of feeds by web-based readers; ETag is not readable otherwise. */
export const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "ETag, Content-Encoding",
} as const;

/** What every answer carries. */
export function baseHeaders(now: number): Headers {
  return new Headers({ Date: httpDate(now), "X-Content-Type-Options": "nosniff" });
}

/** How a document route is served. */
export interface DocumentRouteOptions {
  /** Readable from any origin (feeds). */
  readonly cors: boolean;
}

/**
 * The headers of a 200 (GET or HEAD) for one stored form of a document.
 */
export function documentHeaders(
  doc: ManifestDocument,
  variant: ManifestVariant,
  options: DocumentRouteOptions,
  now: number,
): Headers {
  const headers = baseHeaders(now);
  headers.set("Content-Type", doc.contentType);
  headers.set("Content-Length", String(variant.size));
  if (variant.encoding !== "identity") headers.set("Content-Encoding", variant.encoding);
  headers.set("ETag", variant.etag);
  headers.set("Last-Modified", httpDate(doc.lastModifiedMs));
  headers.set("Cache-Control", cacheControlOf(doc));
  headers.set("Vary", "Accept-Encoding");
  if (doc.contentSecurityPolicy) headers.set("Content-Security-Policy", doc.contentSecurityPolicy);
  if (options.cors)
    for (const [name, value] of Object.entries(CORS_HEADERS)) headers.set(name, value);
  return headers;
}

/**
 * The headers of a 304: those RFC 9110 §15.4.5 asks for (Date, ETag, Vary, Cache-Control) and CORS, so a
 * web reader may see the answer; no other representation metadata.
 */
export function notModifiedHeaders(
  etag: string,
  options: DocumentRouteOptions,
  now: number,
  cacheControl: string = DOCUMENT_CACHE_CONTROL,
): Headers {
  const headers = baseHeaders(now);
  headers.set("ETag", etag);
  headers.set("Cache-Control", cacheControl);
  headers.set("Vary", "Accept-Encoding");
  if (options.cors)
    for (const [name, value] of Object.entries(CORS_HEADERS)) headers.set(name, value);
  return headers;
}
