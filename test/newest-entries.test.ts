import { describe, expect, it } from "vitest";
import { NewestEntries } from "../src/cli/newest-entries.js";
import { compareEntries, type Entry } from "../src/entry.js";

/** An entry with only what orders it filled in. */
function entry(id: string, publishedMs: number): Entry {
  return {
    id,
    title: id,
    link: id,
    publishedMs,
    updatedMs: publishedMs,
    summary: "",
    contentHtml: "<p>x</p>",
    authors: [],
    contributors: [],
    categories: [],
    images: [],
    source: `${id}.txt`,
  };
}

describe("NewestEntries", () => {
  it("keeps the n newest of entries offered in any order, ordered as the archive orders them", () => {
    // Equal times (ordered by id), times out of order, and more entries than it keeps.
    const all = Array.from({ length: 40 }, (_, i) =>
      entry(`https://x.example/${(i * 7) % 40}`, 1_600_000_000_000 + ((i * 13) % 17) * 1000),
    );
    const kept = new NewestEntries(10);
    for (const e of all) kept.offer(e);
    expect(kept.entries).toEqual([...all].sort(compareEntries).slice(0, 10));
  });

  it("keeps nothing when asked to keep nothing", () => {
    const kept = new NewestEntries(0);
    kept.offer(entry("https://x.example/a", 1));
    expect(kept.entries).toEqual([]);
  });
});
