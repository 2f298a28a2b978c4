/**
 * @module worker/body-cache — keeps the document bodies an isolate served last in its memory.
 *
 * A body never changes under its KV key (a publish writes a new version's keys and moves one pointer),
 * so a body read once can answer every later request for the same key without asking KV again: no
 * read operation billed, no round trip, and `/feed.atom` costs what `/health` costs plus the copy.
 * The pointer is still read on every request, so a publish is seen as soon as KV shows it.
 */
import { ByteLru } from "../lru.js";

/** Bodies kept per isolate. Workers allow an isolate 128 MB; feeds are hundreds of KB each. */
export const BODY_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/** A body larger than this is never kept: one huge document must not push out every feed. */
export const BODY_CACHE_MAX_ENTRY_BYTES = 4 * 1024 * 1024;

/**
 * Bodies by KV key, least recently used first out.
 * @example const cache = new BodyCache(1024); cache.set("k", new ArrayBuffer(10)); cache.get("k")?.byteLength // 10
 */
export class BodyCache extends ByteLru<ArrayBuffer> {
  constructor(
    maxBytes: number = BODY_CACHE_MAX_BYTES,
    maxEntryBytes: number = Math.min(BODY_CACHE_MAX_ENTRY_BYTES, maxBytes),
  ) {
    super(maxBytes, (body) => body.byteLength, maxEntryBytes);
  }
}
