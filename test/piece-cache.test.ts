import { describe, expect, it } from "vitest";
import type { EntryPieces } from "../src/publish.js";
import { PieceCache, type PieceKey } from "../src/store/piece-cache.js";

const key = (n: number, documentHash = "h1"): PieceKey => ({
  id: `https://source.example/${n}.html`,
  documentHash,
  publishedMs: 1_639_594_666_000,
  updatedMs: 1_639_594_666_000,
  renderKey: "r1",
});
/** Pieces of 3 × 100 characters: 600 bytes as the cache counts them. */
const pieces = (n: number): EntryPieces => ({
  atom: `${n}`.padEnd(100, "a"),
  rss: `${n}`.padEnd(100, "r"),
  json: `${n}`.padEnd(100, "j"),
});

describe("PieceCache", () => {
  it("answers only for the same rendering: another document hash of the entry is a miss", () => {
    const cache = new PieceCache(10_000);
    cache.set(key(1), pieces(1));
    expect(cache.get(key(1))).toEqual(pieces(1));
    expect(cache.get(key(1, "h2"))).toBeUndefined();
    expect(cache.get({ ...key(1), renderKey: "r2" })).toBeUndefined();
  });

  it("stays within its bytes, dropping the least recently used first", () => {
    const cache = new PieceCache(1_300);
    cache.set(key(1), pieces(1));
    cache.set(key(2), pieces(2));
    cache.get(key(1));
    cache.set(key(3), pieces(3));
    expect(cache.bytes).toBeLessThanOrEqual(1_300);
    expect(cache.get(key(2))).toBeUndefined();
    expect(cache.get(key(1))).toEqual(pieces(1));
    expect(cache.get(key(3))).toEqual(pieces(3));
  });

  it("knows the ids of entries it held pieces of after dropping the pieces, within its own bound", () => {
    const cache = new PieceCache(700, 300);
    cache.set(key(1), pieces(1));
    cache.set(key(2), pieces(2));
    // The pieces of 1 are gone (600 bytes each, 700 held at most), its id is still known.
    expect(cache.get(key(1))).toBeUndefined();
    expect(cache.sawId(key(1).id)).toBe(true);
    expect(cache.sawId(key(2).id)).toBe(true);
    expect(cache.sawId(key(3).id)).toBe(false);
    // An id costs 2 bytes a character and 64 more: 300 bytes hold two of these, so 3 drops 1.
    cache.set(key(3), pieces(3));
    expect(cache.sawId(key(3).id)).toBe(true);
    expect(cache.sawId(key(1).id)).toBe(false);
  });
});
