import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readSiteConfig } from "../src/config.js";
import type { Entry } from "../src/entry.js";
import { convertDocument } from "../src/pipeline.js";
import { renderSite } from "../src/publish.js";
import {
  atomSchemaErrors,
  jsonFeed11Problems,
  parseJsonWithFeedExtractor,
  parseWithFeedsmith,
  parseWithRowanmanning,
  xmlWellFormednessError,
} from "./helpers/feeds.js";

const SEED = "seeds/000_2cee1c3ee14bd78d.txt";
const ARTICLE = "https://www.rfa.org/mandarin/yataibaodao/junshiwaijiao/al-12152021134711.html";
const IMAGE_1 = `${ARTICLE}/ap21347363860099.jpg/@@images/f1ecd2d3-f983-47fa-b2be-41f682ab0eec.jpeg`;
const IMAGE_2 = `${ARTICLE}/ap21349361664657.jpg/@@images/161ed9a6-07cc-419c-a7a2-b4b1488c0a5a.jpeg`;
const CAPTION = "中国国家主席习近平2021年12月15日与俄罗斯总统普京举行了视频会晤。（美联社）";
const TITLE = "西方围堵下中俄“抱团取暖” 两国结盟可行吗？";

const config = readSiteConfig({
  SITE_URL: "https://news.example/archive/",
  FEED_TITLE: "Example archive",
  FEED_DESCRIPTION: "Test archive",
  FEED_LANGUAGE: "zh-Hans",
  FEED_AUTHOR: "Archive desk",
});

let entry: Entry;
let feeds: Record<string, string>;

beforeAll(() => {
  entry = convertDocument(readFileSync(SEED), SEED);
  feeds = Object.fromEntries(renderSite([entry], config).map((doc) => [doc.path, doc.body]));
});

describe("the seed document's entry", () => {
  it("carries the title, link, time, author, categories and language the document tells", () => {
    expect(entry.title).toBe(TITLE);
    expect(entry.link).toBe(ARTICLE);
    expect(new Date(entry.publishedMs).toISOString()).toBe("2021-12-15T18:57:46.000Z");
    expect(entry.authors).toEqual([{ name: "吕熙" }]);
    expect(entry.contributors.map((p) => p.name)).toEqual(["嘉远", "郭度"]);
    expect(entry.categories.map((c) => [c.term, c.label])).toEqual([
      ["yataibaodao", "亚太报道"],
      ["junshiwaijiao", "军事外交"],
    ]);
    expect(entry.language).toBe("zh-Hans");
  });

  it("lists both figures as absolute https images with their captions, and not the zoom icon", () => {
    expect(entry.images).toEqual([
      { url: IMAGE_1, type: "image/jpeg", caption: CAPTION },
      { url: IMAGE_2, type: "image/jpeg", caption: CAPTION },
    ]);
    expect(entry.contentHtml).not.toContain("icon-zoom");
    expect(entry.contentHtml).not.toContain("zoomattribute");
    expect(entry.contentHtml).not.toContain("fancybox");
  });

  it("keeps figures with captions, lists and links, and drops styles, classes, ids and empty paragraphs", () => {
    expect(entry.contentHtml.match(/<figure>/g)).toHaveLength(2);
    expect(entry.contentHtml).toContain(`<figcaption>${CAPTION}</figcaption>`);
    expect(entry.contentHtml).toContain(
      '<a href="https://www.rfa.org/mandarin/Xinwen/1-12152021104744.html">',
    );
    expect(entry.contentHtml).toMatch(/<ul><li>/);
    expect(entry.contentHtml).not.toMatch(/\s(style|class|id)=/);
    expect(entry.contentHtml).not.toContain("<p></p>");
    expect(entry.contentHtml).not.toContain("<small>");
    // The figure is lifted out of the <p><strong> the site wrapped it in.
    expect(entry.contentHtml).not.toMatch(/<strong><figure>/);
  });

  it("loads images without a Referer, lazily", () => {
    const imgs = entry.contentHtml.match(/<img [^>]*>/g) ?? [];
    expect(imgs).toHaveLength(2);
    for (const img of imgs) {
      expect(img).toContain('referrerpolicy="no-referrer"');
      expect(img).toContain('loading="lazy"');
    }
  });

  it("summarizes with the lead paragraph, cut near 200 characters with an ellipsis", () => {
    expect(entry.summary.startsWith("中俄两国领导人周三(15日)举行视频会晤")).toBe(true);
    expect(entry.summary.endsWith("…")).toBe(true);
    expect([...entry.summary].length).toBeLessThanOrEqual(201);
    expect(entry.summary).not.toContain("<");
  });
});

