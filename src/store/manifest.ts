/**
 * @module store/manifest — what the pointer key says about the live version: its documents, their
 * validators and sizes, and the facts /health reports. The worker answers 304s and HEADs from it alone.
 */
import type { ContentEncoding } from "../publish.js";
import { CONTENT_ENCODINGS } from "../publish.js";
import { StoreError } from "./errors.js";
import { versionOfKey } from "./keys.js";

/** Bumped when the manifest's shape changes incompatibly. */
export const MANIFEST_SCHEMA = 1;

/** One stored form of a document, as the manifest lists it. */
export interface ManifestVariant {
  readonly encoding: ContentEncoding;
  /** Strong entity tag, quotes included. */
  readonly etag: string;
  /** Body size in bytes. */
  readonly size: number;
  /**
   * Not stored: the worker decodes the named variant to answer with this one. Only an identity form
   * is made this way, from gzip (see DocumentVariant in src/publish.ts).
   */
  readonly decodedFrom?: "gzip";
}

export interface ManifestDocument {
  /** Path below the site URL, e.g. "feed.atom". */
  readonly path: string;
  readonly contentType: string;
  /** When this document's content last changed (not when it was last republished), epoch ms. */
  readonly lastModifiedMs: number;
  /** Identity first. */
  readonly variants: readonly ManifestVariant[];
  readonly contentSecurityPolicy?: string;
  /**
   * The version whose keys hold this document's bodies, when an earlier version wrote them: a publish
   * writes only the documents whose content changed. Default: the manifest's own version.
   */
  readonly storedIn?: string;
  /** How long caches may keep it: "archive" for complete archive pages, which rarely change. */
  readonly caching?: "archive";
}

/** The version whose keys hold a document's bodies. */
export function storedVersion(manifest: Manifest, doc: ManifestDocument): string {
  return doc.storedIn ?? manifest.version;
}

/**
 * Every version whose keys this manifest reads: its documents' bodies, and its shelves (an unchanged
 * shelf stays under the version that wrote it).
 */
export function referencedVersions(manifest: Manifest): Set<string> {
  return referencedVersionsOf(manifest, documentLists(manifest));
}

/**
 * referencedVersions of a pointer whose documents are `lists` (its own, then its shelves'): a shelf
 * named again by each publish is gone through once, not per publish.
 */
export function referencedVersionsOf(
  manifest: Manifest,
  lists: ReadonlyArray<readonly ManifestDocument[]>,
): Set<string> {
  // A document that names no version is stored under the manifest's own.
  const versions = new Set([manifest.version]);
  for (const list of lists) for (const version of storageOf(list).versions) versions.add(version);
  for (const shelf of shelvesOf(manifest)) {
    const version = versionOfKey(shelf.key);
    if (version !== undefined) versions.add(version);
  }
  return versions;
}

/** What a list's documents say of where they are stored. */
interface ListStorage {
  /** The versions they name (`storedIn`). */
  readonly versions: ReadonlySet<string>;
  /** Whether every one names one. */
  readonly allNamed: boolean;
}

/** Per list, made on first use: a shelf named again by each publish is gone through once. */
const storage = new WeakMap<readonly ManifestDocument[], ListStorage>();

function storageOf(list: readonly ManifestDocument[]): ListStorage {
  let known = storage.get(list);
  if (known === undefined) {
    const versions = new Set<string>();
    let allNamed = true;
    for (const doc of list)
      if (doc.storedIn !== undefined) versions.add(doc.storedIn);
      else allNamed = false;
    known = { versions, allNamed };
    storage.set(list, known);
  }
  return known;
}

/** A list of the documents below one folder, kept under a key of its own. */
export interface ShelfRef {
  readonly key: string;
  readonly count: number;
  /**
   * The folder its documents lie below ("archive/", "category/"); absent for the one shelf of every
   * folder that manifests written before shelves were split name.
   */
  readonly folder?: string;
  /**
   * Set when the folder's documents are spread over `shards` shelves: this one lists those whose
   * `shardOf` is `shard`. An ingest that changes a few of many documents then writes a few small
   * shelves instead of one list of them all.
   */
  readonly shard?: number;
  readonly shards?: number;
}

