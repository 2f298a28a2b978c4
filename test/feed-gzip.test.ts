/**
 * Feeds' gzip bodies joined from their entries' pieces compressed once (src/pieces.ts, src/gzip-join.ts):
 * what a reader's decoder makes of them, and the ETags every publish path gives them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FEED_PATHS, readSiteConfig } from "../src/config.js";
import type { Entry } from "../src/entry.js";
import { EdgefeedError } from "../src/errors.js";
import { packPiece, unpackPiece } from "../src/pieces.js";
import { convertDocument } from "../src/pipeline.js";
import {
  compressEntryPieces,
  type EntryPieces,
  type PreparedDocument,
  piecesFromCompressed,
  prepareDocuments,
  renderEntryPieces,
  renderFeedDocuments,
  renderSite,
} from "../src/publish.js";
import { renderAtom } from "../src/render/atom.js";
import { describeFeed } from "../src/render/feed-info.js";
import { renderJson } from "../src/render/json.js";
import { renderRss } from "../src/render/rss.js";

const pako = createRequire(import.meta.url)("pako") as { ungzip(data: Uint8Array): Uint8Array };

const config = readSiteConfig({
  SITE_URL: "https://news.example/",
  FEED_TITLE: "Example archive",
  FEED_LANGUAGE: "zh-Hans",
  FEED_ENTRIES: "50",
});
/** 2021-12-15T18:57:46Z, the seed's time. */
const T0 = 1_639_594_666_000;
const HOUR = 3_600_000;

/** Entries from the repository's seed, article n published n hours after it, newest first. */
function entries(count: number): Entry[] {
  const seed = "seeds/000_2cee1c3ee14bd78d.txt";
  const entry = convertDocument(readFileSync(seed), seed);
  return Array.from({ length: count }, (_, i) => count - i).map((n) => ({
    ...entry,
    id: `${entry.id}?n=${n}`,
    link: `${entry.link}?n=${n}`,
    title: `${entry.title} (${n})`,
    publishedMs: T0 + n * HOUR,
    updatedMs: T0 + n * HOUR,
  }));
}

function render(list: readonly Entry[], pieces: readonly EntryPieces[]) {
  return renderFeedDocuments(pieces, describeFeed(config, list), FEED_PATHS);
}

async function publish(list: readonly Entry[], pieces: readonly EntryPieces[]) {
  return prepareDocuments(render(list, pieces), { encodings: ["gzip"] });
}

function variant(doc: PreparedDocument | undefined, encoding: string) {
  const found = doc?.variants.find((v) => v.encoding === encoding);
  if (!found) throw new Error(`no ${encoding} variant of ${doc?.path}`);
  return found;
}

