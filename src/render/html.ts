/**
 * @module render/html — the index page for people: a pure function of (entries, feed info) → HTML text.
 *
 * No script, no external style: the one inline `<style>` is allowed by its hash in the page's
 * Content-Security-Policy (see `contentSecurityPolicy` in publish.ts), so the page works under
 * `default-src 'none'`.
 */
import { FEED_PATHS, type FeedFormat } from "../config.js";
import type { Entry } from "../entry.js";
import { escapeHtml } from "../text.js";
import { rfc3339 } from "./dates.js";
import { type FeedInfo, MEDIA_TYPES } from "./feed-info.js";

/** How each format is named to people, in the order the page offers them. */
export const FORMAT_NAMES: Readonly<Record<FeedFormat, string>> = {
  atom: "Atom",
  rss: "RSS",
  json: "JSON Feed",
};

/**
 * The page's whole style sheet. Readable on a 320 px phone and a wide screen alike, light and dark.
 * Changing it changes the CSP hash, which publishing computes from this text.
 */
export const INDEX_STYLE = `
:root { color-scheme: light dark; --muted: #5b6470; --line: #d8dde3; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --muted: #a3acb8; --line: #39414b; --accent: #7fb6ff; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 44rem; padding: 1rem; font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; overflow-wrap: anywhere; }
a { color: var(--accent); }
header { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0.5rem 0; }
.description { color: var(--muted); margin: 0 0 1rem; }
.subscribe { display: flex; flex-wrap: wrap; gap: 0.5rem; list-style: none; margin: 0 0 1rem; padding: 0; }
.subscribe a { border: 1px solid var(--accent); border-radius: 999px; display: inline-block; padding: 0.25rem 0.875rem; text-decoration: none; }
.entries { list-style: none; margin: 0; padding: 0; }
.entry { border-bottom: 1px solid var(--line); padding: 0 0 1.5rem; margin: 0 0 1.5rem; }
.entry h2 { font-size: 1.3rem; line-height: 1.35; margin: 0 0 0.25rem; }
.entry h2 a { color: inherit; text-decoration: none; }
.entry h2 a:hover, .entry h2 a:focus { text-decoration: underline; }
.entry time { color: var(--muted); display: block; font-size: 0.9rem; margin-bottom: 0.75rem; }
.entry figure { margin: 0 0 0.75rem; }
.entry img { aspect-ratio: 16 / 9; background: var(--line); border-radius: 0.375rem; display: block; height: auto; object-fit: cover; width: 100%; }
.entry figcaption { color: var(--muted); font-size: 0.85rem; margin-top: 0.25rem; }
.entry p { margin: 0; }
.empty { color: var(--muted); }
.categories { color: var(--muted); font-size: 0.9rem; margin: 0 0 1rem; }
.categories ul { display: inline; list-style: none; margin: 0; padding: 0; }
.categories li { display: inline; margin-right: 0.75rem; }
footer { color: var(--muted); font-size: 0.85rem; }
`.trim();

/**
 * A time as people read it, in UTC so the page does not depend on where it was built.
 * @example displayTime(1639594666000) // "2021-12-15 18:57 UTC"
 */
export function displayTime(ms: number): string {
  return `${rfc3339(ms).slice(0, 16).replace("T", " ")} UTC`;
}

function renderEntry(entry: Entry): string {
  const lang = entry.language ? ` lang="${escapeHtml(entry.language)}"` : "";
  const lead = entry.images[0];
  const figure = lead
    ? `<figure><img src="${escapeHtml(lead.url)}" alt="${escapeHtml(lead.caption ?? "")}" loading="lazy" decoding="async" referrerpolicy="no-referrer">` +
      (lead.caption ? `<figcaption>${escapeHtml(lead.caption)}</figcaption>` : "") +
      "</figure>"
    : "";
  return [
    `<li class="entry"${lang}>`,
    `<article>`,
    `<h2><a href="${escapeHtml(entry.link)}">${escapeHtml(entry.title)}</a></h2>`,
    `<time datetime="${rfc3339(entry.publishedMs)}">${displayTime(entry.publishedMs)}</time>`,
    figure,
    entry.summary ? `<p>${escapeHtml(entry.summary)}</p>` : "",
    `</article>`,
    `</li>`,
  ]
    .filter((line) => line !== "")
    .join("\n");
}

