/**
 * @module worker/app — the Hono app: routes, conditional requests, compression, errors → responses.
 * It only reads, from the FEEDS namespace: the live manifest, for an archive page or category feed the
 * version's shelf (once per isolate), then at most one body.
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { readSiteConfig } from "../config.js";
import type { ContentEncoding } from "../publish.js";
import { rfc3339 } from "../render/dates.js";
import { ARCHIVE_PREFIX, CATEGORY_PREFIX } from "../site.js";
import { StoreError } from "../store/errors.js";
import { documentKey } from "../store/keys.js";
import {
  documentAt,
  findDocument,
  type Manifest,
  type ManifestDocument,
  type ManifestVariant,
  shelfFor,
  storedVersion,
} from "../store/manifest.js";
import { readDocumentBody, readManifest, readShelf } from "../store/read.js";
import { ShelfCache } from "../store/shelf-cache.js";
import { handleDelete, handleIngest } from "./api.js";
import { BodyCache } from "./body-cache.js";
import { notModifiedTag } from "./conditional.js";
import {
  baseHeaders,
  CORS_HEADERS,
  cacheControlOf,
  documentHeaders,
  NO_STORE,
  notModifiedHeaders,
  REDIRECT_CACHE_CONTROL,
} from "./headers.js";
import { HttpError, RETRY_AFTER_STORAGE_FAILURE, RETRY_AFTER_UNPUBLISHED } from "./http-error.js";
import { chooseEncoding } from "./negotiate.js";
import { allowedMethods, ROUTES, type Route } from "./routes.js";

type AppEnv = { Bindings: Env };

/** The ingest API's one path. */
export const INGEST_PATH = "/api/documents";
/** Folders whose documents are served by name from the live manifest. */
const DOCUMENT_FOLDERS = [ARCHIVE_PREFIX, CATEGORY_PREFIX] as const;
type AppContext = Context<AppEnv>;

/** How long a CORS preflight may be cached by the browser. */
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

const UNPUBLISHED_MESSAGE =
  "Nothing is published yet. Publish a build: `npm start` does it locally, `npm run deploy` on Cloudflare.";

/** The live manifest, or an HttpError 503 saying why there is none. */
async function liveManifest(c: AppContext): Promise<Manifest> {
  let manifest: Manifest | null;
  try {
    manifest = await readManifest(c.env.FEEDS);
  } catch (error) {
    throw storageFailure(error);
  }
  if (manifest === null)
    throw new HttpError(503, UNPUBLISHED_MESSAGE, {
      "Retry-After": String(RETRY_AFTER_UNPUBLISHED),
    });
  return manifest;
}

function storageFailure(cause: unknown): HttpError {
  // The cause goes to the log (wrangler tail), never to the client.
  console.error("edgefeed: storage failure:", cause instanceof Error ? cause.message : cause);
  return new HttpError(
    503,
    "The feed storage is unavailable right now. Please try again shortly.",
    { "Retry-After": String(RETRY_AFTER_STORAGE_FAILURE) },
    { cause },
  );
}

/**
 * The Accept-Encoding the client sent. Cloudflare (and wrangler dev, imitating it) hands workers
 * "br, gzip" whatever the client said, keeping the original in `request.cf.clientAcceptEncoding` ("" when
 * the client sent none), and re-encodes only the types it compresses itself — not Atom or JSON Feed.
 */
function clientAcceptEncoding(c: AppContext): string | undefined {
  const cf = c.req.raw.cf as IncomingRequestCfProperties | undefined;
  return typeof cf?.clientAcceptEncoding === "string"
    ? cf.clientAcceptEncoding
    : c.req.header("Accept-Encoding");
}

/** A body from the isolate's memory, else from KV (then kept): bodies never change under their key. */
async function documentBody(
  c: AppContext,
  bodies: BodyCache,
  version: string,
  path: string,
  encoding: ContentEncoding,
): Promise<ArrayBuffer> {
  const key = documentKey(version, path, encoding);
  const cached = bodies.get(key);
  if (cached !== undefined) return cached;
  let body: ArrayBuffer;
  try {
    body = await readDocumentBody(c.env.FEEDS, version, path, encoding);
  } catch (error) {
    throw storageFailure(error);
  }
  bodies.set(key, body);
  return body;
}

