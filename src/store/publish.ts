/**
 * @module store/publish — all-or-nothing publishing of a build to KV.
 *
 * 1. Every body of the new version is written under its own prefix (readers cannot see them yet).
 * 2. One put of the pointer switches readers to the new manifest, bodies and all.
 * 3. Versions the new pointer does not read (nor the one it replaced) are retired, and deleted by the
 *    first publish RETIRED_GRACE_MS later: readers whose KV still shows an older pointer can finish.
 * A publish that stops before 2 leaves the old version served and some unreferenced keys, which the
 * next publish prunes; one that stops after 2 has published.
 */
import { contentHash, type PreparedDocument } from "../publish.js";
import type { RecordedPointer } from "./entries.js";
import { StoreError } from "./errors.js";
import {
  CURRENT_KEY,
  documentKey,
  shelfHashOf,
  shelfKey,
  stagingTime,
  VERSIONS_PREFIX,
  versionOfKey,
} from "./keys.js";
import {
  type DocumentMetadata,
  documentAt,
  findDocument,
  folderOf,
  httpDate,
  isShelved,
  MANIFEST_SCHEMA,
  type Manifest,
  type ManifestDocument,
  mergeShelves,
  parseManifest,
  type RetiredVersion,
  referencedVersions,
  referencedVersionsOf,
  reusableShelf,
  type ShelfRef,
  shardOf,
  shelfIdOf,
  shelvesOf,
  storedVersion,
} from "./manifest.js";
import { readPointer, readShelves } from "./read.js";
import { ShelfCache } from "./shelf-cache.js";

/** Facts about the archive that /health reports. */
export interface ArchiveFacts {
  readonly entryCount: number;
  readonly newestEntryMs: number | null;
}

export interface PublishOptions {
  /** The publish time, epoch ms: the Last-Modified of every document whose content changed. */
  readonly now: number;
  /**
   * Documents of the live version kept as they are, without rendering them again (an ingest re-renders
   * only the documents it affects). Their bodies stay where the live manifest says they are.
   */
  readonly carried?: readonly ManifestDocument[];
  /**
   * Folders whose live shelf is kept whole, as it stands (see reusableShelf): none of its documents is
   * in `carried`, nor rendered again.
   */
  readonly carriedShelves?: readonly string[];
  /** Recorded in the manifest: what the documents were rendered with. */
  readonly renderKey?: string;
  /** Recorded in the manifest: the source, dependencies and settings of the last CLI publish. */
  readonly sourceKey?: string;
  /** Recorded in the manifest: the entry store's change counter rendered. */
  readonly seq?: number;
  /**
   * List every version key to prune (default), finding what interrupted publishes left; false prunes
   * only the versions the live manifest kept and the new one drops, which costs nothing as the archive
   * grows (a 100,000-entry site has some 10,000 keys: ten listings per publish).
   */
  readonly sweep?: boolean;
  /**
   * The live manifest this publish replaces, as the caller read it (`publishersLiveManifest`); read
   * from KV when not given.
   */
  readonly live?: Manifest | null;
  /**
   * Called before the pointer is switched and before replaced versions are deleted: keeps the
   * publishing lease, and throws when another publisher took it (see SitePublishOptions.keepLease).
   * Lost before the switch, the publish fails and the previous version stays live; lost before the
   * deletions, nothing is deleted (another publisher may be writing a version this one does not know).
   */
  readonly keepLease?: () => Promise<void>;
  /** Options for the manifest's documents by path (e.g. archive pages' caching). */
  readonly caching?: (path: string) => ManifestDocument["caching"];
  /**
   * Folders whose documents are spread over several shelves, and over how many (see shardOf): an
   * ingest that changes a few of thousands of category feeds writes the few shelves they are on.
   */
  readonly shards?: Readonly<Record<string, number>>;
}

export interface PublishReport {
  readonly version: string;
  readonly previousVersion: string | null;
  /** False when the live version already was this build: nothing was written. */
  readonly switched: boolean;
  /** Body keys written. */
  readonly written: number;
  /** Keys of older versions (and of interrupted publishes) deleted. */
  readonly pruned: number;
  /**
   * Why pruning failed, when it did: the publish stands, and the keys it left are deleted by the
   * next sweep (a full publish, or every SWEEP_EVERY changes).
   */
  readonly pruneFailure?: string;
  /** The pointer's text as written, when the pointer switched: what the publisher records in D1. */
  readonly pointer?: string;
}

