/**
 * @module cli/newest-entries — the newest few of many entries (or entry keys), in archive order,
 * picked in one pass without sorting them all: which documents a threaded build converts whole, on
 * its warm threads, for its feeds.
 */
import { compareEntries, type EntryKey } from "../entry.js";

/**
 * Keeps the `capacity` newest items offered, newest first (the order of `compareEntries`); an offer
 * older than all of a full list costs one comparison.
 * @example const kept = new NewestEntries(2); for (const k of keys) kept.offer(k); kept.entries.length // 2
 */
export class NewestEntries<T extends Pick<EntryKey, "id" | "publishedMs">> {
  readonly #entries: T[] = [];

  constructor(private readonly capacity: number) {}

  offer(entry: T): void {
    const list = this.#entries;
    const last = list[list.length - 1];
    if (list.length >= this.capacity && (last === undefined || compareEntries(entry, last) >= 0))
      return;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareEntries(list[middle] as T, entry) <= 0) low = middle + 1;
      else high = middle;
    }
    list.splice(low, 0, entry);
    if (list.length > this.capacity) list.pop();
  }

  get entries(): readonly T[] {
    return this.#entries;
  }
}
