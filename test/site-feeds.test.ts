/**
 * The feed documents only the worker's site publishes — RFC 5005 archive pages, category feeds, the
 * subscription feed with RFC 6721 tombstones, and every one of them naming a WebSub hub — checked as
 * their consumers check them: RFC 4287's schema, well-formedness, two feed parsers, JSON Feed 1.1.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { FEED_PATHS, readSiteConfig } from "../src/config.js";
import type { Entry } from "../src/entry.js";
import { convertDocument } from "../src/pipeline.js";
import { renderEntryPieces, renderFeedDocuments, type SiteDocument } from "../src/publish.js";
import { feedPaths } from "../src/render/feed-info.js";
import {
  describeArchivePage,
  describeCategoryFeed,
  describeSubscriptionFeed,
} from "../src/site.js";
import {
  atomSchemaErrors,
  jsonFeed11Problems,
  parseWithFeedsmith,
  parseWithRowanmanning,
  xmlWellFormednessError,
} from "./helpers/feeds.js";

const HUB = "https://hub.example/";
const SITE = "https://news.example/";
const config = readSiteConfig({
  SITE_URL: SITE,
  FEED_TITLE: "Example archive",
  FEED_LANGUAGE: "zh-Hans",
  FEED_ENTRIES: "3",
  WEBSUB_HUB: HUB,
});
/** 2021-12-15T18:57:46Z, the seed's time. */
const T0 = 1_639_594_666_000;
const HOUR = 3_600_000;
const DELETED = [
  { id: "https://source.example/gone/1.html", deletedMs: T0 + 10 * HOUR },
  { id: "https://source.example/gone/2.html", deletedMs: T0 + 11 * HOUR },
];

/** Three entries from the repository's seed: article n, n hours after it, newest first. */
function entries(): Entry[] {
  const seed = "seeds/000_2cee1c3ee14bd78d.txt";
  const entry = convertDocument(readFileSync(seed), seed);
  return [3, 2, 1].map((n) => ({
    ...entry,
    id: `${entry.id}?n=${n}`,
    link: `${entry.link}?n=${n}`,
    publishedMs: T0 + n * HOUR,
    updatedMs: T0 + n * HOUR,
  }));
}

/** Every document by path: subscription feed, archive pages 1–3 of 3, a category feed. */
let docs: Map<string, string>;

beforeAll(() => {
  const list = entries();
  const pieces = list.map((entry) => renderEntryPieces(entry, config));
  const all: SiteDocument[] = [
    ...renderFeedDocuments(pieces, describeSubscriptionFeed(config, list, 3, DELETED), FEED_PATHS),
    ...[1, 2, 3].flatMap((page) =>
      renderFeedDocuments(
        pieces,
        describeArchivePage(config, list, page, 3),
        feedPaths(`archive/${page}`),
      ),
    ),
    ...renderFeedDocuments(
      pieces,
      describeCategoryFeed(config, list, { slug: "junshiwaijiao", label: "军事外交" }),
      feedPaths("category/junshiwaijiao"),
    ),
  ];
  docs = new Map(all.map((doc) => [doc.path, doc.body]));
});

const NAMES = ["feed", "archive/1", "archive/2", "archive/3", "category/junshiwaijiao"];
const body = (path: string): string => docs.get(path) ?? "";