/**
 * The version name of a build: a hash of what its documents are and of the facts /health reports, so
 * the same build always has the same name; `shelves` are the content hashes of the shelves listing the
 * kept documents that `carried` leaves out. `keys`, the render and source keys a CLI's publish records,
 * name it too: the same documents published by other code get a pointer that says so.
 */
export async function versionOf(
  documents: readonly PreparedDocument[],
  facts: ArchiveFacts,
  carried: readonly ManifestDocument[] = [],
  shelves: readonly string[] = [],
  keys: readonly string[] = [],
): Promise<string> {
  const identity = documents.map((doc) => [
    doc.path,
    doc.contentType,
    doc.hash,
    doc.contentSecurityPolicy ?? "",
    doc.variants.map((v) => v.encoding),
  ]);
  // Where a kept document's bodies are stored is part of what a version is: two publishes of the same
  // content whose documents live under different prefixes must not share a name (and caches keyed by it).
  const kept = carried.map((doc) => [
    doc.path,
    doc.variants.map((v) => v.etag),
    doc.storedIn ?? "",
    doc.lastModifiedMs,
  ]);
  const parts: unknown[] = [identity, facts.entryCount, facts.newestEntryMs];
  // Whole-build publishes keep the names they always had. Kept documents on a shelf are named by their
  // shelf's content hash, not listed one by one (thousands in a large archive).
  if (kept.length > 0) parts.push(kept);
  if (shelves.length > 0) parts.push(["shelves", shelves]);
  if (keys.length > 0) parts.push(["keys", keys]);
  return (await contentHash(JSON.stringify(parts))).slice(0, 16);
}

/** Shelves this isolate published or read while publishing: an ingest reads the one the last wrote. */
const publishedShelves = new ShelfCache();

/**
 * The live manifest, shelves merged in, that this isolate last published or read, with the pointer's
 * text: a publish that finds the pointer unchanged takes it as it is, with its documents' path index
 * (6,000 documents at 100,000 entries), instead of parsing, merging and indexing them again.
 */
let lastLive: { readonly key: string; readonly text: string; readonly manifest: Manifest } | null =
  null;

/** What identifies a pointer's whole manifest: its version, when it was published, its shelves. */
function liveKey(pointer: Manifest): string {
  return JSON.stringify([
    pointer.version,
    pointer.publishedMs,
    shelvesOf(pointer).map((shelf) => shelf.key),
  ]);
}

/**
 * The live manifest with every document (its shelf's too), or null when there is none or it is
 * unreadable (the new one replaces it).
 */
export async function readLiveManifest(
  kv: KVNamespace,
  now: number = Date.now(),
): Promise<Manifest | null> {
  const text = await readPointer(kv);
  return text === null ? null : liveManifestOf(kv, text, now);
}

/**
 * The live manifest a publisher plans from: the pointer in KV, unless the pointer the last publish
 * recorded in D1 (`recorded`, see EntryStore) is a newer one. KV shows a new pointer in other
 * locations up to a minute late; planning from an older one would carry its documents over what the
 * newer version changed. The newer of the two is the one that replaced or retired the other; failing
 * that (or when each did: a rollback), the one that rendered the later seq, then the later publish,
 * KV on a tie (a publish that records nothing, a CLI publish whose record failed). No pointer in KV
 * means nothing to carry: a namespace emptied or new.
 */
export async function publishersLiveManifest(
  kv: KVNamespace,
  recorded: RecordedPointer | null,
  now: number = Date.now(),
): Promise<Manifest | null> {
  const text = await readPointer(kv);
  if (text === null) return null;
  if (recorded === null || recorded.text === text) return liveManifestOf(kv, text, now);
  // Not the same text: two publishes, even under one version name (a rollback renders a name again).
  const fromKv = pointerOf(text);
  const fromRecord = pointerOf(recorded.text);
  if (fromRecord === null) return liveManifestOf(kv, text, now);
  if (fromKv === null) return liveManifestOf(kv, recorded.text, now);
  const kvReplaced = replaced(fromKv, fromRecord.version);
  const kvIsNewer =
    kvReplaced !== replaced(fromRecord, fromKv.version)
      ? kvReplaced
      : // Neither, or each (a version name comes back when a rollback renders what was live
        // before): the later seq, then the later publish, KV's on a tie.
        (fromKv.seq ?? 0) > recorded.seq ||
        ((fromKv.seq ?? 0) === recorded.seq && fromKv.publishedMs >= fromRecord.publishedMs);
  return liveManifestOf(kv, kvIsNewer ? text : recorded.text, now);
}