/** Decodes a gzip body whole (DecompressionStream is native: about 1 ms per megabyte). */
async function gunzip(body: ArrayBuffer): Promise<ArrayBuffer> {
  return new Response(
    new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).arrayBuffer();
}

/**
 * A variant's body: stored, or decoded from the variant it names (a feed's identity form, for clients
 * that take no gzip), then kept like a stored one under its would-be key.
 */
async function variantBody(
  c: AppContext,
  bodies: BodyCache,
  version: string,
  path: string,
  variant: ManifestVariant,
): Promise<ArrayBuffer> {
  if (variant.decodedFrom === undefined)
    return documentBody(c, bodies, version, path, variant.encoding);
  const key = documentKey(version, path, variant.encoding);
  const cached = bodies.get(key);
  if (cached !== undefined) return cached;
  const encoded = await documentBody(c, bodies, version, path, variant.decodedFrom);
  let body: ArrayBuffer;
  try {
    body = await gunzip(encoded);
  } catch (error) {
    throw storageFailure(new StoreError(key, "could not be decoded from gzip", { cause: error }));
  }
  bodies.set(key, body);
  return body;
}

/** What an isolate keeps between requests: bodies, and the manifest's shelves. */
interface IsolateCaches {
  readonly bodies: BodyCache;
  readonly shelves: ShelfCache;
}

/**
 * The published document at a path: from the pointer, or for a document below a folder from the
 * version's shelf, read once per isolate (it never changes under its key).
 */
async function publishedDocument(
  c: AppContext,
  shelves: ShelfCache,
  manifest: Manifest,
  path: string,
): Promise<ManifestDocument | undefined> {
  const top = findDocument(manifest, path);
  const shelf = top === undefined ? shelfFor(manifest, path) : undefined;
  if (shelf === undefined) return top;
  try {
    return documentAt(await readShelf(c.env.FEEDS, shelf, shelves), path);
  } catch (error) {
    throw storageFailure(error);
  }
}

async function serveDocument(
  c: AppContext,
  caches: IsolateCaches,
  route: Extract<Route, { kind: "document" }>,
): Promise<Response> {
  const now = Date.now();
  const manifest = await liveManifest(c);
  const doc = await publishedDocument(c, caches.shelves, manifest, route.path);
  if (!doc) throw new HttpError(404, `${c.req.path} is not part of the published version.`);
  const encoding = chooseEncoding(
    clientAcceptEncoding(c),
    doc.variants.map((v) => v.encoding),
  );
  const variant = doc.variants.find((v) => v.encoding === encoding) ?? doc.variants[0];
  if (!variant) throw storageFailure(new StoreError(route.path, "has no stored variants"));

  const etag = notModifiedTag(
    {
      ifNoneMatch: c.req.header("If-None-Match"),
      ifModifiedSince: c.req.header("If-Modified-Since"),
    },
    { etags: doc.variants.map((v) => v.etag), lastModifiedMs: doc.lastModifiedMs },
    variant.etag,
  );
  if (etag !== undefined)
    return new Response(null, {
      status: 304,
      headers: notModifiedHeaders(etag, route, now, cacheControlOf(doc)),
    });

  const headers = documentHeaders(doc, variant, route, now);
  // HEAD is answered from the manifest alone: same headers, no body read.
  if (c.req.method === "HEAD") return new Response(null, { headers });
  const body = await variantBody(c, caches.bodies, storedVersion(manifest, doc), doc.path, variant);
  // A copy, so the kept body can never be handed over (detached) with a response.
  // "manual": the bytes are already in the coding Content-Encoding names; the runtime must not redo it.
  return new Response(body.slice(0), { headers, encodeBody: "manual" });
}

async function serveHealth(c: AppContext): Promise<Response> {
  const manifest = await liveManifest(c);
  const config = readSiteConfig({ ...c.env });
  const body = `${JSON.stringify(
    {
      status: "ok",
      site: config.siteUrl,
      version: manifest.version,
      publishedAt: rfc3339(manifest.publishedMs),
      entries: manifest.entryCount,
      newestEntry: manifest.newestEntryMs === null ? null : rfc3339(manifest.newestEntryMs),
    },
    null,
    2,
  )}\n`;
  const headers = baseHeaders(Date.now());
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", NO_STORE);
  return new Response(c.req.method === "HEAD" ? null : body, { headers });
}

