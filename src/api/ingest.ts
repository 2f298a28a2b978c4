/**
 * @module api/ingest — what happens to a document handed to the worker: converted by the same code as
 * the build (`convertDocument`), saved in the entry store as created, updated or unchanged, and the
 * site published again. No HTTP here: the worker's routes and the benchmark both call these.
 */
import { canonicalArticleUrl } from "../article/urls.js";
import type { SiteConfig } from "../config.js";
import type { Entry } from "../entry.js";
import { DocumentError, EdgefeedError } from "../errors.js";
import type { CompressedPieces } from "../pieces.js";
import { convertDocument } from "../pipeline.js";
import { compressedPieces, contentHash, piecesFromCompressed } from "../publish.js";
import { rfc3339 } from "../render/dates.js";
import {
  categorySlug,
  LEASE_MS,
  planRequest,
  publishChanges,
  renderKeyOf,
  type SitePublishReport,
} from "../site.js";
import {
  type EntryHistory,
  type EntryRecord,
  type EntryStore,
  type EntryWrite,
  HISTORY_HASHES,
  type LockAttempt,
  type StoredCategory,
} from "../store/entries.js";
import { StoreError } from "../store/errors.js";

/** One document as received: the name messages use (like a seed's path) and its bytes. */
export interface IncomingDocument {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type IngestStatus = "created" | "updated" | "unchanged" | "rejected";

/** What became of one document. */
export interface IngestResult {
  readonly name: string;
  readonly status: IngestStatus;
  /** The entry's id (its canonical article URL), unless rejected. */
  readonly id?: string;
  /** The entry's `updated` time as feeds show it. */
  readonly updated?: string;
  /** Why it was rejected, as the build says it: `name:line: reason`. */
  readonly error?: string;
  /** Why an unchanged document changed nothing, when it was not simply the same document. */
  readonly note?: string;
}

/**
 * Changes saved in the entry store whose publish then failed (KV failing, or another publisher holding
 * the lease too long): names what was saved, and keeps the storage error as `cause`. Nothing is lost:
 * the feeds stay as they were, and the next ingest publishes the saved changes, even one that changes
 * nothing (the same request sent again).
 * @example new PublishError("2 documents (a.txt, b.txt)", storeError).message // "2 documents (a.txt, b.txt) saved; publishing failed: KV key …"
 */
export class PublishError extends EdgefeedError {
  override name = "PublishError";
  constructor(
    readonly saved: string,
    cause: StoreError,
  ) {
    super(`${saved} saved; publishing failed: ${cause.message}`, { cause });
  }
}

export interface IngestReport {
  readonly results: readonly IngestResult[];
  /** The publish that included these changes, when this request made it. */
  readonly published: SitePublishReport | null;
}

/** A converted document ready to save. */
interface Converted {
  readonly name: string;
  readonly entry: Entry;
  readonly documentHash: string;
  /** The pieces of `entry` compressed ahead (see PreparedDocument), when they were. */
  readonly compressed?: CompressedPieces;
}

/**
 * A document converted ahead, elsewhere (the CLI's threads, while the previous batch is stored): its
 * entry as `convertDocument` makes it, the hash of its bytes, and that entry's pieces compressed as
 * `entryWrite` compresses them. A write of any other entry (an update moves the times) renders its own.
 */
export interface PreparedDocument {
  readonly entry: Entry;
  readonly documentHash: string;
  readonly compressed: CompressedPieces;
}

/** Saves are retried this often when other ingests change the same entry at the same moment. */
const SAVE_ATTEMPTS = 5;

function storedCategories(entry: Entry): StoredCategory[] {
  const bySlug = new Map<string, StoredCategory>();
  for (const c of entry.categories) {
    const slug = categorySlug(c);
    if (!bySlug.has(slug)) bySlug.set(slug, { slug, label: c.label });
  }
  return [...bySlug.values()];
}

/** Why a document that differs from the stored one changed nothing. */
const OLDER_VERSION = "a newer version of this article is stored";

/**
 * The entry to store for a document given what is stored: the same document, an older version of the
 * article (its time is before the stored document's), or a version it replaced sent again, changes
 * nothing. Any other version is newer: it keeps the article's first `published` and id, and moves
 * `updated` to the new document's time, or to now when the document carries no later time (a
 * correction sent with the article's own time, as newsrooms make them: every one of them is news).
 * The history stored with it tells the next document what came before.
 */
export function decideChange(
  incoming: Entry,
  documentHash: string,
  before: EntryRecord | null,
  now: number,
):
  | { status: "created"; entry: Entry }
  | { status: "updated"; entry: Entry; history: EntryHistory }
  | { status: "unchanged"; note?: string } {
  if (before === null) return { status: "created", entry: incoming };
  if (before.documentHash === documentHash) return { status: "unchanged" };
  const sourceMs = before.history?.sourceMs ?? before.updatedMs;
  if (incoming.updatedMs < sourceMs || before.history?.hashes.includes(documentHash))
    return { status: "unchanged", note: OLDER_VERSION };
  const nowSeconds = Math.floor(now / 1000) * 1000;
  const updatedMs =
    incoming.updatedMs > before.updatedMs
      ? incoming.updatedMs
      : Math.max(nowSeconds, before.updatedMs + 1000);
  const hashes = [...(before.history?.hashes ?? []), before.documentHash];
  return {
    status: "updated",
    entry: {
      ...incoming,
      publishedMs: Math.min(before.publishedMs, incoming.publishedMs),
      updatedMs,
    },
    history: { sourceMs: incoming.updatedMs, hashes: hashes.slice(-HISTORY_HASHES) },
  };
}

/**
 * Converts one document exactly as the build does.
 * @throws DocumentError naming the document, the line and what is wrong.
 */
export async function convertIncoming(doc: IncomingDocument): Promise<Converted> {
  const entry = convertDocument(doc.bytes, doc.name);
  return { name: doc.name, entry, documentHash: await contentHash(doc.bytes) };
}

/**
 * What the store keeps of an entry: its pieces rendered and compressed once, here, unless they were
 * compressed ahead for this very entry (`ahead`).
 */
async function entryWrite(
  entry: Entry,
  documentHash: string,
  config: SiteConfig,
  renderKey: string,
  ahead?: CompressedPieces,
): Promise<EntryWrite> {
  return {
    entry,
    documentHash,
    categories: storedCategories(entry),
    // Compressed once, here or ahead, so no publish compresses this entry again (see src/pieces.ts).
    pieces: ahead ? piecesFromCompressed(ahead) : await compressedPieces(entry, config),
    renderKey,
  };
}

/**
 * Saves one converted document, deciding again when another ingest got there first. `known` is its
 * stored record as just read, for the first attempt (a save against a stale one is a conflict, and
 * the next attempt reads it again). With `lease`, the publishing lease is tried in the save's round
 * trip (`saveAndLock`): `lock` is what that found, null when nothing was saved.
 */
async function saveConverted(
  store: EntryStore,
  config: SiteConfig,
  converted: Converted,
  now: number,
  known?: EntryRecord,
  lease?: { readonly at: number; readonly until: number },
): Promise<{ result: IngestResult; lock: LockAttempt | null }> {
  const renderKey = await renderKeyOf(config);
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const before = attempt === 0 && known ? known : await store.find(converted.entry.id);
    const change = decideChange(converted.entry, converted.documentHash, before, now);
    if (change.status === "unchanged") {
      const result: IngestResult = {
        name: converted.name,
        status: "unchanged",
        id: converted.entry.id,
        ...(before ? { updated: rfc3339(before.updatedMs) } : {}),
        ...(change.note ? { note: change.note } : {}),
      };
      return { result, lock: null };
    }
    // A new entry is the converted one: pieces compressed ahead are its own.
    const ahead = change.entry === converted.entry ? converted.compressed : undefined;
    const write = {
      ...(await entryWrite(change.entry, converted.documentHash, config, renderKey, ahead)),
      ...(change.status === "updated" ? { history: change.history } : {}),
    };
    const { outcome, lock } = lease
      ? await store.saveAndLock(
          write,
          before,
          lease.at,
          lease.until,
          planRequest(config, renderKey),
        )
      : { outcome: await store.save(write, before), lock: null };
    if (outcome !== "conflict") {
      const result: IngestResult = {
        name: converted.name,
        status: outcome,
        id: change.entry.id,
        updated: rfc3339(change.entry.updatedMs),
      };
      return { result, lock };
    }
  }
  throw new StoreError(
    `entries ${converted.entry.id}`,
    "kept changing under concurrent ingests; send the document again",
  );
}