/** Whether `manifest` replaced or retired `version`: it is the later of the two. */
function replaced(manifest: Manifest, version: string): boolean {
  return (
    manifest.previousVersion === version ||
    (manifest.retiredVersions ?? []).some((retired) => retired.version === version)
  );
}

/** A pointer's text parsed (its shelves not read), or null when it is not a manifest. */
function pointerOf(text: string): Manifest | null {
  try {
    return parseManifest(text, CURRENT_KEY);
  } catch (error) {
    if (error instanceof StoreError && error.cause === undefined) return null;
    throw error;
  }
}

/** The manifest of a pointer's text with its shelves' documents, or null when it is unreadable. */
async function liveManifestOf(
  kv: KVNamespace,
  text: string,
  now: number,
): Promise<Manifest | null> {
  if (lastLive?.text === text) return lastLive.manifest;
  let pointer: Manifest;
  try {
    pointer = parseManifest(text, CURRENT_KEY);
  } catch (error) {
    if (error instanceof StoreError && error.cause === undefined) return null;
    throw error;
  }
  const key = liveKey(pointer);
  if (lastLive?.key === key) {
    lastLive = { ...lastLive, text };
    return lastLive.manifest;
  }
  try {
    const live = mergeShelves(pointer, await readShelves(kv, pointer, publishedShelves));
    lastLive = { key, text, manifest: live };
    return live;
  } catch (error) {
    if (!(error instanceof StoreError) || error.cause !== undefined) throw error;
    // A pointer published moments ago whose shelf is gone was read stale (KV takes up to a minute to
    // show a write everywhere): publishing from it as if nothing were live would sweep the real live
    // version, so fail and let the next publish read again. A shelf lost for longer is rebuilt whole.
    if (pointer.publishedMs > now - STALE_POINTER_MS)
      throw new StoreError(error.key, `${error.reason}; publish again in a minute`, {
        cause: error,
      });
    return null;
  }
}

/** How long after its publish a pointer may still be read stale from KV, with margin. */
const STALE_POINTER_MS = 10 * 60 * 1000;

/** The versions a manifest reads from: its own, the one it replaced, and those its documents name. */
function versionsReadBy(manifest: Manifest): Set<string> {
  return new Set([
    manifest.version,
    ...(manifest.previousVersion ? [manifest.previousVersion] : []),
    ...(manifest.retainedVersions ?? []),
  ]);
}

/**
 * The versions to keep in storage while `manifest` is live, at `now`: those it reads from (a reader
 * that read the old pointer can still finish), and those it retired less than RETIRED_GRACE_MS ago.
 */
function versionsToKeep(manifest: Manifest, now: number): Set<string> {
  const keep = versionsReadBy(manifest);
  for (const retired of manifest.retiredVersions ?? [])
    if (retired.retiredMs > now - RETIRED_GRACE_MS) keep.add(retired.version);
  return keep;
}

/** Every version a manifest names: what a publish replacing it may delete, less what it keeps. */
function versionsNamedBy(manifest: Manifest): Set<string> {
  const named = versionsReadBy(manifest);
  for (const retired of manifest.retiredVersions ?? []) named.add(retired.version);
  return named;
}

/**
 * How long a version no live manifest reads stays in storage: KV shows a new pointer everywhere within
 * about a minute, and the worker reads the pointer through the edge's 60-second cache; the rest is
 * margin.
 */
export const RETIRED_GRACE_MS = 5 * 60 * 1000;

/**
 * The retired versions of the pointer replacing `live`, which reads `reads`: those `live` read and it
 * does not, retired now, then those `live` retired within the grace period; newest first.
 */
