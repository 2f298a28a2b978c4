/**
 * @module publish — the set of documents a site publishes from its archive (the three feeds, rendered
 * from per-entry pieces, and the index page), each with its path and media type; and what publishing
 * adds to each: a content hash for its strong ETag, pre-compressed variants, its security policy.
 */
import { FEED_PATHS, type FeedFormat, type SiteConfig } from "./config.js";
import type { Entry } from "./entry.js";
import { renderAtom, renderAtomEntry } from "./render/atom.js";
import { describeFeed, type FeedInfo, MEDIA_TYPES } from "./render/feed-info.js";
import { INDEX_STYLE, type IndexLinks, renderIndexHtml } from "./render/html.js";
import { renderJson, renderJsonItem } from "./render/json.js";
import { renderRss, renderRssItem } from "./render/rss.js";

/** The path of the index page below the site URL ("" is the site URL itself). */
export const INDEX_PATH = "index.html";

/** One published document. */
export interface SiteDocument {
  /** Path below the site URL, e.g. "feed.atom". */
  readonly path: string;
  /** Media type with charset, as served. */
  readonly contentType: string;
  readonly body: string;
  /** Inline `<style>` blocks of an HTML page, which its Content-Security-Policy allows by hash. */
  readonly inlineStyles?: readonly string[];
}

/**
 * Renders the feeds and the index page of an archive: the newest `entriesPerFeed` entries, newest first.
 * @example renderSite(archive.entries, config).map((d) => d.path) // ["feed.atom", "feed.rss", "feed.json", "index.html"]
 */
export function renderSite(entries: readonly Entry[], config: SiteConfig): SiteDocument[] {
  const newest = entries.slice(0, config.entriesPerFeed);
  const info = describeFeed(config, newest);
  const pieces = newest.map((entry) => renderEntryPieces(entry, config));
  return [...renderFeedDocuments(pieces, info, FEED_PATHS), renderIndexDocument(newest, info)];
}

/** The rendered forms of one entry, from which every feed document is assembled. */
export interface EntryPieces {
  readonly atom: string;
  readonly rss: string;
  readonly json: string;
}

/**
 * Renders an entry once for every format: feeds, archives and category feeds are assembled from these.
 * @example renderEntryPieces(entry, config).atom.startsWith("<entry") // true
 */
export function renderEntryPieces(entry: Entry, config: SiteConfig): EntryPieces {
  return {
    atom: renderAtomEntry(entry),
    rss: renderRssItem(entry, config.author),
    json: renderJsonItem(entry),
  };
}

/**
 * One feed document in each format, assembled from entries' pieces (already chosen and ordered).
 * @example renderFeedDocuments(pieces, info, feedPaths("category/world")).map((d) => d.path) // ["category/world.atom", …]
 */
export function renderFeedDocuments(
  pieces: readonly EntryPieces[],
  info: FeedInfo,
  paths: Readonly<Record<FeedFormat, string>>,
): SiteDocument[] {
  const bodies: Record<FeedFormat, string> = {
    atom: renderAtom(
      pieces.map((p) => p.atom),
      info,
    ),
    rss: renderRss(
      pieces.map((p) => p.rss),
      info,
    ),
    json: renderJson(
      pieces.map((p) => p.json),
      info,
    ),
  };
  return (Object.keys(FEED_PATHS) as FeedFormat[]).map((format) => ({
    path: paths[format],
    contentType: `${MEDIA_TYPES[format]}; charset=utf-8`,
    body: bodies[format],
  }));
}

/** The index page as a site document. */
export function renderIndexDocument(
  newest: readonly Entry[],
  info: FeedInfo,
  extra: IndexLinks = {},
): SiteDocument {
  return {
    path: INDEX_PATH,
    contentType: `${MEDIA_TYPES.html}; charset=utf-8`,
    body: renderIndexHtml(newest, info, extra),
    inlineStyles: [INDEX_STYLE],
  };
}

/** The content codings a document is stored in; "identity" (no coding) always. */
export const CONTENT_ENCODINGS = ["identity", "gzip", "br"] as const;
export type ContentEncoding = (typeof CONTENT_ENCODINGS)[number];

