/**
 * The `feed` package as an independent oracle: for the fields both can express, our renderers must say
 * what `feed` says. Also pins the gaps that made us render ourselves (README, "Why our own renderers"):
 * when `feed` closes them, these tests fail and tell us to look again.
 */
import { readFileSync } from "node:fs";
import { Feed } from "feed";
import { beforeAll, describe, expect, it } from "vitest";
import { readSiteConfig } from "../src/config.js";
import type { Entry } from "../src/entry.js";
import { convertDocument } from "../src/pipeline.js";
import { renderSite } from "../src/publish.js";
import { parseWithFeedsmith } from "./helpers/feeds.js";

const config = readSiteConfig({
  SITE_URL: "https://news.example/",
  FEED_TITLE: "Archive",
  FEED_LANGUAGE: "en",
});

function doc(ms: number, title: string, url: string, body: string): string {
  return `<!--${ms}-->\n[${title}](${url})\n------\n${body}`;
}

let entries: Entry[];

beforeAll(() => {
  entries = [
    convertDocument(readFileSync("seeds/000_2cee1c3ee14bd78d.txt"), "seed"),
    convertDocument(
      doc(
        1700000000000,
        "Second story",
        "https://news.example/2",
        '<p class="byline">By Ann Lee</p><p>Text.</p>',
      ),
      "b",
    ),
  ];
});

function renderWithFeedPackage(list: readonly Entry[]): Feed {
  const feed = new Feed({
    id: config.siteUrl,
    title: config.title,
    link: config.siteUrl,
    updated: new Date(list[0]?.updatedMs ?? 0),
    feedLinks: { atom: `${config.siteUrl}feed.atom`, rss: `${config.siteUrl}feed.rss` },
    generator: false,
  });
  for (const e of list) {
    feed.addItem({
      id: e.id,
      title: e.title,
      link: e.link,
      date: new Date(e.updatedMs),
      published: new Date(e.publishedMs),
      description: e.summary,
      content: e.contentHtml,
      author: e.authors.map((p) => ({ name: p.name })),
      category: e.categories.map((c) => ({ name: c.label, term: c.term })),
    });
  }
  return feed;
}

describe("our Atom and RSS against the feed package's", () => {
  it("agree on ids, titles, links, times, authors, categories and content", () => {
    const ours = Object.fromEntries(renderSite(entries, config).map((d) => [d.path, d.body]));
    const theirs = renderWithFeedPackage(entries);

    const a = parseWithFeedsmith(ours["feed.atom"] as string);
    const b = parseWithFeedsmith(theirs.atom1());
    if (a.format !== "atom" || b.format !== "atom") throw new Error("not Atom");
    const pick = (e: NonNullable<typeof a.feed.entries>[number]) => ({
      id: e.id,
      title: typeof e.title === "object" ? e.title?.value : e.title,
      link: e.links?.find((l) => l.rel === "alternate" || l.rel === undefined)?.href,
      published: Date.parse(e.published ?? ""),
      updated: Date.parse(e.updated ?? ""),
      authors: e.authors?.map((p) => p.name) ?? [],
      categories: e.categories?.map((c) => c.term),
      content: typeof e.content === "object" ? e.content?.value : e.content,
    });
    expect(a.feed.entries?.map(pick)).toEqual(b.feed.entries?.map(pick));

    const r = parseWithFeedsmith(ours["feed.rss"] as string);
    const s = parseWithFeedsmith(theirs.rss2());
    if (r.format !== "rss" || s.format !== "rss") throw new Error("not RSS");
    const pickItem = (i: NonNullable<typeof r.feed.items>[number]) => ({
      title: i.title,
      link: i.link,
      guid: i.guid?.value,
      pubDate: Date.parse(i.pubDate ?? ""),
      content: i.content?.encoded,
      categories: i.categories?.map((c) => c.name),
    });
    expect(r.feed.items?.map(pickItem)).toEqual(s.feed.items?.map(pickItem));
  });
});

/** A one-item feed of the `feed` package, for pinning its behaviour. */
function tinyFeed(): Feed {
  return new Feed({ id: "x", title: "x", link: "https://x.example/", updated: new Date(0) });
}
const TINY_ITEM = { title: "t", link: "https://x.example/a", date: new Date(0) };

describe("why edgefeed does not emit the feed package's output", () => {
  it("feed writes JSON Feed 1.0, not 1.1", () => {
    expect(JSON.parse(renderWithFeedPackage(entries).json1()).version).toBe(
      "https://jsonfeed.org/version/1",
    );
  });

  it("feed types a .jpg enclosure as image/jpg, which no registry defines", () => {
    const feed = tinyFeed();
    feed.addItem({
      ...TINY_ITEM,
      image: "https://x.example/a.jpg",
    });
    expect(feed.rss2()).toContain('type="image/jpg"');
  });

  it("feed reads `&amp;` in text as `&`, changing what the author wrote", () => {
    const feed = tinyFeed();
    feed.addItem({
      ...TINY_ITEM,
      description: "<b>",
    });
    feed.addCategory("Fish &amp; Chips");
    const parsed = parseWithFeedsmith(feed.rss2());
    if (parsed.format !== "rss") throw new Error("not RSS");
    expect(parsed.feed.categories?.[0]?.name).toBe("Fish & Chips");
  });
});
