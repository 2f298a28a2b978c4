/**
 * decideChange: which version of an article the ingest API keeps when one arrives for a stored entry.
 */
import { describe, expect, it } from "vitest";
import { decideChange } from "../src/api/ingest.js";
import type { Entry } from "../src/entry.js";
import { type EntryRecord, HISTORY_HASHES } from "../src/store/entries.js";

const T = Date.UTC(2026, 10, 1);
const MINUTE = 60_000;
const NOW = T + 60 * MINUTE;

const incoming = (updatedMs: number): Entry =>
  ({ id: "https://news.example/1", publishedMs: T, updatedMs }) as Entry;

const stored = (overrides: Partial<EntryRecord> = {}): EntryRecord => ({
  id: "https://news.example/1",
  publishedMs: T,
  updatedMs: T,
  position: 1,
  documentHash: "v1",
  categories: [],
  ...overrides,
});

describe("decideChange", () => {
  it("dates a correction sent with the article's own time when it arrives, and remembers the time and the version it replaced", () => {
    const change = decideChange(incoming(T), "v2", stored(), NOW);
    expect(change).toMatchObject({
      status: "updated",
      entry: { updatedMs: NOW, publishedMs: T },
      history: { sourceMs: T, hashes: ["v1"] },
    });
  });

  it("takes a second correction with the same time as news too, dated after the first", () => {
    const first = stored({
      documentHash: "v2",
      updatedMs: NOW,
      history: { sourceMs: T, hashes: ["v1"] },
    });
    const change = decideChange(incoming(T), "v3", first, NOW);
    expect(change).toMatchObject({
      status: "updated",
      entry: { updatedMs: NOW + 1000 },
      history: { sourceMs: T, hashes: ["v1", "v2"] },
    });
  });

  it("takes a version timed between the article's time and the correction's arrival as newer", () => {
    const first = stored({
      documentHash: "v2",
      updatedMs: NOW,
      history: { sourceMs: T, hashes: ["v1"] },
    });
    const change = decideChange(incoming(T + MINUTE), "v3", first, NOW + MINUTE);
    expect(change).toMatchObject({
      status: "updated",
      entry: { updatedMs: NOW + MINUTE },
      history: { sourceMs: T + MINUTE },
    });
  });

  it("keeps the stored version over an older time, or a version it replaced sent again", () => {
    const first = stored({
      documentHash: "v2",
      updatedMs: NOW,
      history: { sourceMs: T, hashes: ["v1"] },
    });
    for (const [time, hash] of [
      [T - MINUTE, "v0"],
      [T, "v1"],
    ] as const)
      expect(decideChange(incoming(time), hash, first, NOW)).toEqual({
        status: "unchanged",
        note: "a newer version of this article is stored",
      });
    expect(decideChange(incoming(T), "v2", first, NOW)).toEqual({ status: "unchanged" });
  });

  it("takes a later time as the entry's updated time, and keeps the last HISTORY_HASHES hashes", () => {
    const hashes = Array.from({ length: HISTORY_HASHES }, (_, i) => `old${i}`);
    const long = stored({ documentHash: "v9", history: { sourceMs: T, hashes } });
    const change = decideChange(incoming(T + 5 * MINUTE), "v10", long, NOW);
    expect(change).toMatchObject({ status: "updated", entry: { updatedMs: T + 5 * MINUTE } });
    if (change.status !== "updated") throw new Error("not updated");
    expect(change.history.hashes).toHaveLength(HISTORY_HASHES);
    expect(change.history.hashes.at(-1)).toBe("v9");
    expect(change.history.hashes[0]).toBe("old1");
  });
});