/** The folder a shelved document lies below, slash included: "archive/" for "archive/3.atom". */
export function folderOf(path: string): string {
  return path.slice(0, path.indexOf("/") + 1);
}

/**
 * Which of `shards` shelves lists a document: a hash (FNV-1a, 32 bits) of its path without the
 * extension, so a feed's three formats share a shelf.
 * @example shardOf("category/world.atom", 16) === shardOf("category/world.json", 16) // true
 */
export function shardOf(path: string, shards: number): number {
  const dot = path.lastIndexOf(".");
  const name = dot > path.lastIndexOf("/") ? path.slice(0, dot) : path;
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/** A shelf's name in a manifest: its folder, and its shard when the folder is spread ("category/#3"). */
export function shelfIdOf(ref: Pick<ShelfRef, "folder" | "shard" | "shards">): string {
  const folder = ref.folder ?? "";
  return ref.shards === undefined ? folder : `${folder}#${ref.shard}`;
}

/** A manifest's shelves: one per folder, or the single shelf of an older manifest. */
export function shelvesOf(manifest: Manifest): readonly ShelfRef[] {
  return manifest.shelves ?? (manifest.shelf ? [manifest.shelf] : []);
}

/** The shelf that lists a path, if the manifest keeps the path on one. */
export function shelfFor(manifest: Manifest, path: string): ShelfRef | undefined {
  if (!isShelved(path)) return undefined;
  const folder = folderOf(path);
  const shelves = shelvesOf(manifest).filter(
    (shelf) => shelf.folder === undefined || shelf.folder === folder,
  );
  const shards = shelves[0]?.shards;
  if (shards === undefined) return shelves[0];
  const shard = shardOf(path, shards);
  return shelves.find((shelf) => shelf.shard === shard);
}

export interface Manifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  /** Names the build: a hash of its documents, so republishing the same build changes nothing. */
  readonly version: string;
  /** The version this one replaced, kept in storage until the next publish. */
  readonly previousVersion: string | null;
  readonly publishedMs: number;
  /** Entries in the archive. */
  readonly entryCount: number;
  /** The newest entry's update time, epoch ms; null for an empty archive. */
  readonly newestEntryMs: number | null;
  /**
   * The documents at the top of the site (feeds, page, OPML); with `shelf`, the documents below a
   * folder are listed there instead.
   */
  readonly documents: readonly ManifestDocument[];
  /**
   * Where the documents below the folders (archive pages, category feeds) are listed, one shelf per
   * folder: a key holding a JSON array of them. The pointer, which every request reads, then stays the
   * same size however large the archive grows (a 100,000-entry site has some 6,000 archive documents);
   * a request for an archive page reads its folder's list once per isolate. A publish that changes no
   * document of a folder names the same shelf again, under the version that wrote it: an ingest
   * rewrites the category list, not the archive's. Absent when there are none.
   */
  readonly shelves?: readonly ShelfRef[];
  /** The one shelf of every folder, in manifests written before `shelves`; read, never written. */
  readonly shelf?: ShelfRef;
  /**
   * Versions that must stay in storage: those this manifest and the one it replaced read from (a reader
   * that read the old pointer can still finish). Absent in manifests of whole-build publishes.
   */
  readonly retainedVersions?: readonly string[];
  /**
   * Versions no live manifest reads any more, newest first, kept until RETIRED_GRACE_MS after the
   * publish that stopped reading them: KV shows a new pointer in other locations up to a minute late,
   * and readers there still read from them. The first publish after that deletes them. Absent when
   * there are none.
   */
  readonly retiredVersions?: readonly RetiredVersion[];
  /** Identifies the renderers and settings the documents were rendered with (see site/render-key). */
  readonly renderKey?: string;
  /** The source, dependencies and settings of the last CLI publish it follows (see site/sourceKey). */
  readonly sourceKey?: string;
  /** The entry store's change counter this version was rendered from. */
  readonly seq?: number;
}