describe("the seed's Atom feed", () => {
  it("is valid against the RFC 4287 RELAX NG schema", async () => {
    expect(xmlWellFormednessError(feeds["feed.atom"] as string)).toBeUndefined();
    expect(await atomSchemaErrors(feeds["feed.atom"] as string)).toEqual([]);
  });

  it("reads the same in two independent parsers", () => {
    const xml = feeds["feed.atom"] as string;
    const a = parseWithFeedsmith(xml);
    expect(a.format).toBe("atom");
    if (a.format !== "atom") return;
    const e = a.feed.entries?.[0];
    expect(e?.title).toEqual({ type: "text", value: TITLE });
    expect(e?.id).toBe(ARTICLE);
    expect(e?.published).toBe("2021-12-15T18:57:46Z");
    expect(e?.updated).toBe("2021-12-15T18:57:46Z");
    expect(e?.authors?.[0]?.name).toBe("吕熙");
    expect(e?.categories?.map((c) => c.label)).toEqual(["亚太报道", "军事外交"]);
    const enclosures = e?.links?.filter((l) => l.rel === "enclosure");
    expect(enclosures?.map((l) => [l.href, l.type, l.title])).toEqual([
      [IMAGE_1, "image/jpeg", CAPTION],
      [IMAGE_2, "image/jpeg", CAPTION],
    ]);

    const b = parseWithRowanmanning(xml);
    expect(b.language).toBe("zh-Hans");
    expect(b.title).toBe("Example archive");
    expect(b.self).toBe("https://news.example/archive/feed.atom");
    const item = b.items[0];
    expect(item?.title).toBe(TITLE);
    expect(item?.url).toBe(ARTICLE);
    expect(item?.published?.toISOString()).toBe("2021-12-15T18:57:46.000Z");
    expect(item?.authors.map((p) => p.name)).toEqual(["吕熙"]);
    expect(item?.media.map((m) => [m.url, m.mimeType, m.title])).toEqual([
      [IMAGE_1, "image/jpeg", CAPTION],
      [IMAGE_2, "image/jpeg", CAPTION],
    ]);
    expect(item?.content).toBe(entry.contentHtml);
  });

  it("says the entry's language with xml:lang, and the feed's own links and time", () => {
    const xml = feeds["feed.atom"] as string;
    expect(xml).toContain('<entry xml:lang="zh-Hans">');
    expect(xml).toContain(
      '<link rel="self" type="application/atom+xml" href="https://news.example/archive/feed.atom"/>',
    );
    expect(xml).toContain(
      '<link rel="alternate" type="application/rss+xml" href="https://news.example/archive/feed.rss"/>',
    );
    expect(xml).toContain(
      '<link rel="alternate" type="application/feed+json" href="https://news.example/archive/feed.json"/>',
    );
    expect(xml).toContain("<updated>2021-12-15T18:57:46Z</updated>");
  });
});