function retiredVersions(
  live: Manifest | null,
  reads: ReadonlySet<string>,
  now: number,
): RetiredVersion[] {
  if (live === null) return [];
  const seen = new Set(reads);
  const retired: RetiredVersion[] = [];
  for (const version of versionsReadBy(live))
    if (!seen.has(version)) {
      seen.add(version);
      retired.push({ version, retiredMs: now });
    }
  for (const earlier of live.retiredVersions ?? [])
    if (!seen.has(earlier.version) && earlier.retiredMs > now - RETIRED_GRACE_MS) {
      seen.add(earlier.version);
      retired.push(earlier);
    }
  // No cap: each entry is a version a lagging reader may still read. KV takes one pointer write a
  // second at most, so five minutes of publishes retire a few hundred at the very most.
  return retired;
}

/** A carried document names the version holding its bodies explicitly, since the new version does not. */
function withStore(live: Manifest | null, doc: ManifestDocument): ManifestDocument {
  if (doc.storedIn !== undefined || live === null) return doc;
  return { ...doc, storedIn: live.version };
}

/** Staging prefixes younger than this are never swept, unless a live manifest names them (finished). */
const STAGING_GRACE_MS = 60 * 60 * 1000;

/** What pruneVersions deletes, beside the versions to keep. */
export interface PruneOptions {
  /**
   * Only these versions' keys, less the ones to keep (a publish names the versions its predecessor
   * named: one listing per version it drops). Without, every version's keys but those kept (a sweep:
   * it also finds what interrupted publishes left, which no manifest names, at the cost of listing
   * every key the site has).
   */
  readonly candidates?: ReadonlySet<string>;
  readonly now?: number;
  /**
   * Versions known to be finished (a live manifest named them): a sweep deletes them even when their
   * staging prefix is young, since no publish is still writing them.
   */
  readonly finished?: ReadonlySet<string>;
  /** Runs once the keys are listed, before any is deleted; it throws to delete none. */
  readonly beforeDeleting?: () => Promise<void>;
}

/**
 * Deletes version keys but those of the versions to keep (see PruneOptions), and returns how many.
 */
