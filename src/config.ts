/**
 * @module config — the site's settings, read from wrangler.toml [vars] (CLI) or the worker's env.
 */
import { ConfigError } from "./errors.js";
import { isLanguageTag } from "./text.js";

/** What every renderer and the worker need to know about the site. */
export interface SiteConfig {
  /** Absolute base URL the feeds are served from, always ending in "/". */
  readonly siteUrl: string;
  readonly title: string;
  readonly description: string;
  /** BCP 47 language tag of the archive as a whole. */
  readonly language: string;
  /** Author named for entries whose document names none. */
  readonly author: string;
  /** How many of the newest entries each feed carries. */
  readonly entriesPerFeed: number;
  /** WebSub hub every feed names and the worker pings after each publish (`WEBSUB_HUB`); none when unset. */
  readonly hub?: string;
}

/** The public paths of the three feeds, relative to the site URL. */
export const FEED_PATHS = {
  atom: "feed.atom",
  rss: "feed.rss",
  json: "feed.json",
} as const;

export type FeedFormat = keyof typeof FEED_PATHS;

const DEFAULT_ENTRIES = 50;
const MAX_ENTRIES = 1000;

function readString(
  vars: Readonly<Record<string, unknown>>,
  key: string,
  fallback?: string,
): string {
  const value = vars[key];
  if (value === undefined || value === "") {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(key, "is missing; set it under [vars] in wrangler.toml");
  }
  if (typeof value !== "string")
    throw new ConfigError(key, `must be a string, got ${typeof value}`);
  return value.trim();
}

/**
 * Reads and checks the site settings from a flat record of variables.
 * @example readSiteConfig({ SITE_URL: "https://news.example/", FEED_TITLE: "News" })
 */
export function readSiteConfig(vars: Readonly<Record<string, unknown>>): SiteConfig {
  const rawUrl = readString(vars, "SITE_URL");
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError(
      "SITE_URL",
      `expected an absolute URL like https://news.example/, got "${rawUrl}"`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError("SITE_URL", `expected an http(s) URL, got "${rawUrl}"`);
  }
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";

  const language = readString(vars, "FEED_LANGUAGE", "en");
  if (!isLanguageTag(language)) {
    throw new ConfigError(
      "FEED_LANGUAGE",
      `expected a BCP 47 tag like "en" or "zh-Hans", got "${language}"`,
    );
  }

  const rawEntries = vars.FEED_ENTRIES;
  const entries =
    rawEntries === undefined || rawEntries === "" ? DEFAULT_ENTRIES : Number(rawEntries);
  if (!Number.isInteger(entries) || entries < 1 || entries > MAX_ENTRIES) {
    throw new ConfigError(
      "FEED_ENTRIES",
      `expected a whole number from 1 to ${MAX_ENTRIES}, got "${String(rawEntries)}"`,
    );
  }

  const title = readString(vars, "FEED_TITLE");
  const hub = readHub(vars);
  return {
    siteUrl: url.href,
    title,
    description: readString(vars, "FEED_DESCRIPTION", title),
    language,
    author: readString(vars, "FEED_AUTHOR", title),
    entriesPerFeed: entries,
    ...(hub !== undefined ? { hub } : {}),
  };
}

/** The optional WebSub hub: an absolute http(s) URL, or nothing when `WEBSUB_HUB` is empty. */
function readHub(vars: Readonly<Record<string, unknown>>): string | undefined {
  const raw = readString(vars, "WEBSUB_HUB", "");
  if (raw === "") return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:" && url?.protocol !== "http:")
    throw new ConfigError(
      "WEBSUB_HUB",
      `expected an http(s) URL like https://pubsubhubbub.appspot.com/, or "" for no hub, got "${raw}"`,
    );
  return url.href;
}

/** Absolute URL of a path on the site. */
export function siteHref(config: SiteConfig, path: string): string {
  return new URL(path, config.siteUrl).href;
}
