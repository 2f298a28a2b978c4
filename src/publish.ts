/**
 * @module publish — the set of documents a site publishes from its archive (the three feeds, rendered
 * from per-entry pieces, and the index page), each with its path and media type; and what publishing
 * adds to each: a content hash for its strong ETag, pre-compressed variants, its security policy.
 */
import { toBase64 } from "./base64.js";
import { concatBytes } from "./bytes.js";
import { FEED_PATHS, type FeedFormat, type SiteConfig } from "./config.js";
import type { Entry } from "./entry.js";
import {
  compressSegment,
  type DeflateSegment,
  inflateSegment,
  joinGzip,
  PAGE_DEFLATE_LEVEL,
  storedSegment,
} from "./gzip-join.js";
import { type CompressedPiece, type CompressedPieces, compressPiece, digestOf } from "./pieces.js";
import { atomFrame, renderAtomEntry } from "./render/atom.js";
import { describeFeed, type FeedInfo, MEDIA_TYPES } from "./render/feed-info.js";
import { INDEX_STYLE, type IndexLinks, renderIndexHtml } from "./render/html.js";
import { indentJsonItem, jsonFrame, renderJsonItem, unindentJsonItem } from "./render/json.js";
import { type FeedFrame, type FeedParts, joinFeedParts } from "./render/parts.js";
import { renderRssItem, rssFrame } from "./render/rss.js";

/** The path of the index page below the site URL ("" is the site URL itself). */
export const INDEX_PATH = "index.html";

/** One published document. */
export interface SiteDocument {
  /** Path below the site URL, e.g. "feed.atom". */
  readonly path: string;
  /** Media type with charset, as served. */
  readonly contentType: string;
  readonly body: string;
  /** A feed's parts (`body` is their join): its gzip body is joined from its pieces' segments. */
  readonly parts?: FeedParts;
  /** The pieces' compressed forms where already made (by index of `parts.pieces`). */
  readonly compressed?: readonly (CompressedPiece | undefined)[];
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
  /** Each format's piece as it stands in a feed, compressed (made at ingest, kept by the store). */
  readonly compressed?: CompressedPieces;
  /**
   * Set when only `compressed` is held (see piecesFromCompressed): each text is inflated when read,
   * which feeds joined from compressed pieces never do.
   */
  readonly textsFromCompressed?: true;
}

const decoder = new TextDecoder();

/** A compressed piece's text, as it stands in a feed. */
function inflatePiece(piece: CompressedPiece): string {
  return decoder.decode(inflateSegment(piece.segment));
}

/**
 * An entry's pieces held only compressed: a fifth of the memory and of what the store keeps and reads
 * (the texts were 80 % of an entry's row). The texts are inflated each time one is read, never kept.
 * @example piecesFromCompressed(compressed).atom === renderAtomEntry(entry) // true
 */
export function piecesFromCompressed(compressed: CompressedPieces): EntryPieces {
  return {
    compressed,
    textsFromCompressed: true,
    get atom() {
      return inflatePiece(compressed.atom);
    },
    get rss() {
      return inflatePiece(compressed.rss);
    },
    get json() {
      return unindentJsonItem(inflatePiece(compressed.json));
    },
  };
}

/** An entry's piece of one format as it stands in a feed (JSON items are indented there). */
function feedPieceText(pieces: EntryPieces, format: FeedFormat): string {
  if (pieces.textsFromCompressed && pieces.compressed)
    return inflatePiece(pieces.compressed[format]);
  return format === "json" ? indentJsonItem(pieces.json) : pieces[format];
}

/** At most the length of a piece as it stands in a feed, without inflating a compressed one. */
function feedPieceMinLength(pieces: EntryPieces, format: FeedFormat): number {
  // UTF-8 takes at most three bytes per UTF-16 code unit.
  if (pieces.textsFromCompressed && pieces.compressed)
    return Math.ceil(pieces.compressed[format].segment.size / 3);
  return pieces[format].length;
}