function serveRedirect(c: AppContext, location: string): Response {
  const headers = baseHeaders(Date.now());
  headers.set("Location", new URL(location, c.req.url).href);
  headers.set("Cache-Control", REDIRECT_CACHE_CONTROL);
  return new Response(null, { status: 301, headers });
}

function servePreflight(): Response {
  const headers = baseHeaders(Date.now());
  for (const [name, value] of Object.entries(CORS_HEADERS)) headers.set(name, value);
  headers.set("Access-Control-Allow-Methods", "GET, HEAD");
  headers.set("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since");
  headers.set("Access-Control-Max-Age", String(PREFLIGHT_MAX_AGE_SECONDS));
  headers.set("Allow", "GET, HEAD, OPTIONS");
  return new Response(null, { status: 204, headers });
}

function serve(c: AppContext, caches: IsolateCaches, route: Route): Response | Promise<Response> {
  switch (route.kind) {
    case "document":
      return serveDocument(c, caches, route);
    case "health":
      return serveHealth(c);
    case "redirect":
      return serveRedirect(c, route.location);
  }
}

export interface AppOptions {
  /** Where served bodies are kept between requests; one per isolate (the worker's entry makes it). */
  readonly bodies?: BodyCache;
  /** Where the manifest's shelves are kept between requests; one per isolate. */
  readonly shelves?: ShelfCache;
}

/**
 * The worker's app. GET also answers HEAD (Hono routes HEAD as GET and drops the body).
 * @example await createApp().request("/feed.atom", {}, env)
 */
export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const caches: IsolateCaches = {
    bodies: options.bodies ?? new BodyCache(),
    shelves: options.shelves ?? new ShelfCache(),
  };
  const app = new Hono<AppEnv>({ strict: true });
  app.post(INGEST_PATH, (c) => handleIngest(c));
  app.delete(INGEST_PATH, (c) => handleDelete(c));
  app.all(INGEST_PATH, (c) => {
    throw new HttpError(
      405,
      `${c.req.method} is not allowed on ${INGEST_PATH}; use POST or DELETE.`,
      {
        Allow: "POST, DELETE",
      },
    );
  });
  // Archive pages and category feeds: whatever the live manifest lists under these folders.
  for (const folder of DOCUMENT_FOLDERS) {
    const pattern = `/${folder}:file`;
    app.get(pattern, (c) => {
      let path: string;
      try {
        path = decodeURIComponent(c.req.path.slice(1));
      } catch {
        // A malformed escape ("%E0%A4%A") names nothing we publish.
        throw new HttpError(404, `${c.req.path} is not part of the published version.`);
      }
      return serveDocument(c, caches, { kind: "document", path, cors: true });
    });
    app.options(pattern, () => servePreflight());
    app.all(pattern, (c) => {
      throw new HttpError(405, `${c.req.method} is not allowed here; use GET, HEAD or OPTIONS.`, {
        Allow: "GET, HEAD, OPTIONS",
      });
    });
  }
  for (const [path, route] of Object.entries(ROUTES)) {
    const allowed = allowedMethods(route);
    app.get(path, (c) => serve(c, caches, route));
    if (allowed.includes("OPTIONS")) app.options(path, () => servePreflight());
    app.all(path, (c) => {
      throw new HttpError(
        405,
        `${c.req.method} is not allowed on ${path}; use ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}.`,
        {
          Allow: allowed.join(", "),
        },
      );
    });
  }
  app.notFound((c) =>
    new HttpError(
      404,
      `Nothing is published at ${c.req.path}. The feeds are /feed.atom, /feed.rss and /feed.json.`,
    ).toResponse(c.req.method),
  );
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      const response = error.toResponse(c.req.method);
      // Answers of the API are about one request: never cached.
      if (c.req.path.startsWith("/api/")) response.headers.set("Cache-Control", NO_STORE);
      return response;
    }
    // Anything else is a bug of ours: log it, answer without detail.
    console.error("edgefeed: unexpected error:", error);
    return new HttpError(500, "Something went wrong on our side.").toResponse(c.req.method);
  });
  return app;
}