describe("the site's feed documents in Atom", () => {
  it("are valid against RFC 4287's schema: tombstones, fh:archive and hub links included", async () => {
    const atom = NAMES.map((name) => body(`${name}.atom`));
    for (const xml of atom) expect(xmlWellFormednessError(xml)).toBeUndefined();
    expect(await atomSchemaErrors(atom)).toEqual([]);
  });

  it("the subscription feed announces each removal with an at:deleted-entry, which no parser takes for an entry", () => {
    const xml = body("feed.atom");
    for (const gone of DELETED)
      expect(xml).toContain(
        `<at:deleted-entry ref="${gone.id}" when="${new Date(gone.deletedMs).toISOString().replace(".000", "")}"/>`,
      );
    const a = parseWithFeedsmith(xml);
    expect(a.format).toBe("atom");
    if (a.format !== "atom") return;
    expect(a.feed.entries?.map((e) => e.id)).toEqual(entries().map((e) => e.id));
    expect(parseWithRowanmanning(xml).items.map((item) => item.id)).toEqual(
      entries().map((e) => e.id),
    );
  });

  it.each(NAMES)(
    "%s.atom names the hub, itself and its history links, as both parsers read them",
    (name) => {
      const xml = body(`${name}.atom`);
      const a = parseWithFeedsmith(xml);
      expect(a.format).toBe("atom");
      if (a.format !== "atom") return;
      const links = Object.fromEntries((a.feed.links ?? []).map((l) => [l.rel ?? "", l.href]));
      expect(links.hub).toBe(HUB);
      expect(links.self).toBe(`${SITE}${name}.atom`);
      expect(a.feed.entries).toHaveLength(3);
      const b = parseWithRowanmanning(xml);
      expect(b.self).toBe(`${SITE}${name}.atom`);
      expect(b.items).toHaveLength(3);
    },
  );

  it("archive pages link their neighbours and the subscription feed; the subscription feed the newest page", () => {
    const rels = (name: string) => {
      const a = parseWithFeedsmith(body(`${name}.atom`));
      if (a.format !== "atom") throw new Error(`${name}.atom is not Atom`);
      return Object.fromEntries(
        (a.feed.links ?? [])
          .filter((l) => ["current", "prev-archive", "next-archive"].includes(l.rel ?? ""))
          .map((l) => [l.rel, l.href]),
      );
    };
    expect(rels("feed")).toEqual({ "prev-archive": `${SITE}archive/3.atom` });
    expect(rels("archive/1")).toEqual({
      current: `${SITE}feed.atom`,
      "next-archive": `${SITE}archive/2.atom`,
    });
    expect(rels("archive/2")).toEqual({
      current: `${SITE}feed.atom`,
      "prev-archive": `${SITE}archive/1.atom`,
      "next-archive": `${SITE}archive/3.atom`,
    });
    expect(body("archive/3.atom")).toContain("<fh:archive/>");
    expect(body("feed.atom")).not.toContain("<fh:archive/>");
    expect(body("category/junshiwaijiao.atom")).toContain(
      `<id>${SITE}category/junshiwaijiao.atom</id>`,
    );
  });
});

describe("the site's feed documents in RSS", () => {
  it.each(NAMES)(
    "%s.rss is well-formed and both parsers read its items, self and hub links",
    (name) => {
      const xml = body(`${name}.rss`);
      expect(xmlWellFormednessError(xml)).toBeUndefined();
      const a = parseWithFeedsmith(xml);
      expect(a.format).toBe("rss");
      if (a.format !== "rss") return;
      expect(a.feed.items).toHaveLength(3);
      const links = Object.fromEntries(
        (a.feed.atom?.links ?? []).map((l) => [l.rel ?? "", l.href]),
      );
      expect(links.self).toBe(`${SITE}${name}.rss`);
      expect(links.hub).toBe(HUB);
      const b = parseWithRowanmanning(xml);
      expect(b.items.map((item) => item.url)).toEqual(entries().map((e) => e.link));
    },
  );
});

describe("the site's feed documents in JSON Feed", () => {
  it.each(NAMES)("%s.json is JSON Feed 1.1 naming the hub", (name) => {
    const feed = JSON.parse(body(`${name}.json`)) as Record<string, unknown>;
    expect(jsonFeed11Problems(feed)).toEqual([]);
    expect(feed.feed_url).toBe(`${SITE}${name}.json`);
    expect(feed.hubs).toEqual([{ type: "WebSub", url: HUB }]);
    expect(feed.items).toHaveLength(3);
  });

  it("pages back through the archive with next_url, from the subscription feed to the first page", () => {
    const next = (name: string) =>
      (JSON.parse(body(`${name}.json`)) as { next_url?: string }).next_url;
    expect(next("feed")).toBe(`${SITE}archive/3.json`);
    expect(next("archive/3")).toBe(`${SITE}archive/2.json`);
    expect(next("archive/2")).toBe(`${SITE}archive/1.json`);
    expect(next("archive/1")).toBeUndefined();
  });
});