/** A category's feed, as the index page links it. */
export interface CategoryLink {
  readonly label: string;
  readonly links: Readonly<Record<FeedFormat, string>>;
}

/** What the page links beyond the main feeds, when the site publishes them. */
export interface IndexLinks {
  /** Category feeds, in the order shown. */
  readonly categories?: readonly CategoryLink[];
  /** Category feeds the site has beyond those shown, which the OPML list names. */
  readonly moreCategories?: number;
  /** Absolute URL of the OPML list of every feed. */
  readonly opml?: string;
}

function renderCategoryNav(
  categories: readonly CategoryLink[],
  more: number,
  opml: string | undefined,
): string {
  const items = categories.map(
    (c) =>
      `<li><a href="${escapeHtml(c.links.atom)}" type="${MEDIA_TYPES.atom}">${escapeHtml(c.label)}</a></li>`,
  );
  if (more > 0) {
    const rest = `${more} more`;
    items.push(
      `<li>${opml ? `<a href="${escapeHtml(opml)}" type="${MEDIA_TYPES.opml}">and ${rest} (OPML)</a>` : `and ${rest}`}</li>`,
    );
  }
  return `<nav class="categories" aria-label="Categories">Categories: <ul>\n${items.join("\n")}\n</ul></nav>`;
}

/**
 * The index page: title, description, subscribe links, autodiscovery links for every format, and the
 * entries (already chosen and ordered) with lead image, date and summary.
 * @example renderIndexHtml(newest, describeFeed(config, newest)).startsWith("<!doctype html>") // true
 */
export function renderIndexHtml(
  entries: readonly Entry[],
  info: FeedInfo,
  extra: IndexLinks = {},
): string {
  const { config, links } = info;
  const formats = Object.keys(FEED_PATHS) as FeedFormat[];
  const title = escapeHtml(config.title);
  const alternates = formats.map(
    (format) =>
      `<link rel="alternate" type="${MEDIA_TYPES[format]}" title="${title} (${FORMAT_NAMES[format]})" href="${escapeHtml(links[format])}">`,
  );
  const subscribe = formats.map(
    (format) =>
      `<li><a href="${escapeHtml(links[format])}" type="${MEDIA_TYPES[format]}">${FORMAT_NAMES[format]}</a></li>`,
  );
  if (extra.opml)
    subscribe.push(
      `<li><a href="${escapeHtml(extra.opml)}" type="${MEDIA_TYPES.opml}">All feeds (OPML)</a></li>`,
    );
  const categories = extra.categories ?? [];
  const list =
    entries.length > 0
      ? `<ol class="entries">\n${entries.map(renderEntry).join("\n")}\n</ol>`
      : `<p class="empty">No articles have been published yet.</p>`;
  const updated =
    entries.length > 0
      ? `<footer><p>Updated <time datetime="${rfc3339(info.updatedMs)}">${displayTime(info.updatedMs)}</time>.</p></footer>`
      : "";
  return [
    "<!doctype html>",
    `<html lang="${escapeHtml(config.language)}">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${title}</title>`,
    `<meta name="description" content="${escapeHtml(config.description)}">`,
    `<link rel="canonical" href="${escapeHtml(info.home)}">`,
    ...alternates,
    `<style>${INDEX_STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>${title}</h1>`,
    `<p class="description">${escapeHtml(config.description)}</p>`,
    `<nav aria-label="Subscribe"><ul class="subscribe">\n${subscribe.join("\n")}\n</ul></nav>`,
    categories.length > 0
      ? renderCategoryNav(categories, extra.moreCategories ?? 0, extra.opml)
      : "",
    "</header>",
    "<main>",
    list,
    "</main>",
    updated,
    "</body>",
    "</html>",
    "",
  ]
    .filter((line, i, all) => line !== "" || i === all.length - 1)
    .join("\n");
}