/** Documents converted and stored together; their entries new to the store are created in one go. */
const INGEST_CHUNK = 50;

/**
 * Converts some documents and stores their entries: those new to the store (each id once) with
 * `createMany`, the rest (updates, an id seen again, whatever createMany left) one by one in document
 * order, as before. Results come in document order. With `lease` (the chunk is the request's last and
 * a publish follows), the publishing lease is tried in the round trip that creates the entries, when
 * nothing is left to save after it, or that saves a lone document one by one: `tried` is what that
 * found.
 */
async function ingestChunk(
  store: EntryStore,
  config: SiteConfig,
  documents: readonly IncomingDocument[],
  now: number,
  lease: boolean,
  prepared?: IngestOptions["prepared"],
): Promise<{ results: IngestResult[]; tried: LockAttempt | undefined }> {
  const results: IngestResult[] = [];
  const converted: Array<{ readonly index: number; readonly doc: Converted }> = [];
  for (const [index, doc] of documents.entries()) {
    try {
      const ahead = await prepared?.(doc);
      converted.push({
        index,
        doc: ahead ? { name: doc.name, ...ahead } : await convertIncoming(doc),
      });
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      results[index] = { name: doc.name, status: "rejected", error: error.message };
    }
  }
  // A lone document is most often a new article: it is created at once, with no look-up first. If its
  // id is taken, the write changes nothing and it is saved one by one below, as an update. One whose id
  // this isolate knows as stored (the same document sent again, a correction of a recent article) is
  // looked up first: its pieces are compressed once, for the update, or not at all when unchanged.
  const lone = converted.length === 1 ? converted[0]?.doc : undefined;
  const renderKey = await renderKeyOf(config);
  const stored =
    lease && lone && !store.knows(lone.entry.id)
      ? new Map<string, EntryRecord>()
      : await store.findMany(converted.map((c) => c.doc.entry.id));
  const fresh: typeof converted = [];
  const rest: typeof converted = [];
  const freshIds = new Set<string>();
  for (const c of converted) {
    const id = c.doc.entry.id;
    if (stored.has(id) || freshIds.has(id)) rest.push(c);
    else {
      fresh.push(c);
      freshIds.add(id);
    }
  }
  const writes = await Promise.all(
    fresh.map((c) =>
      entryWrite(c.doc.entry, c.doc.documentHash, config, renderKey, c.doc.compressed),
    ),
  );
  // The lease is on the publishing clock (publishChanges's), not the documents' `now`.
  const at = Date.now();
  // The publish's plan is read in the same round trip as the lease: one D1 call less per ingest.
  const plan = planRequest(config, renderKey);
  const { created, lock: createdWithLock } =
    lease && rest.length === 0
      ? await store.createManyAndLock(writes, at, at + LEASE_MS, plan)
      : { created: await store.createMany(writes), lock: null };
  let lock = createdWithLock;
  fresh.slice(0, created).forEach((c, k) => {
    results[c.index] = {
      name: c.doc.name,
      status: "created",
      id: c.doc.entry.id,
      updated: rfc3339(writes[k]?.entry.updatedMs ?? c.doc.entry.updatedMs),
    };
  });
  const oneByOne = [...fresh.slice(created), ...rest].sort((a, b) => a.index - b.index);
  // The record read above serves an id's only document; a second of the same id reads it again.
  const once = (id: string) => converted.filter((c) => c.doc.entry.id === id).length === 1;
  // A lone document saved here (an update, or new but its id taken) tries the lease as it saves.
  const saveLease = lease && lone ? { at, until: at + LEASE_MS } : undefined;
  for (const c of oneByOne) {
    const id = c.doc.entry.id;
    const saved = await saveConverted(
      store,
      config,
      c.doc,
      now,
      once(id) ? stored.get(id) : undefined,
      saveLease,
    );
    results[c.index] = saved.result;
    lock ??= saved.lock;
  }
  // Nothing was left to save when the lease was taken: a save that failed cannot have kept it.
  return { results, tried: lock ?? undefined };
}