describe("a feed's gzip body joined from its entries' compressed pieces", () => {
  const list = entries(12);
  const plain = list.map((entry) => renderEntryPieces(entry, config));

  it("decodes, with zlib, pako and DecompressionStream, to exactly the identity body", async () => {
    const pieces = await Promise.all(
      plain.map(async (p) => ({ ...p, compressed: await compressEntryPieces(p) })),
    );
    const docs = await publish(list, pieces);
    const texts = render(list, pieces).map((d) => d.body);
    for (const [i, doc] of docs.entries()) {
      const identity = texts[i] ?? "";
      const bytes = new TextEncoder().encode(identity);
      // Large enough to be joined, not compressed whole: only the gzip body is stored, and the
      // identity form is decoded from it when a client asks (its size is still known, for HEAD).
      expect(bytes.length, doc.path).toBeGreaterThan(64 * 1024);
      expect(variant(doc, "identity"), doc.path).toMatchObject({
        decodedFrom: "gzip",
        size: bytes.length,
      });
      expect(variant(doc, "identity").bytes, doc.path).toBeUndefined();
      const gzip = variant(doc, "gzip").bytes ?? new Uint8Array();
      expect(new TextDecoder().decode(gunzipSync(gzip)), doc.path).toBe(identity);
      expect(new TextDecoder().decode(pako.ungzip(gzip)), doc.path).toBe(identity);
      const stream = new Blob([gzip]).stream().pipeThrough(new DecompressionStream("gzip"));
      expect(await new Response(stream).text(), doc.path).toBe(identity);
      // Each piece compresses on its own (this seed's Chinese text to about 44 %).
      expect(gzip.length, doc.path).toBeLessThan(bytes.length / 2);
    }
  });

  it("has the same ETags and gzip bytes whether its pieces were compressed at ingest or now", async () => {
    const stored = await publish(
      list,
      await Promise.all(
        plain.map(async (p) => ({ ...p, compressed: await compressEntryPieces(p) })),
      ),
    );
    const fresh = await publish(list, plain);
    expect(fresh.map((d) => d.variants.map((v) => v.etag))).toEqual(
      stored.map((d) => d.variants.map((v) => v.etag)),
    );
    fresh.forEach((doc, i) => {
      expect(variant(doc, "gzip").bytes).toEqual(variant(stored[i], "gzip").bytes);
    });
  });

  it("gets a new ETag in every format when one entry changes, and keeps it when nothing does", async () => {
    const before = await publish(list, plain);
    const again = await publish(list, plain);
    const changed = list.map((entry, i) =>
      i === 5 ? { ...entry, summary: `${entry.summary} Corrected.` } : entry,
    );
    const after = await publish(
      changed,
      changed.map((entry) => renderEntryPieces(entry, config)),
    );
    expect(again.map((d) => d.hash)).toEqual(before.map((d) => d.hash));
    after.forEach((doc, i) => {
      expect(doc.hash, doc.path).not.toBe(before[i]?.hash);
    });
  });
});

describe("prepareDocuments: what is stored of a document", () => {
  const list = entries(3);
  const site = renderSite(list, config);

  it("stores no identity body beside a gzip one, small feeds and the index page included", async () => {
    for (const doc of await prepareDocuments(site, { encodings: ["gzip"] })) {
      const text = site.find((d) => d.path === doc.path)?.body ?? "";
      expect(variant(doc, "identity"), doc.path).toMatchObject({
        decodedFrom: "gzip",
        size: new TextEncoder().encode(text).length,
      });
      expect(variant(doc, "identity").bytes, doc.path).toBeUndefined();
      const gzip = variant(doc, "gzip").bytes ?? new Uint8Array();
      expect(new TextDecoder().decode(gunzipSync(gzip)), doc.path).toBe(text);
    }
    // Without gzip, identity is the body stored.
    const [plainOnly] = await prepareDocuments(site.slice(0, 1), { encodings: [] });
    expect(variant(plainOnly, "identity").bytes?.length).toBeGreaterThan(0);
  });

  it("takes the live variants of a document whose content is unchanged, and compresses nothing", async () => {
    const [first] = await prepareDocuments(site, { encodings: ["gzip"] });
    const live = first?.variants.map(({ bytes: _, ...rest }) => rest) ?? [];
    const asked: string[] = [];
    const again = await prepareDocuments(site, {
      encodings: ["gzip"],
      unchanged: (path, hash) => {
        asked.push(path);
        return path === first?.path && hash === first.hash ? live : undefined;
      },
    });
    // Every document is asked about once; documents are prepared concurrently, in no set order.
    expect([...asked].sort()).toEqual(site.map((d) => d.path).sort());
    expect(again[0]?.variants).toBe(live);
    expect(again[0]?.hash).toBe(first?.hash);
    // The others were not the live ones: compressed as ever.
    expect(variant(again[1], "gzip").bytes?.length).toBeGreaterThan(0);
  });
});

