/**
 * @module render/rss — RSS 2.0 with the RSS Advisory Board's profile (atom:link self, dc:creator,
 * content:encoded) and Media RSS for every image: a pure function of (entries, feed info) → XML text.
 */
import type { Entry } from "../entry.js";
import { escapeHtml } from "../text.js";
import { FEED_HISTORY_NS } from "./atom.js";
import { rfc822 } from "./dates.js";
import { type FeedInfo, historyLinks, MEDIA_TYPES } from "./feed-info.js";
import { type FeedFrame, type FeedParts, joinFeedParts } from "./parts.js";
import {
  cdataElement,
  emptyElement,
  openTag,
  parentElement,
  textElement,
  XML_DECLARATION,
} from "./xml.js";

const NAMESPACES = {
  version: "2.0",
  "xmlns:atom": "http://www.w3.org/2005/Atom",
  "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
  "xmlns:dc": "http://purl.org/dc/elements/1.1/",
  "xmlns:media": "http://search.yahoo.com/mrss/",
};

/**
 * One `<item>`. RSS allows one enclosure per item: the first image whose type is known; every image is
 * also a `media:content` with its caption, and the lead image is the `media:thumbnail`.
 * @example renderRssItem(entry, "edgefeed archive")
 */
export function renderRssItem(entry: Entry, fallbackAuthor: string): string {
  const authors = entry.authors.length > 0 ? entry.authors.map((p) => p.name) : [fallbackAuthor];
  const enclosure = entry.images.find((image) => image.type !== undefined);
  const lead = entry.images[0];
  const children = [
    textElement("title", entry.title),
    textElement("link", entry.link),
    textElement("guid", entry.id, { isPermaLink: entry.id === entry.link ? "true" : "false" }),
    textElement("pubDate", rfc822(entry.publishedMs)),
    ...authors.map((name) => textElement("dc:creator", name)),
    ...entry.categories.map((c) => textElement("category", c.label, { domain: c.scheme })),
    // description is HTML: the summary is plain text, so it is escaped once for HTML, then for XML.
    textElement("description", escapeHtml(entry.summary)),
    cdataElement("content:encoded", entry.contentHtml),
  ];
  if (enclosure)
    children.push(
      emptyElement("enclosure", { url: enclosure.url, length: 0, type: enclosure.type }),
    );
  for (const image of entry.images) {
    const caption = image.caption
      ? [textElement("media:description", image.caption, { type: "plain" })]
      : [];
    const attrs = { url: image.url, type: image.type, medium: "image" };
    children.push(
      caption.length > 0
        ? parentElement("media:content", caption, attrs)
        : emptyElement("media:content", attrs),
    );
  }
  if (lead) children.push(emptyElement("media:thumbnail", { url: lead.url }));
  return parentElement("item", children);
}

/**
 * The RSS 2.0 document.
 * @example renderRss(entries.map((e) => renderRssItem(e, config.author)), describeFeed(config, entries))
 */
export function renderRss(itemXml: readonly string[], info: FeedInfo): string {
  return joinFeedParts(renderRssParts(itemXml, info));
}

/**
 * The RSS 2.0 document in parts: the items verbatim, one per line.
 * @example joinFeedParts(renderRssParts(pieces, info)) === renderRss(pieces, info) // true
 */
export function renderRssParts(itemXml: readonly string[], info: FeedInfo): FeedParts {
  return { ...rssFrame(itemXml.length, info), pieces: itemXml };
}

/**
 * The RSS 2.0 document around `count` items.
 * @example rssFrame(0, info).tail // "\n</channel>\n</rss>\n"
 */
export function rssFrame(count: number, info: FeedInfo): FeedFrame {
  const { config, links } = info;
  const head = [
    textElement("title", info.title),
    textElement("link", info.home),
    textElement("description", config.description),
    textElement("language", config.language),
    textElement("lastBuildDate", rfc822(info.updatedMs)),
    textElement("generator", "edgefeed"),
    textElement("docs", "https://www.rssboard.org/rss-specification"),
    emptyElement("atom:link", { href: links.rss, rel: "self", type: MEDIA_TYPES.rss }),
    ...historyLinks(info, "rss").map(([rel, href]) => emptyElement("atom:link", { href, rel })),
    ...(info.history?.archive ? [emptyElement("fh:archive", {})] : []),
  ];
  const namespaces = info.history ? { ...NAMESPACES, "xmlns:fh": FEED_HISTORY_NS } : NAMESPACES;
  // <rss> around one <channel>, one child per line, as parentElement writes them.
  const open = `${openTag("rss", namespaces)}\n${openTag("channel")}`;
  return {
    head: `${XML_DECLARATION}\n${open}\n${head.join("\n")}${count > 0 ? "\n" : ""}`,
    separator: "\n",
    tail: "\n</channel>\n</rss>\n",
  };
}
