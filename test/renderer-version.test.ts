/**
 * Stored pieces are rendered again only when their render key changes, and the key changes with
 * RENDERER_VERSION (or the fallback author). A renderer whose output changed without a new version
 * would leave every stored entry in its old form, on every deployed site, until the entry itself
 * changed. This test notices such a change: the digest of the pieces of a few entries is recorded
 * beside the version that renders them.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readSiteConfig } from "../src/config.js";
import type { Entry } from "../src/entry.js";
import { convertDocument } from "../src/pipeline.js";
import { renderEntryPieces } from "../src/publish.js";
import { RENDERER_VERSION } from "../src/site.js";

/** The version and the digest of the fixtures' pieces it renders; both change together. */
const RENDERED = {
  version: 1,
  digest: "36459b8555bf7041d6979005fea9b8e2509d462a5c1cbb2ae3e4d37d1ad597aa",
};

const config = readSiteConfig({
  SITE_URL: "https://news.example/",
  FEED_TITLE: "Example archive",
  FEED_AUTHOR: "The desk",
});

/** The seed's entry, and one that sets every field a piece shows, with text that needs escaping. */
function fixtures(): Entry[] {
  const seedFile = "seeds/000_2cee1c3ee14bd78d.txt";
  const seed = convertDocument(readFileSync(seedFile), seedFile);
  const full: Entry = {
    id: "https://source.example/a?b=1&c=2",
    link: "https://source.example/a?b=1&c=2",
    title: `Quotes "q" & <tags> ]]> 'apostrophes'`,
    publishedMs: Date.UTC(2021, 11, 15, 18, 57, 46),
    updatedMs: Date.UTC(2021, 11, 16, 8, 0, 0),
    summary: "A summary with < and & and ]]>.",
    contentHtml: `<p>HTML with a ]]> inside, <a href="https://x.example/?a=1&amp;b=2">a link</a>.</p>`,
    authors: [{ name: "A. Reporter" }, { name: "记者" }],
    contributors: [{ name: "An Editor" }],
    categories: [{ term: "world", label: "World & Politics", scheme: "https://source.example/" }],
    images: [
      { url: "https://img.example/1.jpg", type: "image/jpeg", caption: "A caption" },
      { url: "https://img.example/2" },
    ],
    language: "en",
    source: "seeds/full.txt",
  };
  const bare: Entry = {
    ...full,
    id: `${full.id}&bare`,
    authors: [],
    contributors: [],
    categories: [],
    images: [],
  };
  return [seed, full, bare];
}

describe("RENDERER_VERSION", () => {
  it("changes whenever the pieces' output does (bump it in src/site.ts, then record the new digest here)", () => {
    const hash = createHash("sha256");
    for (const entry of fixtures()) {
      const pieces = renderEntryPieces(entry, config);
      for (const text of [pieces.atom, pieces.rss, pieces.json]) hash.update(`${text}\u0000`);
    }
    expect({ version: RENDERER_VERSION, digest: hash.digest("hex") }).toEqual(RENDERED);
  });
});