describe("pieces held only compressed (piecesFromCompressed)", () => {
  const list = entries(12);
  const plain = list.map((entry) => renderEntryPieces(entry, config));

  it("are framed as each format's renderer frames them, for any number of entries", () => {
    for (const count of [0, 1, 12]) {
      const some = list.slice(0, count);
      const info = describeFeed(config, some);
      const texts = plain.slice(0, count);
      expect(render(some, texts).map((d) => d.body)).toEqual([
        renderAtom(
          texts.map((p) => p.atom),
          info,
        ),
        renderRss(
          texts.map((p) => p.rss),
          info,
        ),
        renderJson(
          texts.map((p) => p.json),
          info,
        ),
      ]);
    }
  });

  it("give back each text exactly, the JSON item unindented as it was rendered", async () => {
    for (const pieces of plain) {
      const held = piecesFromCompressed(await compressEntryPieces(pieces));
      expect([held.atom, held.rss, held.json]).toEqual([pieces.atom, pieces.rss, pieces.json]);
    }
  });

  it("publish feeds with the same bodies, ETags and gzip bytes as pieces with their texts", async () => {
    const held = await Promise.all(
      plain.map(async (p) => piecesFromCompressed(await compressEntryPieces(p))),
    );
    expect(render(list, held).map((d) => d.body)).toEqual(render(list, plain).map((d) => d.body));
    const fromHeld = await publish(list, held);
    const fromPlain = await publish(list, plain);
    expect(fromHeld.map((d) => d.variants.map((v) => v.etag))).toEqual(
      fromPlain.map((d) => d.variants.map((v) => v.etag)),
    );
    fromHeld.forEach((doc, i) => {
      expect(variant(doc, "gzip").bytes).toEqual(variant(fromPlain[i], "gzip").bytes);
    });
    // A small feed is compressed whole from its text, inflated for it.
    const [first] = held;
    if (!first) throw new Error("no pieces");
    const small = await publish(list.slice(0, 1), [first]);
    const smallPlain = await publish(list.slice(0, 1), plain.slice(0, 1));
    expect(small.map((d) => variant(d, "identity").bytes)).toEqual(
      smallPlain.map((d) => variant(d, "identity").bytes),
    );
  });

  it("are never inflated by a publish that joins them: a large feed reads no text", async () => {
    const compressed = await Promise.all(plain.map((p) => compressEntryPieces(p)));
    let reads = 0;
    const counted = compressed.map((c): EntryPieces => {
      const held = piecesFromCompressed(c);
      return {
        compressed: c,
        textsFromCompressed: true,
        get atom() {
          reads++;
          return held.atom;
        },
        get rss() {
          reads++;
          return held.rss;
        },
        get json() {
          reads++;
          return held.json;
        },
      };
    });
    const docs = await publish(list, counted);
    expect(docs.every((d) => variant(d, "identity").decodedFrom === "gzip")).toBe(true);
    expect(reads).toBe(0);
  });
});

describe("a publish's JSON Feed parts", () => {
  it("know a lower bound of their length without indenting their items", () => {
    for (const count of [1, 3]) {
      const list = entries(count);
      const doc = render(
        list,
        list.map((entry) => renderEntryPieces(entry, config)),
      ).find((d) => d.path.endsWith(".json"));
      const parts = doc?.parts;
      if (parts?.minLength === undefined) throw new Error("JSON parts without a lower bound");
      const bound = parts.minLength;
      let length = parts.head.length + parts.tail.length;
      for (const piece of parts.pieces) length += piece.length + parts.separator.length;
      expect(bound).toBeLessThanOrEqual(length);
      // Close to it: indenting adds a few characters per line, and items have few lines.
      expect(bound).toBeGreaterThan(length * 0.9);
    }
  });
});

describe("packPiece / unpackPiece", () => {
  it("read back the piece they stored, and name the piece they cannot read", async () => {
    const [entry] = entries(1);
    if (!entry) throw new Error("no entry");
    const compressed = await compressEntryPieces(renderEntryPieces(entry, config));
    expect(unpackPiece(packPiece(compressed.rss), "entry 1 rss")).toEqual(compressed.rss);
    expect(() => unpackPiece("AAAA", "entry 1 rss")).toThrow(EdgefeedError);
    expect(() => unpackPiece("AAAA", "entry 1 rss")).toThrow(
      /^entry 1 rss: .*fewer than its header/,
    );
  });
});