const FRAMES: Readonly<Record<FeedFormat, (count: number, info: FeedInfo) => FeedFrame>> = {
  atom: atomFrame,
  rss: rssFrame,
  json: jsonFrame,
};

/**
 * A format's feed parts whose pieces are made only when read (see `feedPieceText`), in the frame the
 * format puts around that many pieces.
 */
function lazyFeedParts(
  pieces: readonly EntryPieces[],
  info: FeedInfo,
  format: FeedFormat,
): FeedParts {
  const frame = FRAMES[format](pieces.length, info);
  let texts: readonly string[] | undefined;
  let minLength = frame.head.length + frame.tail.length;
  for (const piece of pieces)
    minLength += feedPieceMinLength(piece, format) + frame.separator.length;
  return {
    head: frame.head,
    separator: frame.separator,
    tail: frame.tail,
    get pieces() {
      texts ??= pieces.map((piece) => feedPieceText(piece, format));
      return texts;
    },
    minLength,
  };
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
 * An entry's pieces compressed, each as it stands in a feed (JSON items are indented there).
 * @example (await compressEntryPieces(renderEntryPieces(entry, config))).atom.segment.size
 */
export async function compressEntryPieces(pieces: EntryPieces): Promise<CompressedPieces> {
  const [atom, rss, json] = await Promise.all([
    compressPiece(pieces.atom),
    compressPiece(pieces.rss),
    compressPiece(indentJsonItem(pieces.json)),
  ]);
  return { atom, rss, json };
}

/**
 * An entry's pieces rendered and compressed once: what the store keeps of a new entry, made by an
 * ingest or, ahead, by the CLI's converting threads (the same code, so the same bytes).
 * @example (await compressedPieces(entry, config)).compressed.atom.segment.size
 */
export async function compressedPieces(
  entry: Entry,
  config: SiteConfig,
): Promise<EntryPieces & { readonly compressed: CompressedPieces }> {
  const pieces = renderEntryPieces(entry, config);
  return { ...pieces, compressed: await compressEntryPieces(pieces) };
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
  const parts: Record<FeedFormat, FeedParts> = {
    atom: lazyFeedParts(pieces, info, "atom"),
    rss: lazyFeedParts(pieces, info, "rss"),
    json: lazyFeedParts(pieces, info, "json"),
  };
  return (Object.keys(FEED_PATHS) as FeedFormat[]).map((format) => {
    const compressed = pieces.map((p) => p.compressed?.[format]);
    let body: string | undefined;
    return {
      path: paths[format],
      contentType: `${MEDIA_TYPES[format]}; charset=utf-8`,
      // Joined when read: publishing encodes the parts one by one instead (see encodeFeedParts).
      get body(): string {
        body ??= joinFeedParts(parts[format]);
        return body;
      },
      parts: parts[format],
      ...(compressed.some((c) => c !== undefined) ? { compressed } : {}),
    };
  });
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

/**
 * The `CompressionStream` format of each coding; brotli needs a runtime that has it (Node ≥ 22.15).
 * gzip bodies are made by src/gzip-join.ts instead, with the same compressor as feeds' pieces.
 */
const COMPRESSION_FORMATS: Readonly<Record<Exclude<ContentEncoding, "identity">, string>> = {
  gzip: "gzip",
  br: "brotli",
};

/** One form of a document: its bytes in one coding, with that form's strong ETag. */
export interface DocumentVariant {
  readonly encoding: ContentEncoding;
  /** Strong entity tag, quotes included: `"<hash>"` for identity, `"<hash>-gzip"` for gzip. */
  readonly etag: string;
  /** Body size in bytes. */
  readonly size: number;
  /** The body to store; absent when the variant is served by decoding another (`decodedFrom`). */
  readonly bytes?: Uint8Array;
  /**
   * Set on the identity form of a document that has a gzip body: nothing is stored for it, and the
   * worker answers the rare client that takes no gzip by decoding the gzip body. Encoding megabytes of
   * entries' text at every ingest only to store a copy nobody asks for was most of an ingest's CPU.
   */
  readonly decodedFrom?: "gzip";
}

/** A document ready to store: its variants (identity first) and the headers it needs beyond its type. */
export interface PreparedDocument {
  readonly path: string;
  readonly contentType: string;
  /**
   * The content hash every variant's ETag is made from, hex: SHA-256 of the identity body, or for a
   * feed in parts, of its head, separator, tail and its pieces' digests (`feedHash`).
   */
  readonly hash: string;
  readonly variants: readonly DocumentVariant[];
  /** For HTML pages: the Content-Security-Policy that lets exactly this page's inline styles apply. */
  readonly contentSecurityPolicy?: string;
}

export interface PrepareOptions {
  /** Codings to pre-compress into, beyond identity; those the runtime cannot make are skipped. */
  readonly encodings?: readonly Exclude<ContentEncoding, "identity">[];
  /**
   * The variants a document of this path and content hash is published with already, if it is: an
   * incremental publish keeps them (its bodies stay where they are) and compresses nothing for it.
   */
  readonly unchanged?: (path: string, hash: string) => readonly DocumentVariant[] | undefined;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * The hex SHA-256 of a text's UTF-8 bytes, cut to 128 bits: enough to tell builds apart (a piece's
 * digest, of a text or of bytes).
 * @example await contentHash("") // "e3b0c44298fc1c149afbf4c8996fb924"
 */
export async function contentHash(text: string | Uint8Array): Promise<string> {
  return digestOf(typeof text === "string" ? new TextEncoder().encode(text) : text);
}

/** The formats `CompressionStream` takes; "brotli" is newer than the declared types. */
type CompressionFormatName = ConstructorParameters<typeof CompressionStream>[0];

const compressible = new Map<string, boolean>();

/** Whether this runtime's CompressionStream can make a format ("brotli" is missing from older ones). */
function canCompress(format: string): boolean {
  let can = compressible.get(format);
  if (can === undefined) {
    try {
      new CompressionStream(format as CompressionFormatName);
      can = true;
    } catch {
      can = false;
    }
    compressible.set(format, can);
  }
  return can;
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
 * A feed's content hash from its parts: the same parts always give the same hash, and any change to a
 * piece changes its digest. Every publish path (build, `npm start`, ingest) hashes feeds this way, so
 * an unchanged feed keeps its ETag and Last-Modified whoever publishes it.
 * @example await feedHash(parts, (await Promise.all(parts.pieces.map(compressPiece))).map((p) => p.digest))
 */
export async function feedHash(parts: FeedParts, digests: readonly string[]): Promise<string> {
  const outline = JSON.stringify([
    "feed-parts/1",
    parts.head,
    parts.separator,
    parts.tail,
    digests,
  ]);
  return digestOf(new TextEncoder().encode(outline));
}

/** Texts shorter than this (separators) are stored blocks; longer ones are compressed. */
const STORED_BELOW = 64;

function segmentOf(bytes: Uint8Array): DeflateSegment {
  return bytes.length < STORED_BELOW ? storedSegment(bytes) : compressSegment(bytes);
}

/** Segments of texts every feed of a format repeats (separators, tails), made once per isolate. */
const constantSegments = new Map<string, DeflateSegment>();
const CONSTANT_SEGMENTS_MAX = 64;

function constantSegmentOf(text: string): DeflateSegment {
  let segment = constantSegments.get(text);
  if (segment === undefined) {
    if (constantSegments.size >= CONSTANT_SEGMENTS_MAX) constantSegments.clear();
    segment = segmentOf(new TextEncoder().encode(text));
    constantSegments.set(text, segment);
  }
  return segment;
}

/**
 * The segments of a feed's gzip body: its pieces' segments, its head as stored blocks, its tail and
 * separators made once per isolate; and the size of the text they hold, the sum of the segments' (each
 * knows its UTF-8 length). Only feeds of JOIN_FROM_CHARS or more are joined, so the head (under a kilobyte of the
 * feed's own title and links, new at each publish) left uncompressed adds a few hundred bytes to some
 * hundred kilobytes, where compressing it cost an ingest 60 µs per feed: zlib sets up its state for
 * every call, however short the text.
 */
function feedSegments(
  parts: FeedParts,
  compressed: readonly CompressedPiece[],
): { segments: DeflateSegment[]; size: number } {
  const separator = constantSegmentOf(parts.separator);
  const segments: DeflateSegment[] = [storedSegment(new TextEncoder().encode(parts.head))];
  compressed.forEach((piece, i) => {
    if (i > 0) segments.push(separator);
    segments.push(piece.segment);
  });
  segments.push(constantSegmentOf(parts.tail));
  let size = 0;
  for (const segment of segments) size += segment.size;
  return { segments, size };
}

/**
 * A feed's identity bytes, encoded part by part: the pieces are separate strings as read from the
 * store, and joining them into one string first would make V8 copy megabytes to flatten it.
 */
function encodeFeedParts(parts: FeedParts): Uint8Array {
  const encoder = new TextEncoder();
  const separator = encoder.encode(parts.separator);
  const chunks: Uint8Array[] = [encoder.encode(parts.head)];
  parts.pieces.forEach((piece, i) => {
    if (i > 0) chunks.push(separator);
    chunks.push(encoder.encode(piece));
  });
  chunks.push(encoder.encode(parts.tail));
  return concatBytes(chunks);
}

/**
 * Feeds shorter than this (in characters, so 32–96 KB) are compressed whole: it costs little, and
 * pieces compressed apart lose the repetition between entries, which matters most in a small feed
 * (joined, a 1.8 KB Atom feed of two short entries gzips to 54 %).
 */
const JOIN_FROM_CHARS = 32 * 1024;

/** Whether a feed has fewer characters than JOIN_FROM_CHARS; a known lower bound can say no at once. */
function isShort(parts: FeedParts): boolean {
  if ((parts.minLength ?? 0) >= JOIN_FROM_CHARS) return false;
  return charCount(parts) < JOIN_FROM_CHARS;
}

function charCount(parts: FeedParts): number {
  let count = parts.head.length + parts.tail.length;
  for (const piece of parts.pieces) count += piece.length + parts.separator.length;
  return count;
}

/** What publishing makes of a feed: its hash, and its bodies. */
interface PreparedFeed {
  readonly hash: string;
  /** UTF-8 size of the identity body. */
  readonly size: number;
  /** The identity body, unless the feed is joined from pieces and only its gzip body is stored. */
  readonly identity?: Uint8Array;
  /**
   * Makes the gzip body, when asked: a feed whose hash the live version has already (a category
   * feed re-rendered for a change below its newest entries) is neither joined nor compressed.
   */
  readonly gzip?: () => Uint8Array;
}

/**
 * A feed's hash and bodies from its parts. Without gzip, or when small, the identity body is encoded
 * (and compressed whole when the gzip body is made); otherwise the gzip body is joined from the pieces'
 * segments, compressing only pieces not compressed yet, and the identity body is left to be decoded
 * from it when asked for.
 */
async function prepareFeed(
  parts: FeedParts,
  given: readonly (CompressedPiece | undefined)[],
  gzip: boolean,
): Promise<PreparedFeed> {
  if (!gzip || isShort(parts)) {
    const identity = encodeFeedParts(parts);
    const digests = await Promise.all(
      parts.pieces.map(
        async (piece, i) => given[i]?.digest ?? digestOf(new TextEncoder().encode(piece)),
      ),
    );
    const hash = await feedHash(parts, digests);
    return {
      hash,
      size: identity.length,
      identity,
      ...(gzip ? { gzip: () => joinGzip([compressSegment(identity)]) } : {}),
    };
  }
  // Every piece compressed already: its text is not needed (nor made, where the parts make it lazily).
  const compressed =
    given.length > 0 && given.every((piece) => piece !== undefined)
      ? (given as readonly CompressedPiece[])
      : await Promise.all(parts.pieces.map((piece, i) => given[i] ?? compressPiece(piece)));
  const { segments, size } = feedSegments(parts, compressed);
  return {
    hash: await feedHash(
      parts,
      compressed.map((piece) => piece.digest),
    ),
    size,
    gzip: () => joinGzip(segments),
  };
}

/** A page (not a feed) as one gzip segment, at the level for pages. */
function compressPage(bytes: Uint8Array): DeflateSegment {
  return compressSegment(bytes, undefined, PAGE_DEFLATE_LEVEL);
}

/**
 * Hashes each document and pre-compresses it, so that no request spends CPU on either. With gzip among
 * the encodings, no identity body is stored: the worker decodes the gzip body for the rare client that
 * takes no gzip (every browser and feed reader does). A document whose hash `unchanged` knows is taken
 * as it stands, its variants the live ones: nothing is compressed for it.
 * @example (await prepareDocuments(renderSite(entries, config)))[0].variants.map((v) => v.encoding) // ["identity", "gzip", "br"]
 */
export async function prepareDocuments(
  documents: readonly SiteDocument[],
  options: PrepareOptions = {},
): Promise<PreparedDocument[]> {
  const encodings = (options.encodings ?? ["gzip", "br"]).filter((encoding) =>
    canCompress(COMPRESSION_FORMATS[encoding]),
  );
  const gzip = encodings.includes("gzip");
  return Promise.all(
    documents.map(async (doc): Promise<PreparedDocument> => {
      const feed = doc.parts ? await prepareFeed(doc.parts, doc.compressed ?? [], gzip) : undefined;
      // The identity bytes, made only where something needs them: a page, a small feed, brotli.
      let identity = feed ? feed.identity : new TextEncoder().encode(doc.body);
      const identityBytes = () => {
        identity ??= doc.parts ? encodeFeedParts(doc.parts) : new TextEncoder().encode(doc.body);
        return identity;
      };
      const hash = feed?.hash ?? (await contentHash(identityBytes()));
      const csp = doc.inlineStyles ? await contentSecurityPolicy(doc.inlineStyles) : undefined;
      const prepared = { path: doc.path, contentType: doc.contentType, hash };
      const headers = csp !== undefined ? { contentSecurityPolicy: csp } : {};
      const kept = options.unchanged?.(doc.path, hash);
      if (kept !== undefined) return { ...prepared, variants: kept, ...headers };
      const compressed = await Promise.all(
        encodings.map(async (encoding): Promise<DocumentVariant> => {
          // A feed's gzip body is joined from its pieces' segments; nothing is compressed again.
          // A page's gzip body is one segment, compressed as pieces are (the runtime's zlib where it
          // has one: synchronous, and no stream to set up) at the faster level for pages.
          const bytes =
            encoding === "gzip"
              ? (feed?.gzip?.() ?? joinGzip([compressPage(identityBytes())]))
              : await compress(identityBytes(), COMPRESSION_FORMATS[encoding]);
          return { encoding, etag: `"${hash}-${encoding}"`, size: bytes.length, bytes };
        }),
      );
      const identityVariant: DocumentVariant = gzip
        ? {
            encoding: "identity",
            etag: `"${hash}"`,
            size: feed?.size ?? identityBytes().length,
            decodedFrom: "gzip",
          }
        : {
            encoding: "identity",
            etag: `"${hash}"`,
            size: identityBytes().length,
            bytes: identityBytes(),
          };
      return { ...prepared, variants: [identityVariant, ...compressed], ...headers };
    }),
  );
}
