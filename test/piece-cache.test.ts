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
});