/** A version and when the publish that stopped reading it went live (epoch ms). */
export interface RetiredVersion {
  readonly version: string;
  readonly retiredMs: number;
}

/** What KV keeps beside each document body (readable with `getWithMetadata`, and in the dashboard). */
export interface DocumentMetadata {
  readonly contentType: string;
  readonly etag: string;
  readonly encoding: ContentEncoding;
  readonly lastModified: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;
const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0;

function isVariant(value: unknown): value is ManifestVariant {
  return (
    isObject(value) &&
    CONTENT_ENCODINGS.includes(value.encoding as ContentEncoding) &&
    typeof value.etag === "string" &&
    /^"[^"]+"$/.test(value.etag) &&
    isCount(value.size) &&
    (value.decodedFrom === undefined ||
      (value.decodedFrom === "gzip" && value.encoding === "identity"))
  );
}

function isShelfRef(value: unknown): value is ShelfRef {
  return (
    isObject(value) &&
    typeof value.key === "string" &&
    isCount(value.count) &&
    (value.folder === undefined || typeof value.folder === "string") &&
    ((value.shard === undefined && value.shards === undefined) ||
      (isCount(value.shards) &&
        value.shards > 0 &&
        isCount(value.shard) &&
        value.shard < value.shards))
  );
}

function isDocument(value: unknown): value is ManifestDocument {
  return (
    isObject(value) &&
    typeof value.path === "string" &&
    typeof value.contentType === "string" &&
    isCount(value.lastModifiedMs) &&
    Array.isArray(value.variants) &&
    value.variants.length > 0 &&
    value.variants.every(isVariant) &&
    // A decoded variant needs the variant it is decoded from.
    value.variants.every(
      (v: ManifestVariant) =>
        v.decodedFrom === undefined ||
        (value.variants as ManifestVariant[]).some((w) => w.encoding === v.decodedFrom),
    ) &&
    (value.contentSecurityPolicy === undefined ||
      typeof value.contentSecurityPolicy === "string") &&
    (value.storedIn === undefined || typeof value.storedIn === "string")
  );
}

/**
 * Reads a manifest from the pointer key's text, checking its shape: a corrupt pointer must answer 503,
 * not serve half a site.
 * @throws StoreError naming the key and what is wrong.
 */
export function parseManifest(text: string, key: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StoreError(key, "does not hold JSON", { cause });
  }
  if (!isObject(value) || value.schema !== MANIFEST_SCHEMA)
    throw new StoreError(key, `does not hold a manifest of schema ${MANIFEST_SCHEMA}`);
  const ok =
    typeof value.version === "string" &&
    value.version !== "" &&
    (value.previousVersion === null || typeof value.previousVersion === "string") &&
    isCount(value.publishedMs) &&
    isCount(value.entryCount) &&
    (value.newestEntryMs === null || isCount(value.newestEntryMs)) &&
    Array.isArray(value.documents) &&
    value.documents.every(isDocument) &&
    (value.shelf === undefined || isShelfRef(value.shelf)) &&
    (value.shelves === undefined ||
      (Array.isArray(value.shelves) &&
        value.shelves.every(
          (shelf) => isShelfRef(shelf) && typeof shelf.folder === "string" && shelf.folder !== "",
        )));
  if (!ok) throw new StoreError(key, "holds a manifest with missing or malformed fields");
  return value as unknown as Manifest;
}

/**
 * Reads the documents a manifest's shelf lists, checking their shape.
 * @throws StoreError naming the key and what is wrong.
 */
export function parseShelf(text: string, key: string): ManifestDocument[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StoreError(key, "does not hold JSON", { cause });
  }
  if (!Array.isArray(value) || !value.every(isDocument))
    throw new StoreError(key, "does not hold a list of documents");
  return value as ManifestDocument[];
}

/** Whether a document is kept on the shelf (it lies below a folder) rather than in the pointer. */
export function isShelved(path: string): boolean {
  return path.includes("/");
}

