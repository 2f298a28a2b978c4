/**
 * @module render/feed-info — what every format says about the feed as a whole: links, time, author.
 */
import { FEED_PATHS, type FeedFormat, type SiteConfig, siteHref } from "../config.js";
import type { Entry } from "../entry.js";

/** Media types of the published documents, as served and as linked. */
export const MEDIA_TYPES = {
  atom: "application/atom+xml",
  rss: "application/rss+xml",
  json: "application/feed+json",
  html: "text/html",
} as const;

export interface FeedInfo {
  readonly config: SiteConfig;
  /** The newest entry's update time, or the epoch for an empty feed: never the build clock. */
  readonly updatedMs: number;
  /** Absolute URL of each format. */
  readonly links: Readonly<Record<FeedFormat, string>>;
  /** Absolute URL of the site's HTML page. */
  readonly home: string;
}

/** The feed-level facts for a list of entries (already chosen and ordered). */
export function describeFeed(config: SiteConfig, entries: readonly Entry[]): FeedInfo {
  let updatedMs = 0;
  for (const entry of entries) updatedMs = Math.max(updatedMs, entry.updatedMs);
  return {
    config,
    updatedMs,
    home: config.siteUrl,
    links: {
      atom: siteHref(config, FEED_PATHS.atom),
      rss: siteHref(config, FEED_PATHS.rss),
      json: siteHref(config, FEED_PATHS.json),
    },
  };
}

/** The formats other than this one, for alternate links. */
export function otherFormats(format: FeedFormat): FeedFormat[] {
  return (Object.keys(FEED_PATHS) as FeedFormat[]).filter((f) => f !== format);
}
