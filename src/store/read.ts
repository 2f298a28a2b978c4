/**
 * @module store/read — what the worker reads from KV: the live manifest, then one document body.
 */
import type { ContentEncoding } from "../publish.js";
import { StoreError } from "./errors.js";
import { CURRENT_KEY, documentKey } from "./keys.js";
import {
  type Manifest,
  type ManifestDocument,
  parseManifest,
  parseShelf,
  type ShelfRef,
  shelvesOf,
} from "./manifest.js";
import type { ShelfCache } from "./shelf-cache.js";

/**
 * How long an edge location may keep a version's body without asking KV again. Bodies never change
 * under their key (a new build is a new version), so this can be long.
 */
const BODY_CACHE_TTL_SECONDS = 86_400;

/**
 * How long one KV read may take before the worker gives up and answers 503 (a healthy read takes
 * milliseconds; a reader waiting longer is better told to retry).
 */
export const KV_READ_TIMEOUT_MS = 3_000;

/** A KV read that fails with a StoreError naming the key when it throws or takes too long. */
async function readKey<T>(key: string, read: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${KV_READ_TIMEOUT_MS} ms`)),
      KV_READ_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([read(), timeout]);
  } catch (cause) {
    throw new StoreError(key, "could not be read", { cause });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The manifest of the live version, or null when nothing was ever published.
 * @throws StoreError when KV fails, takes over KV_READ_TIMEOUT_MS, or the pointer holds something that
 * is not a manifest.
 */
export async function readManifest(kv: KVNamespace): Promise<Manifest | null> {
  const text = await readPointer(kv);
  return text === null ? null : parseManifest(text, CURRENT_KEY);
}

/**
 * The pointer's text as stored, or null when nothing was ever published.
 * @throws StoreError when KV fails or takes over KV_READ_TIMEOUT_MS.
 */
export function readPointer(kv: KVNamespace): Promise<string | null> {
  return readKey(CURRENT_KEY, () => kv.get(CURRENT_KEY, "text"));
}

/**
 * One stored form of a document of a version.
 * @throws StoreError when KV fails, or the body is missing (a publish never switches the pointer before
 * every body is written, so a missing one means storage lost it).
 */
export async function readDocumentBody(
  kv: KVNamespace,
  version: string,
  path: string,
  encoding: ContentEncoding,
): Promise<ArrayBuffer> {
  const key = documentKey(version, path, encoding);
  const body = await readKey(key, () =>
    kv.get(key, { type: "arrayBuffer", cacheTtl: BODY_CACHE_TTL_SECONDS }),
  );
  if (body === null) throw new StoreError(key, "is missing, though the live manifest lists it");
  return body;
}

/**
 * The documents a shelf lists, from `cache` when it holds them. The key never changes once written, so
 * the edge may keep it as long as a body.
 * @throws StoreError when KV fails, the list is missing, or it is not a list of documents.
 */
export async function readShelf(
  kv: KVNamespace,
  shelf: ShelfRef,
  cache?: ShelfCache,
): Promise<readonly ManifestDocument[]> {
  const cached = cache?.get(shelf.key);
  if (cached !== undefined) return cached;
  const text = await readKey(shelf.key, () =>
    kv.get(shelf.key, { type: "text", cacheTtl: BODY_CACHE_TTL_SECONDS }),
  );
  if (text === null)
    throw new StoreError(shelf.key, "is missing, though the live manifest names it");
  const documents = parseShelf(text, shelf.key);
  cache?.set(shelf.key, documents);
  return documents;
}

/**
 * The lists of a manifest's shelves (none without shelves), in the shelves' order.
 * @throws StoreError as readShelf.
 */
export async function readShelves(
  kv: KVNamespace,
  manifest: Manifest,
  cache?: ShelfCache,
): Promise<ReadonlyArray<readonly ManifestDocument[]>> {
  return Promise.all(shelvesOf(manifest).map((shelf) => readShelf(kv, shelf, cache)));
}