/**
 * An HTTP-date (IMF-fixdate), as Last-Modified and Date carry it; whole seconds.
 * @example httpDate(1639594666000) // "Wed, 15 Dec 2021 18:57:46 GMT"
 */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** The lists a merged manifest's documents came from (see mergeShelves), each indexed on its own. */
const mergedFrom = new WeakMap<Manifest, ReadonlyArray<readonly ManifestDocument[]>>();

/**
 * A pointer with its shelves' documents merged into `documents`, as a publish reads the live version.
 * Look-ups go to the lists it was merged from: a shelf list a publish names again keeps its path index
 * from one version to the next, instead of 6,000 documents being indexed again per publish.
 * @example findDocument(mergeShelves(pointer, [archive, categories]), "archive/1.atom")
 */
export function mergeShelves(
  pointer: Manifest,
  shelves: ReadonlyArray<readonly ManifestDocument[]>,
): Manifest {
  if (shelves.length === 0) return pointer;
  const merged: Manifest = { ...pointer, documents: [pointer.documents, ...shelves].flat() };
  mergedFrom.set(merged, [pointer.documents, ...shelves]);
  return merged;
}

/** The lists a manifest's documents are in: its own, then each shelf's, when merged (see mergeShelves). */
export function documentLists(manifest: Manifest): ReadonlyArray<readonly ManifestDocument[]> {
  return mergedFrom.get(manifest) ?? [manifest.documents];
}

/**
 * A merged manifest's shelf named `id` (see shelfIdOf: a folder, or a folder's shard) with its
 * documents, when a later version can name that shelf as it stands: every document on it names the
 * version storing it (one that does not is stored under the manifest's own version, which a later
 * manifest would misname).
 */
export function reusableShelf(
  manifest: Manifest,
  id: string,
): { readonly ref: ShelfRef; readonly documents: readonly ManifestDocument[] } | undefined {
  const lists = mergedFrom.get(manifest);
  const at = shelvesOf(manifest).findIndex(
    (shelf) => shelf.folder !== undefined && shelfIdOf(shelf) === id,
  );
  const documents = lists?.[at + 1];
  const ref = shelvesOf(manifest)[at];
  if (at < 0 || documents === undefined || ref === undefined) return undefined;
  return storageOf(documents).allNamed ? { ref, documents } : undefined;
}

/** The document published at a path, if any. */
export function findDocument(manifest: Manifest, path: string): ManifestDocument | undefined {
  const lists = mergedFrom.get(manifest);
  if (lists === undefined) return documentAt(manifest.documents, path);
  for (const list of lists) {
    const found = documentAt(list, path);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The variants `manifest` publishes at `path`, when its document there has the content hash `hash`
 * (its identity ETag): an incremental publish keeps them instead of compressing the same text again.
 * @example unchangedVariants(live)("feeds.opml", hash)?.map((v) => v.encoding) // ["identity", "gzip", "br"]
 */
export function unchangedVariants(
  manifest: Manifest,
): (path: string, hash: string) => readonly ManifestVariant[] | undefined {
  return (path, hash) => {
    const before = findDocument(manifest, path);
    const etag = `"${hash}"`;
    return before?.variants.some((v) => v.encoding === "identity" && v.etag === etag)
      ? before.variants
      : undefined;
  };
}

/**
 * Lists of documents by path, made on the first look-up: a publish looks up every archive page and
 * category feed of the live version (thousands in a large archive), which a scan made quadratic.
 */
const indexes = new WeakMap<readonly ManifestDocument[], ReadonlyMap<string, ManifestDocument>>();

/**
 * The document a list (a manifest's, a shelf's) holds at a path, indexed on the first look-up.
 * @example documentAt(shelf, "archive/1.atom")?.variants[0]?.etag
 */
export function documentAt(
  documents: readonly ManifestDocument[],
  path: string,
): ManifestDocument | undefined {
  let index = indexes.get(documents);
  if (index === undefined) {
    index = new Map(documents.map((doc) => [doc.path, doc]));
    indexes.set(documents, index);
  }
  return index.get(path);
}
