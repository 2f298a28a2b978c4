/**
 * @module publish — the set of documents a site publishes from its archive: the three feeds, rendered
 * from per-entry pieces, each with its path and media type.
 */
import { FEED_PATHS, type FeedFormat, type SiteConfig } from "./config.js";
import type { Entry } from "./entry.js";
import { renderAtom, renderAtomEntry } from "./render/atom.js";
import { describeFeed, MEDIA_TYPES } from "./render/feed-info.js";
import { renderJson, renderJsonItem } from "./render/json.js";
import { renderRss, renderRssItem } from "./render/rss.js";

/** One published document. */
export interface SiteDocument {
  /** Path below the site URL, e.g. "feed.atom". */
  readonly path: string;
  /** Media type with charset, as served. */
  readonly contentType: string;
  readonly body: string;
}

/**
 * Renders the feeds of an archive: the newest `entriesPerFeed` entries, newest first.
 * @example renderSite(archive.entries, config).map((d) => d.path) // ["feed.atom", "feed.rss", "feed.json"]
 */
export function renderSite(entries: readonly Entry[], config: SiteConfig): SiteDocument[] {
  const newest = entries.slice(0, config.entriesPerFeed);
  const info = describeFeed(config, newest);
  const bodies: Record<FeedFormat, string> = {
    atom: renderAtom(newest.map(renderAtomEntry), info),
    rss: renderRss(
      newest.map((entry) => renderRssItem(entry, config.author)),
      info,
    ),
    json: renderJson(newest.map(renderJsonItem), info),
  };
  return (Object.keys(FEED_PATHS) as FeedFormat[]).map((format) => ({
    path: FEED_PATHS[format],
    contentType: `${MEDIA_TYPES[format]}; charset=utf-8`,
    body: bodies[format],
  }));
}
