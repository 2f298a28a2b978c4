/**
 * @module lru — a map bounded by the bytes of what it holds, least recently used out first: what an
 * isolate keeps between requests (served bodies, entries' pieces).
 */

/**
 * A byte-bounded map; `sizeOf` says what a value costs.
 * @example const lru = new ByteLru<ArrayBuffer>(1024, (b) => b.byteLength); lru.set("k", new ArrayBuffer(10)); lru.bytes // 10
 */
export class ByteLru<V> {
  /** Insertion order is recency order: a hit moves its key to the end. */
  readonly #items = new Map<string, { readonly value: V; readonly bytes: number }>();
  #bytes = 0;

  /**
   * @param maxBytes what all values may cost together
   * @param sizeOf what one value costs
   * @param maxItemBytes a value costing more is never kept, so one huge value cannot push out the rest
   */
  constructor(
    readonly maxBytes: number,
    readonly sizeOf: (value: V) => number,
    readonly maxItemBytes: number = maxBytes,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keys held now, least recently used first. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** The value under a key, which becomes the most recently used. */
  get(key: string): V | undefined {
    const held = this.#items.get(key);
    if (held === undefined) return undefined;
    this.#items.delete(key);
    this.#items.set(key, held);
    return held.value;
  }

  /** The value under a key, leaving the order as it is. */
  peek(key: string): V | undefined {
    return this.#items.get(key)?.value;
  }

  /** Keeps a value (replacing what the key held), then drops the least recently used to fit. */
  set(key: string, value: V): void {
    const before = this.#items.get(key);
    if (before !== undefined) {
      this.#items.delete(key);
      this.#bytes -= before.bytes;
    }
    const bytes = this.sizeOf(value);
    if (bytes > this.maxItemBytes || bytes > this.maxBytes) return;
    this.#items.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [oldest, held] of this.#items) {
      if (this.#bytes <= this.maxBytes) break;
      this.#items.delete(oldest);
      this.#bytes -= held.bytes;
    }
  }
}
