/**
 * @module render/dates — the two date formats feeds use, from epoch milliseconds, always in UTC.
 */
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc.js";

dayjs.extend(utc);

/**
 * Formatted dates kept by time: every publish formats the same entries' dates again (the index page,
 * each feed's entries), and dayjs's format is a few microseconds each. Cleared when full.
 */
const CACHE_MAX = 4096;
const rfc3339Cache = new Map<number, string>();
const rfc822Cache = new Map<number, string>();

function remembered(cache: Map<number, string>, ms: number, format: () => string): string {
  let text = cache.get(ms);
  if (text === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear();
    text = format();
    cache.set(ms, text);
  }
  return text;
}

/**
 * RFC 3339 (Atom, JSON Feed), exact to the second.
 * @example rfc3339(1639594666000) // "2021-12-15T18:57:46Z"
 */
export function rfc3339(ms: number): string {
  return remembered(rfc3339Cache, ms, () => dayjs.utc(ms).format("YYYY-MM-DDTHH:mm:ss[Z]"));
}

/**
 * RFC 822 with a four-digit year (RSS 2.0).
 * @example rfc822(1639594666000) // "Wed, 15 Dec 2021 18:57:46 +0000"
 */
export function rfc822(ms: number): string {
  return remembered(rfc822Cache, ms, () =>
    dayjs.utc(ms).format("ddd, DD MMM YYYY HH:mm:ss [+0000]"),
  );
}