export interface IngestOptions {
  readonly now?: number;
  /** Save only, leaving the publish to the caller (loading many batches, then publishing once). */
  readonly publish?: boolean;
  /**
   * A document's conversion done ahead, if it was (undefined: convert it here). It settles to the
   * prepared document, or rejects with the DocumentError that rejects the document.
   */
  readonly prepared?: (doc: IncomingDocument) => Promise<PreparedDocument> | undefined;
}

/**
 * Ingests documents: converts each, saves the good ones, then publishes once for all of them. A
 * rejected document does not stop the others (as in the build).
 * @throws PublishError when changes were saved but their publish failed.
 * @example await ingestDocuments(store, env.FEEDS, config, [{ name: "a.txt", bytes }])
 */
export async function ingestDocuments(
  store: EntryStore,
  kv: KVNamespace,
  config: SiteConfig,
  documents: readonly IncomingDocument[],
  options: IngestOptions = {},
): Promise<IngestReport> {
  const now = options.now ?? Date.now();
  const results: IngestResult[] = [];
  let tried: LockAttempt | undefined;
  for (let at = 0; at < documents.length; at += INGEST_CHUNK) {
    const last = at + INGEST_CHUNK >= documents.length;
    const chunk = await ingestChunk(
      store,
      config,
      documents.slice(at, at + INGEST_CHUNK),
      now,
      last && options.publish !== false,
      options.prepared,
    );
    results.push(...chunk.results);
    tried = chunk.tried;
  }
  if (options.publish === false) return { results, published: null };
  const saved = results.filter((r) => r.status === "created" || r.status === "updated");
  // A request that changes nothing still publishes what an earlier one saved and could not publish
  // (its publish failed, or the request was ended): sending the documents again is how a client
  // retries a publish.
  if (saved.length === 0)
    return {
      results,
      published: results.some((r) => r.status === "unchanged")
        ? await publishIfPending(store, kv, config, "Earlier changes")
        : null,
    };
  return {
    results,
    published: await publishSaved(savedDocuments(saved), () =>
      publishPending(store, kv, config, options, tried),
    ),
  };
}

