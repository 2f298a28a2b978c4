/**
 * @module render/feed-info — what every format says about the feed as a whole: links, time, author,
 * and where it sits in the feed's history (RFC 5005) and which hub announces it (WebSub).
 */
import { FEED_PATHS, type FeedFormat, type SiteConfig, siteHref } from "../config.js";
import type { Entry } from "../entry.js";

/** Media types of the published documents, as served and as linked. */
export const MEDIA_TYPES = {
  atom: "application/atom+xml",
  rss: "application/rss+xml",
  json: "application/feed+json",
  html: "text/html",
  opml: "text/x-opml",
} as const;

/** The file extension of each format: a feed document is `<name>.<extension>`. */
export const FORMAT_EXTENSIONS: Readonly<Record<FeedFormat, string>> = {
  atom: "atom",
  rss: "rss",
  json: "json",
};

/** One URL per format of one feed document. */
export type FormatLinks = Readonly<Record<FeedFormat, string>>;

/**
 * Where a document sits in the feed's history (RFC 5005 §4): archive documents carry `fh:archive` and a
 * `current` link to the subscription feed; both kinds link to the archives next to them.
 */
export interface HistoryLinks {
  /** True for an archive document. */
  readonly archive: boolean;
  /** The subscription feed, in each format (archive documents only). */
  readonly current?: FormatLinks;
  /** The next older archive document. */
  readonly prevArchive?: FormatLinks;
  /** The next newer archive document. */
  readonly nextArchive?: FormatLinks;
}

/** An entry that was removed, for Atom tombstones (RFC 6721). */
export interface DeletedEntry {
  readonly id: string;
  /** When it was removed, epoch ms. */
  readonly deletedMs: number;
}

export interface FeedInfo {
  readonly config: SiteConfig;
  /** The feed's identity (Atom `id`): the site URL for the main feed and its archives. */
  readonly id: string;
  /** The feed's title: the site's, or the site's with a category's name. */
  readonly title: string;
  /** The newest entry's update time, or the epoch for an empty feed: never the build clock. */
  readonly updatedMs: number;
  /** Absolute URL of each format of this feed document (the self link and the alternates). */
  readonly links: FormatLinks;
  /** Absolute URL of the site's HTML page. */
  readonly home: string;
  readonly history?: HistoryLinks;
  /** WebSub hub announcing this feed (the site's `hub`). */
  readonly hub?: string;
  /** Removed entries to announce (Atom only). */
  readonly deleted?: readonly DeletedEntry[];
}

/** What a feed document is beyond the site's main feed. */
export interface FeedDocumentOptions {
  /** Path below the site URL without the extension, e.g. "category/world"; default "feed". */
  readonly name?: string;
  /** The feed's identity; default the site URL (archives share the main feed's, RFC 5005 §4). */
  readonly id?: string;
  readonly title?: string;
  readonly history?: HistoryLinks;
  readonly deleted?: readonly DeletedEntry[];
}

/** The path of each format of a feed document named `name`, e.g. "archive/3" → "archive/3.atom". */
export function feedPaths(name: string): Readonly<Record<FeedFormat, string>> {
  return {
    atom: `${name}.${FORMAT_EXTENSIONS.atom}`,
    rss: `${name}.${FORMAT_EXTENSIONS.rss}`,
    json: `${name}.${FORMAT_EXTENSIONS.json}`,
  };
}

/** Absolute URLs of each format of a feed document. */
export function feedLinks(config: SiteConfig, name: string): FormatLinks {
  const paths = name === MAIN_FEED_NAME ? FEED_PATHS : feedPaths(name);
  return {
    atom: siteHref(config, paths.atom),
    rss: siteHref(config, paths.rss),
    json: siteHref(config, paths.json),
  };
}

/** The site's main (subscription) feed: feed.atom, feed.rss, feed.json. */
export const MAIN_FEED_NAME = "feed";

/** The feed-level facts for a list of entries (already chosen and ordered). */
export function describeFeed(
  config: SiteConfig,
  entries: readonly Pick<Entry, "updatedMs">[],
  options: FeedDocumentOptions = {},
): FeedInfo {
  let updatedMs = 0;
  for (const entry of entries) updatedMs = Math.max(updatedMs, entry.updatedMs);
  for (const gone of options.deleted ?? []) updatedMs = Math.max(updatedMs, gone.deletedMs);
  return {
    config,
    id: options.id ?? config.siteUrl,
    title: options.title ?? config.title,
    updatedMs,
    home: config.siteUrl,
    links: feedLinks(config, options.name ?? MAIN_FEED_NAME),
    ...(options.history ? { history: options.history } : {}),
    ...(config.hub ? { hub: config.hub } : {}),
    ...(options.deleted && options.deleted.length > 0 ? { deleted: options.deleted } : {}),
  };
}

/** The formats other than this one, for alternate links. */
export function otherFormats(format: FeedFormat): FeedFormat[] {
  return (Object.keys(FEED_PATHS) as FeedFormat[]).filter((f) => f !== format);
}

/** The RFC 5005 and WebSub links of a feed document, in one format: [rel, href] pairs. */
export function historyLinks(info: FeedInfo, format: FeedFormat): Array<[string, string]> {
  const links: Array<[string, string]> = [];
  if (info.hub) links.push(["hub", info.hub]);
  const history = info.history;
  if (history?.current) links.push(["current", history.current[format]]);
  if (history?.prevArchive) links.push(["prev-archive", history.prevArchive[format]]);
  if (history?.nextArchive) links.push(["next-archive", history.nextArchive[format]]);
  return links;
}
