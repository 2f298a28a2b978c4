/**
 * @module store/shelf-cache — the shelves (a manifest's lists of archive pages and category feeds) an
 * isolate read or wrote last, by key. A shelf never changes under its key, so the worker reads and
 * parses one once per isolate and version, not at every request for an archive page, and a publish
 * finds the shelf the previous publish in the same isolate wrote without reading it back.
 */
import { ByteLru } from "../lru.js";
import type { ManifestDocument } from "./manifest.js";

/** Shelves kept per isolate: a 100,000-entry site's lists some 6,000 documents. */
export const SHELF_CACHE_MAX_BYTES = 8 * 1024 * 1024;

/** Bytes one listed document costs in memory, about: its JSON is 300–500 bytes. */
const DOCUMENT_BYTES = 512;

/**
 * Shelves by key, least recently used first out.
 * @example const cache = new ShelfCache(); cache.set("k", documents); documentAt(cache.get("k") ?? [], "archive/1.atom")
 */
export class ShelfCache extends ByteLru<readonly ManifestDocument[]> {
  constructor(maxBytes: number = SHELF_CACHE_MAX_BYTES) {
    super(maxBytes, (documents) => documents.length * DOCUMENT_BYTES, maxBytes);
  }
}