/** The `CompressionStream` format of each coding; brotli needs a runtime that has it (Node ≥ 22.15). */
const COMPRESSION_FORMATS: Readonly<Record<Exclude<ContentEncoding, "identity">, string>> = {
  gzip: "gzip",
  br: "brotli",
};

/** One stored form of a document: its bytes in one coding, with that form's strong ETag. */
export interface DocumentVariant {
  readonly encoding: ContentEncoding;
  /** Strong entity tag, quotes included: `"<hash>"` for identity, `"<hash>-gzip"` for gzip. */
  readonly etag: string;
  readonly bytes: Uint8Array;
}

/** A document ready to store: its variants (identity first) and the headers it needs beyond its type. */
export interface PreparedDocument {
  readonly path: string;
  readonly contentType: string;
  /** SHA-256 of the identity body, hex: the content hash every variant's ETag is made from. */
  readonly hash: string;
  readonly variants: readonly DocumentVariant[];
  /** For HTML pages: the Content-Security-Policy that lets exactly this page's inline styles apply. */
  readonly contentSecurityPolicy?: string;
}

export interface PrepareOptions {
  /** Codings to pre-compress into, beyond identity; those the runtime cannot make are skipped. */
  readonly encodings?: readonly Exclude<ContentEncoding, "identity">[];
}

const HASH_HEX_LENGTH = 32;

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The hex SHA-256 of a text's UTF-8 bytes, cut to 128 bits: enough to tell builds apart.
 * @example await contentHash("") // "e3b0c44298fc1c149afbf4c8996fb924"
 */
export async function contentHash(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return toHex(await sha256(bytes)).slice(0, HASH_HEX_LENGTH);
}

/** The formats `CompressionStream` takes; "brotli" is newer than the declared types. */
type CompressionFormatName = ConstructorParameters<typeof CompressionStream>[0];

/** Whether this runtime's CompressionStream can make a format ("brotli" is missing from older ones). */
function canCompress(format: string): boolean {
  try {
    new CompressionStream(format as CompressionFormatName);
    return true;
  } catch {
    return false;
  }
}

async function compress(bytes: Uint8Array, format: string): Promise<Uint8Array> {
  const stream = new Blob([bytes])
    .stream()
    .pipeThrough(new CompressionStream(format as CompressionFormatName));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The strict Content-Security-Policy of an HTML page: nothing runs, nothing loads but images, and only
 * the page's own inline styles apply (by hash).
 * @example await contentSecurityPolicy(["body{}"]) // "default-src 'none'; style-src 'sha256-…'; img-src https: http: data:; …"
 */
export async function contentSecurityPolicy(inlineStyles: readonly string[]): Promise<string> {
  const hashes = await Promise.all(
    inlineStyles.map(
      async (style) => `'sha256-${toBase64(await sha256(new TextEncoder().encode(style)))}'`,
    ),
  );
  return [
    "default-src 'none'",
    `style-src ${hashes.length > 0 ? hashes.join(" ") : "'none'"}`,
    "img-src https: http: data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Hashes each document and pre-compresses it, so that no request spends CPU on either.
 * @example (await prepareDocuments(renderSite(entries, config)))[0].variants.map((v) => v.encoding) // ["identity", "gzip", "br"]
 */
export async function prepareDocuments(
  documents: readonly SiteDocument[],
  options: PrepareOptions = {},
): Promise<PreparedDocument[]> {
  const encodings = (options.encodings ?? ["gzip", "br"]).filter((encoding) =>
    canCompress(COMPRESSION_FORMATS[encoding]),
  );
  return Promise.all(
    documents.map(async (doc) => {
      const bytes = new TextEncoder().encode(doc.body);
      const hash = await contentHash(bytes);
      const compressed = await Promise.all(
        encodings.map(async (encoding) => ({
          encoding,
          etag: `"${hash}-${encoding}"`,
          bytes: await compress(bytes, COMPRESSION_FORMATS[encoding]),
        })),
      );
      const csp = doc.inlineStyles ? await contentSecurityPolicy(doc.inlineStyles) : undefined;
      return {
        path: doc.path,
        contentType: doc.contentType,
        hash,
        variants: [{ encoding: "identity", etag: `"${hash}"`, bytes }, ...compressed],
        ...(csp !== undefined ? { contentSecurityPolicy: csp } : {}),
      };
    }),
  );
}
