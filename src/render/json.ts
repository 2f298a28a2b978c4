/**
 * @module render/json — JSON Feed 1.1: a pure function of (entries, feed info) → JSON text.
 */
import type { Entry } from "../entry.js";
import { rfc3339 } from "./dates.js";
import type { FeedInfo } from "./feed-info.js";
import { type FeedFrame, type FeedParts, joinFeedParts } from "./parts.js";

const INDENT = 2;

function indentBlock(json: string, by: number): string {
  return json.replaceAll("\n", `\n${" ".repeat(by)}`);
}

/**
 * One item as JSON text (keys in a fixed order); feeds are assembled from these pieces.
 * @example JSON.parse(renderJsonItem(entry)).date_published // "2021-12-15T18:57:46Z"
 */
export function renderJsonItem(entry: Entry): string {
  const attachments = entry.images
    .filter((image) => image.type !== undefined)
    .map((image) => ({
      url: image.url,
      mime_type: image.type,
      ...(image.caption ? { title: image.caption } : {}),
    }));
  const item = {
    id: entry.id,
    url: entry.link,
    title: entry.title,
    content_html: entry.contentHtml,
    summary: entry.summary,
    ...(entry.images[0] ? { image: entry.images[0].url } : {}),
    date_published: rfc3339(entry.publishedMs),
    date_modified: rfc3339(entry.updatedMs),
    ...(entry.authors.length > 0 ? { authors: entry.authors.map((p) => ({ name: p.name })) } : {}),
    ...(entry.categories.length > 0 ? { tags: entry.categories.map((c) => c.label) } : {}),
    ...(entry.language ? { language: entry.language } : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
  return JSON.stringify(item, null, INDENT);
}

/**
 * The JSON Feed document.
 * @example renderJson(entries.map(renderJsonItem), describeFeed(config, entries))
 */
export function renderJson(itemJson: readonly string[], info: FeedInfo): string {
  return joinFeedParts(renderJsonParts(itemJson, info));
}

/**
 * An item as it stands in the feed's `items` array: indented two levels.
 * @example indentJsonItem('{\n  "id": "a"\n}') // '    {\n      "id": "a"\n    }'
 */
export function indentJsonItem(itemJson: string): string {
  return `${" ".repeat(INDENT * 2)}${indentBlock(itemJson, INDENT * 2)}`;
}

/**
 * An item's JSON as `renderJsonItem` wrote it, from the text `indentJsonItem` made of it. JSON text
 * has no raw line break inside a string, so every line break is one the indentation follows.
 * @example unindentJsonItem(indentJsonItem(item)) === item // true
 */
export function unindentJsonItem(indented: string): string {
  const by = " ".repeat(INDENT * 2);
  const start = indented.startsWith(by) ? by.length : 0;
  return indented.slice(start).replaceAll(`\n${by}`, "\n");
}

/**
 * The JSON Feed document in parts: the items indented (`indentJsonItem`), separated by commas.
 * @example joinFeedParts(renderJsonParts(items, info)) === renderJson(items, info) // true
 */
export function renderJsonParts(itemJson: readonly string[], info: FeedInfo): FeedParts {
  return { ...jsonFrame(itemJson.length, info), pieces: itemJson.map(indentJsonItem) };
}

/**
 * The JSON Feed document around `count` items.
 * @example jsonFrame(0, info).tail // "\n}\n"
 */
export function jsonFrame(count: number, info: FeedInfo): FeedFrame {
  const { config, links } = info;
  // JSON Feed has no archives: `next_url` pages to the next older document, which is how a reader
  // walks the history back to the first article.
  const older = info.history?.prevArchive?.json;
  const head = {
    version: "https://jsonfeed.org/version/1.1",
    title: info.title,
    home_page_url: info.home,
    feed_url: links.json,
    ...(older ? { next_url: older } : {}),
    ...(info.hub ? { hubs: [{ type: "WebSub", url: info.hub }] } : {}),
    description: config.description,
    language: config.language,
    authors: [{ name: config.author }],
  };
  const headJson = JSON.stringify(head, null, INDENT);
  // The head's closing brace is replaced by the items member, keeping one valid, stable document.
  const members = `${headJson.slice(0, -2)},\n${" ".repeat(INDENT)}"items": `;
  if (count === 0) return { head: `${members}[]`, separator: ",\n", tail: "\n}\n" };
  return { head: `${members}[\n`, separator: ",\n", tail: `\n${" ".repeat(INDENT)}]\n}\n` };
}
