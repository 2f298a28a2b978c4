/**
 * @module render/opml — OPML 2.0 list of every feed a site publishes, for readers that import a list
 * of subscriptions at once: a pure function of (feeds, feed info) → XML text.
 */
import type { FeedFormat } from "../config.js";
import type { FeedInfo, FormatLinks } from "./feed-info.js";
import { FORMAT_NAMES } from "./html.js";
import { emptyElement, parentElement, textElement, XML_DECLARATION } from "./xml.js";

/** One feed in the list: its title and the URL of each format. */
export interface OpmlFeed {
  readonly title: string;
  readonly links: FormatLinks;
}

/** The OPML `type` of each format: readers know "rss" for every feed format. */
const OUTLINE_TYPE = "rss";

/**
 * The OPML document: one outline per feed (its Atom URL as `xmlUrl`), grouped under each format so a
 * reader can import the format it prefers. It names no date (OPML 2.0's `dateModified` is optional):
 * the list changes only when the feeds do, so an ingest that adds no feed leaves it byte for byte as it
 * was, its ETag and Last-Modified too, and publishes nothing for it. HTTP's Last-Modified tells when
 * it last changed.
 * @example renderOpml([{ title: "News", links }], info).includes('xmlUrl="https://news.example/feed.atom"') // true
 */
export function renderOpml(feeds: readonly OpmlFeed[], info: FeedInfo): string {
  const formats: FeedFormat[] = ["atom", "rss", "json"];
  const groups = formats.map((format) =>
    parentElement(
      "outline",
      feeds.map((feed) =>
        emptyElement("outline", {
          type: OUTLINE_TYPE,
          text: feed.title,
          title: feed.title,
          xmlUrl: feed.links[format],
          htmlUrl: info.home,
        }),
      ),
      { text: FORMAT_NAMES[format], title: FORMAT_NAMES[format] },
    ),
  );
  const head = parentElement("head", [
    textElement("title", info.title),
    textElement("ownerName", info.config.author),
  ]);
  return `${XML_DECLARATION}\n${parentElement("opml", [head, parentElement("body", groups)], { version: "2.0" })}\n`;
}