export async function pruneVersions(
  kv: KVNamespace,
  keep: ReadonlySet<string>,
  options: PruneOptions = {},
): Promise<number> {
  const { candidates, now = Date.now(), finished } = options;
  // A sweep leaves young staging prefixes alone: another publish may be writing one right now.
  const young = (version: string) =>
    !finished?.has(version) && (stagingTime(version) ?? 0) > now - STAGING_GRACE_MS;
  const prefixes =
    candidates === undefined
      ? [VERSIONS_PREFIX]
      : [...candidates].filter((v) => !keep.has(v)).map((v) => `${VERSIONS_PREFIX}${v}/`);
  const doomed: string[] = [];
  for (const prefix of prefixes) {
    let cursor: string | undefined;
    do {
      const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
      for (const { name } of page.keys) {
        const version = versionOfKey(name);
        if (
          version === undefined ||
          (!keep.has(version) && !(candidates === undefined && young(version)))
        )
          doomed.push(name);
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  }
  if (doomed.length === 0) return 0;
  // Listing every key of a large site takes a while: the publisher must still hold its lease, or
  // another may be writing a version this one does not keep.
  await options.beforeDeleting?.();
  await Promise.all(doomed.map((key) => kv.delete(key)));
  return doomed.length;
}

/** Manifest entries for documents whose bodies are written, and how many keys that took. */
export interface StoredDocuments {
  readonly documents: readonly ManifestDocument[];
  readonly written: number;
}

/** Prepared documents' manifest entries, and which of them reuse the live bodies. */
interface PlannedDocuments {
  readonly entries: readonly ManifestDocument[];
  readonly reused: readonly boolean[];
}

type StoreOptions = Pick<PublishOptions, "now" | "caching"> & { readonly incremental: boolean };

function planDocuments(
  documents: readonly PreparedDocument[],
  live: Manifest | null,
  options: StoreOptions,
): PlannedDocuments {
  const reused: boolean[] = [];
  const entries: ManifestDocument[] = documents.map((doc) => {
    const before = live ? findDocument(live, doc.path) : undefined;
    // Last-Modified moves only when the content does, so If-Modified-Since stays meaningful.
    const unchanged =
      before !== undefined &&
      before.variants.length === doc.variants.length &&
      before.variants.every((v, i) => v.etag === doc.variants[i]?.etag);
    const reuse = options.incremental && live !== null && before !== undefined && unchanged;
    reused.push(reuse);
    const caching = options.caching?.(doc.path);
    // Reused, a document is the live one's entry as it stands (its variants say what is stored).
    if (reuse && live && before)
      return { ...before, storedIn: storedVersion(live, before), ...(caching ? { caching } : {}) };
    return {
      path: doc.path,
      contentType: doc.contentType,
      lastModifiedMs: before && unchanged ? before.lastModifiedMs : options.now,
      variants: doc.variants.map((v) => ({
        encoding: v.encoding,
        etag: v.etag,
        size: v.size,
        ...(v.decodedFrom ? { decodedFrom: v.decodedFrom } : {}),
      })),
      ...(doc.contentSecurityPolicy ? { contentSecurityPolicy: doc.contentSecurityPolicy } : {}),
      ...(caching ? { caching } : {}),
    };
  });
  return { entries, reused };
}

/**
 * Writes the bodies of planned documents not reused under `version`'s prefix; how many keys.
 * @throws StoreError naming the first key that could not be written (every write has settled by then).
 */
async function writeBodies(
  kv: KVNamespace,
  version: string,
  documents: readonly PreparedDocument[],
  { entries, reused }: PlannedDocuments,
  now: number,
): Promise<number> {
  const bodies = documents.flatMap((doc, i) =>
    reused[i]
      ? []
      : doc.variants.flatMap((variant) => {
          // A variant decoded from another when served has no body of its own.
          if (variant.bytes === undefined) return [];
          const metadata: DocumentMetadata = {
            contentType: doc.contentType,
            etag: variant.etag,
            encoding: variant.encoding,
            lastModified: httpDate(entries[i]?.lastModifiedMs ?? now),
          };
          return [
            {
              key: documentKey(version, doc.path, variant.encoding),
              bytes: variant.bytes,
              metadata,
            },
          ];
        }),
  );
  const results = await Promise.allSettled(
    bodies.map(({ key, bytes, metadata }) => kv.put(key, bytes, { metadata })),
  );
  // Every write has settled before a failure is reported, so none lands after the caller moved on.
  const failure = results.findIndex((result) => result.status === "rejected");
  if (failure >= 0) {
    const result = results[failure] as PromiseRejectedResult;
    throw new StoreError(
      bodies[failure]?.key ?? version,
      "could not be written; the live version is unchanged, publish again",
      { cause: result.reason },
    );
  }
  return bodies.length;
}

/**
 * Writes the bodies of prepared documents under `version`'s prefix and returns their manifest
 * entries (those written name no `storedIn`: the caller says where they are when that is not the
 * manifest's own version); nothing is published until a manifest naming them is. With `incremental`, a document whose
 * tags equal the live one's is not written again: its entry names the version holding its bodies.
 * Last-Modified moves only when a document's content does.
 * @throws StoreError naming the first key that could not be written (every write has settled by then).
 */
export async function storeDocuments(
  kv: KVNamespace,
  version: string,
  documents: readonly PreparedDocument[],
  live: Manifest | null,
  options: StoreOptions,
): Promise<StoredDocuments> {
  const planned = planDocuments(documents, live, options);
  return {
    documents: planned.entries,
    written: await writeBodies(kv, version, documents, planned, options.now),
  };
}

/** One shelf in a publish (a folder's, or one shard of it): the live one named again, or a new list. */
interface PlannedShelf {
  readonly folder: string;
  /** Set when the folder is spread over `shards` shelves. */
  readonly shard?: number;
  readonly shards?: number;
  readonly documents: readonly ManifestDocument[];
  /** Content hash (16 hex digits) of the list's JSON. */
  readonly hash: string;
  /** The live shelf, when this folder's documents are exactly the ones it lists. */
  readonly reused?: ShelfRef;
  /** The list's JSON, to write when not reused. */
  readonly text?: string;
}

/**
 * A manifest's documents split into those the pointer lists and the shelves of those below folders,
 * one per folder, or `shards[folder]` for a folder spread by shardOf, in shelfIdOf order. A shelf
 * whose documents are all the live shelf's own (carried unchanged, the same objects) keeps that
 * shelf: no list of thousands of archive pages is serialized, hashed and written again per ingest. So
 * does a shelf in `whole`, whose documents are not in `documents` at all: its live shelf is named
 * again without going through its documents.
 * @throws StoreError when a `whole` folder's live shelf cannot be named again as it stands, or when
 * `documents` hold some of its documents after all.
 */
async function planShelves(
  documents: readonly ManifestDocument[],
  live: Manifest | null,
  whole: readonly string[],
  shards: Readonly<Record<string, number>> = {},
): Promise<{ top: ManifestDocument[]; shelves: PlannedShelf[] }> {
  const top: ManifestDocument[] = [];
  // Documents by shelf (shelfIdOf: the folder, or the folder's shard).
  const byShelf = new Map<string, ManifestDocument[]>();
  const placeOf = new Map<string, Pick<PlannedShelf, "folder" | "shard" | "shards">>();
  for (const doc of documents) {
    if (!isShelved(doc.path)) {
      top.push(doc);
      continue;
    }
    const folder = folderOf(doc.path);
    const spread = shards[folder];
    const place = spread
      ? { folder, shard: shardOf(doc.path, spread), shards: spread }
      : { folder };
    const id = shelfIdOf(place);
    placeOf.set(id, place);
    const list = byShelf.get(id);
    if (list) list.push(doc);
    else byShelf.set(id, [doc]);
  }
  const planned: PlannedShelf[] = [];
  for (const id of [...new Set([...byShelf.keys(), ...whole])].sort()) {
    const place = placeOf.get(id) ?? { folder: id };
    const docs = byShelf.get(id) ?? [];
    const kept = live ? reusableShelf(live, id) : undefined;
    const hash = kept ? shelfHashOf(kept.ref.key) : undefined;
    const keptWhole = whole.includes(id);
    if (keptWhole && (!kept || hash === undefined || byShelf.has(id)))
      throw new StoreError(
        `shelf ${id}`,
        "was to be kept whole, but the live version's is not there as it stood; publish again",
      );
    // Kept whole, or its documents are exactly the live shelf's own (carried unchanged, the same objects).
    if (
      kept &&
      hash !== undefined &&
      (keptWhole ||
        (kept.documents.length === docs.length &&
          docs.every((doc) => documentAt(kept.documents, doc.path) === doc)))
    ) {
      planned.push({ ...place, documents: kept.documents, hash, reused: kept.ref });
      continue;
    }
    const text = JSON.stringify(docs);
    planned.push({ ...place, documents: docs, hash: (await contentHash(text)).slice(0, 16), text });
  }
  return { top, shelves: planned };
}

/**
 * Publishes a build: writes its bodies, switches the pointer, prunes all but the previous version.
 * @example await publishVersion(env.FEEDS, await prepareDocuments(renderSite(entries, config)), facts, { now: Date.now() })
 */
export async function publishVersion(
  kv: KVNamespace,
  documents: readonly PreparedDocument[],
  facts: ArchiveFacts,
  options: PublishOptions,
): Promise<PublishReport> {
  const carried = options.carried ?? [];
  // Incremental publishes (those that carry documents) write only what changed; the bodies of an
  // unchanged document stay under the version that wrote them.
  const incremental = options.carried !== undefined;
  const live = options.live !== undefined ? options.live : await readLiveManifest(kv, options.now);
  const planned = planDocuments(documents, live, { ...options, incremental });
  const manifestDocuments = [...planned.entries, ...carried.map((doc) => withStore(live, doc))];
  const { top, shelves } = await planShelves(
    manifestDocuments,
    live,
    options.carriedShelves ?? [],
    options.shards,
  );
  const version = await versionOf(
    documents,
    facts,
    carried.filter((doc) => !isShelved(doc.path)),
    incremental ? shelves.map((shelf) => shelf.hash) : [],
    options.sourceKey !== undefined ? [options.sourceKey, options.renderKey ?? ""] : [],
  );
  if (live?.version === version) {
    const pruning =
      options.sweep === false
        ? { pruned: 0 }
        : await pruneAfterPublish(kv, versionsToKeep(live, options.now), {
            now: options.now,
            finished: versionsNamedBy(live),
            ...(options.keepLease ? { beforeDeleting: options.keepLease } : {}),
          });
    return {
      version,
      previousVersion: live.previousVersion,
      switched: false,
      written: 0,
      ...pruning,
    };
  }

  const written = await writeBodies(kv, version, documents, planned, options.now);
  // Documents below a folder go on a shelf of their folder's, so the pointer every request reads stays
  // small. A shelf's key names its content, so a cached shelf is never stale.
  const refs: ShelfRef[] = shelves.map(
    (shelf) =>
      shelf.reused ?? {
        key: shelfKey(version, shelf.hash),
        count: shelf.documents.length,
        folder: shelf.folder,
        ...(shelf.shards === undefined ? {} : { shard: shelf.shard, shards: shelf.shards }),
      },
  );
  const pointer: Manifest = {
    schema: MANIFEST_SCHEMA,
    version,
    previousVersion: live?.version ?? null,
    publishedMs: options.now,
    entryCount: facts.entryCount,
    newestEntryMs: facts.newestEntryMs,
    documents: top,
    ...(refs.length > 0 ? { shelves: refs } : {}),
    ...(options.renderKey !== undefined ? { renderKey: options.renderKey } : {}),
    ...(options.sourceKey !== undefined ? { sourceKey: options.sourceKey } : {}),
    ...(options.seq !== undefined ? { seq: options.seq } : {}),
  };
  // Every version this manifest or the live one reads from stays (a reused shelf's among them): a
  // reader that read the old pointer can still finish, whatever kind of publish this is (a deploy
  // replacing an ingested site included).
  const retained = referencedVersionsOf(pointer, [top, ...shelves.map((shelf) => shelf.documents)]);
  if (live) for (const v of referencedVersions(live)) retained.add(v);
  retained.delete(version);
  if (retained.size > 0) Object.assign(pointer, { retainedVersions: [...retained].sort() });
  const retired = retiredVersions(live, versionsReadBy(pointer), options.now);
  if (retired.length > 0) Object.assign(pointer, { retiredVersions: retired });
  const newShelves = shelves.flatMap((shelf, i) => {
    const ref = refs[i];
    if (ref) publishedShelves.set(ref.key, shelf.documents);
    return shelf.text !== undefined && ref ? [{ key: ref.key, text: shelf.text }] : [];
  });
  for (const { key, text } of newShelves) {
    try {
      await kv.put(key, text);
    } catch (cause) {
      throw new StoreError(
        key,
        "could not be written; the live version is unchanged, publish again",
        {
          cause,
        },
      );
    }
  }
  const text = JSON.stringify(pointer);
  await options.keepLease?.();
  try {
    await kv.put(CURRENT_KEY, text);
    // As readLiveManifest merges it: the pointer's documents, then each shelf's.
    lastLive = {
      key: liveKey(pointer),
      text,
      manifest: mergeShelves(
        pointer,
        shelves.map((shelf) => shelf.documents),
      ),
    };
  } catch (cause) {
    throw new StoreError(
      CURRENT_KEY,
      "could not be written; the previous version may still be live, publish again",
      { cause },
    );
  }

  const named = live ? versionsNamedBy(live) : undefined;
  const pruning = await pruneAfterPublish(kv, versionsToKeep(pointer, options.now), {
    now: options.now,
    ...(named ? (options.sweep === false ? { candidates: named } : { finished: named }) : {}),
    ...(options.keepLease ? { beforeDeleting: options.keepLease } : {}),
  });
  return {
    version,
    previousVersion: pointer.previousVersion,
    switched: true,
    written: written + newShelves.length,
    ...pruning,
    pointer: text,
  };
}

/**
 * pruneVersions once the publish stands (the pointer switched, or already named this version): a KV
 * failure while listing or deleting leaves keys behind, which the next sweep deletes, and does not
 * make a publish that succeeded look failed.
 */
async function pruneAfterPublish(
  ...args: Parameters<typeof pruneVersions>
): Promise<Pick<PublishReport, "pruned" | "pruneFailure">> {
  try {
    return { pruned: await pruneVersions(...args) };
  } catch (error) {
    return { pruned: 0, pruneFailure: error instanceof Error ? error.message : String(error) };
  }
}