/** "3 documents (a.txt, b.txt, c.txt)", naming at most NAMED_SAVED of them. */
function savedDocuments(saved: readonly IngestResult[]): string {
  const names = saved.slice(0, NAMED_SAVED).map((r) => r.name);
  if (saved.length > NAMED_SAVED) names.push(`${saved.length - NAMED_SAVED} more`);
  return `${saved.length} ${saved.length === 1 ? "document" : "documents"} (${names.join(", ")})`;
}

const NAMED_SAVED = 5;

/**
 * What a request that changed nothing publishes: changes saved earlier and not live yet (their
 * publish failed, or their request was ended), if there are any and the lease is free; a publish
 * under way is left to its holder. Its failure is a PublishError naming `saved`.
 */
async function publishIfPending(
  store: EntryStore,
  kv: KVNamespace,
  config: SiteConfig,
  saved: string,
): Promise<SitePublishReport | null> {
  const state = await store.state();
  if (state.publishedSeq >= state.seq) return null;
  return publishSaved(saved, () =>
    publishChanges(store, kv, config, { now: Date.now(), waitForLease: false }),
  );
}

/** The publish of changes just saved; its storage failure becomes a PublishError naming them. */
async function publishSaved<T>(saved: string, publish: () => Promise<T>): Promise<T> {
  try {
    return await publish();
  } catch (error) {
    if (error instanceof StoreError) throw new PublishError(saved, error);
    throw error;
  }
}

/**
 * Publishes whatever the store holds that is not live yet (this request's changes among them); with
 * the lease `tried` in the request's last write, instead of trying it again.
 */
export async function publishPending(
  store: EntryStore,
  kv: KVNamespace,
  config: SiteConfig,
  options: IngestOptions = {},
  tried?: LockAttempt,
): Promise<SitePublishReport | null> {
  // No seq: publishChanges reads the counter with the lease, after this request's changes.
  return publishChanges(store, kv, config, {
    now: options.now ?? Date.now(),
    ...(tried ? { tried } : {}),
  });
}

/**
 * Removes the entry of an article URL (any form of it: tracking parameters and fragments are ignored,
 * as when merging) and publishes. Returns its id, or null when no entry had it (then it publishes what
 * is saved but not live, as an ingest that changes nothing does).
 * @throws PublishError when the removal was saved but its publish failed.
 */
export async function deleteArticle(
  store: EntryStore,
  kv: KVNamespace,
  config: SiteConfig,
  url: string,
  options: IngestOptions = {},
): Promise<{ id: string; published: SitePublishReport | null } | null> {
  const id = canonicalArticleUrl(url);
  const now = options.now ?? Date.now();
  if (!(await store.delete(id, Math.floor(now / 1000) * 1000))) {
    // Gone already: perhaps by this same request, sent again after its publish failed.
    await publishIfPending(store, kv, config, "Earlier changes");
    return null;
  }
  return {
    id,
    published: await publishSaved(`the removal of ${id}`, () =>
      publishPending(store, kv, config, options),
    ),
  };
}
