/**
 * @module cli/newest-entries — the newest few of the entries a converting thread made, in archive
 * order: a build renders its feeds from these instead of converting the newest documents once more
 * on its main thread, whose converting code has never run (about 4 ms a document there).
 */
import { compareEntries, type Entry } from "../entry.js";

/**
 * Keeps the `capacity` newest entries offered, newest first (the order of `compareEntries`); an
 * offer older than all of a full list costs one comparison.
 * @example const kept = new NewestEntries(2); for (const e of entries) kept.offer(e); kept.entries.length // 2
 */
export class NewestEntries {
  readonly #entries: Entry[] = [];

  constructor(private readonly capacity: number) {}

  offer(entry: Entry): void {
    const list = this.#entries;
    const last = list[list.length - 1];
    if (list.length >= this.capacity && (last === undefined || compareEntries(entry, last) >= 0))
      return;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareEntries(list[middle] as Entry, entry) <= 0) low = middle + 1;
      else high = middle;
    }
    list.splice(low, 0, entry);
    if (list.length > this.capacity) list.pop();
  }

  get entries(): readonly Entry[] {
    return this.#entries;
  }
}