describe("the seed's RSS feed", () => {
  it("reads the same in two independent parsers, with the lead enclosure and every image as Media RSS", () => {
    const xml = feeds["feed.rss"] as string;
    expect(xmlWellFormednessError(xml)).toBeUndefined();
    const a = parseWithFeedsmith(xml);
    expect(a.format).toBe("rss");
    if (a.format !== "rss") return;
    expect(a.feed.language).toBe("zh-Hans");
    expect(a.feed.atom?.links?.[0]).toMatchObject({
      rel: "self",
      href: "https://news.example/archive/feed.rss",
    });
    const item = a.feed.items?.[0];
    expect(item?.title).toBe(TITLE);
    expect(item?.link).toBe(ARTICLE);
    expect(item?.guid).toEqual({ value: ARTICLE, isPermaLink: true });
    expect(item?.pubDate).toBe("Wed, 15 Dec 2021 18:57:46 +0000");
    expect(item?.dc?.creators).toEqual(["吕熙"]);
    expect(item?.categories?.map((c) => c.name)).toEqual(["亚太报道", "军事外交"]);
    expect(item?.enclosures).toEqual([{ url: IMAGE_1, length: 0, type: "image/jpeg" }]);
    expect(item?.media?.contents?.map((m) => [m.url, m.type, m.description?.value])).toEqual([
      [IMAGE_1, "image/jpeg", CAPTION],
      [IMAGE_2, "image/jpeg", CAPTION],
    ]);
    expect(item?.media?.thumbnails?.[0]?.url).toBe(IMAGE_1);
    expect(item?.content?.encoded).toBe(entry.contentHtml);

    const b = parseWithRowanmanning(xml);
    const other = b.items[0];
    expect(other?.title).toBe(TITLE);
    expect(other?.published?.toISOString()).toBe("2021-12-15T18:57:46.000Z");
    expect(other?.authors.map((p) => p.name)).toEqual(["吕熙"]);
    expect(other?.media.map((m) => m.url)).toEqual([IMAGE_1, IMAGE_2]);
  });
});

describe("the seed's JSON Feed", () => {
  it("has every JSON Feed 1.1 required field, and the entry's fields", () => {
    const json = JSON.parse(feeds["feed.json"] as string);
    expect(jsonFeed11Problems(json)).toEqual([]);
    expect(json.feed_url).toBe("https://news.example/archive/feed.json");
    const item = json.items[0];
    expect(item).toMatchObject({
      id: ARTICLE,
      url: ARTICLE,
      title: TITLE,
      date_published: "2021-12-15T18:57:46Z",
      authors: [{ name: "吕熙" }],
      tags: ["亚太报道", "军事外交"],
      language: "zh-Hans",
      image: IMAGE_1,
    });
    expect(item.attachments).toEqual([
      { url: IMAGE_1, mime_type: "image/jpeg", title: CAPTION },
      { url: IMAGE_2, mime_type: "image/jpeg", title: CAPTION },
    ]);
    expect(item.content_html).toBe(entry.contentHtml);
  });

  it("reads the same in @extractus/feed-extractor", () => {
    const feed = parseJsonWithFeedExtractor(feeds["feed.json"] as string);
    expect(feed.language).toBe("zh-Hans");
    const item = feed.entries?.[0] as Record<string, unknown> | undefined;
    expect(item).toMatchObject({
      id: ARTICLE,
      title: TITLE,
      link: ARTICLE,
      published: "2021-12-15T18:57:46.000Z",
      authors: [{ name: "吕熙" }],
    });
    expect((item?.attachments as Array<{ url: string }> | undefined)?.map((a) => a.url)).toEqual([
      IMAGE_1,
      IMAGE_2,
    ]);
  });

  it("reads the same in feedsmith", () => {
    const parsed = parseWithFeedsmith(feeds["feed.json"] as string);
    expect(parsed.format).toBe("json");
    if (parsed.format !== "json") return;
    expect(parsed.feed.items?.[0]?.title).toBe(TITLE);
    expect(parsed.feed.items?.[0]?.attachments?.map((a) => a.url)).toEqual([IMAGE_1, IMAGE_2]);
  });
});
