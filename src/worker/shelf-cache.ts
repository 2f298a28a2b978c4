/**
 * @module worker/shelf-cache — keeps the shelves (the manifest's lists of archive pages and category
 * feeds) an isolate read last, by key: a shelf never changes under its key, so it is read and parsed
 * once per isolate and version, not at every request for an archive page.
 */
import { ByteLru } from "../lru.js";
import type { ManifestDocument } from "../store/manifest.js";

/** Shelves kept per isolate: a 100,000-entry site's is about 2 MB of JSON. */
export const SHELF_CACHE_MAX_BYTES = 8 * 1024 * 1024;

/** A shelf's documents by path, with the size of the text it was read from. */
export interface Shelf {
  readonly documents: ReadonlyMap<string, ManifestDocument>;
  readonly bytes: number;
}

/**
 * Shelves by key, least recently used first out.
 * @example const cache = new ShelfCache(); cache.set("k", shelf); cache.get("k")?.documents.get("archive/1.atom")
 */
export class ShelfCache extends ByteLru<Shelf> {
  constructor(maxBytes: number = SHELF_CACHE_MAX_BYTES) {
    super(maxBytes, (shelf) => shelf.bytes, maxBytes);
  }
}
