/**
 * @module worker/body-cache — keeps the document bodies an isolate served last in its memory.
 *
 * A body never changes under its KV key (a publish writes a new version's keys and moves one pointer),
 * so a body read once can answer every later request for the same key without asking KV again: no
 * read operation billed, no round trip, and `/feed.atom` costs what `/health` costs plus the copy.
 * The pointer is still read on every request, so a publish is seen as soon as KV shows it.
 */

/** Bodies kept per isolate. Workers allow an isolate 128 MB; feeds are hundreds of KB each. */
export const BODY_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/** A body larger than this is never kept: one huge document must not push out every feed. */
export const BODY_CACHE_MAX_ENTRY_BYTES = 4 * 1024 * 1024;

/**
 * A byte-bounded map from KV key to body, least recently used first out.
 * @example const cache = new BodyCache(1024); cache.set("k", new ArrayBuffer(10)); cache.get("k")?.byteLength // 10
 */
export class BodyCache {
  /** Insertion order is recency order: a hit moves its key to the end. */
  readonly #bodies = new Map<string, ArrayBuffer>();
  #bytes = 0;

  constructor(
    readonly maxBytes: number = BODY_CACHE_MAX_BYTES,
    readonly maxEntryBytes: number = Math.min(BODY_CACHE_MAX_ENTRY_BYTES, maxBytes),
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keys held now, least recently used first. */
  keys(): string[] {
    return [...this.#bodies.keys()];
  }

  get(key: string): ArrayBuffer | undefined {
    const body = this.#bodies.get(key);
    if (body !== undefined) {
      this.#bodies.delete(key);
      this.#bodies.set(key, body);
    }
    return body;
  }

  /** Keeps a body unless it is larger than maxEntryBytes; drops the least recently used to make room. */
  set(key: string, body: ArrayBuffer): void {
    if (body.byteLength > this.maxEntryBytes) return;
    const old = this.#bodies.get(key);
    if (old !== undefined) {
      this.#bodies.delete(key);
      this.#bytes -= old.byteLength;
    }
    for (const [oldest, oldBody] of this.#bodies) {
      if (this.#bytes + body.byteLength <= this.maxBytes) break;
      this.#bodies.delete(oldest);
      this.#bytes -= oldBody.byteLength;
    }
    this.#bodies.set(key, body);
    this.#bytes += body.byteLength;
  }
}
