/**
 * @module render/dates — the two date formats feeds use, from epoch milliseconds, always in UTC.
 */
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc.js";

dayjs.extend(utc);

/**
 * RFC 3339 (Atom, JSON Feed), exact to the second.
 * @example rfc3339(1639594666000) // "2021-12-15T18:57:46Z"
 */
export function rfc3339(ms: number): string {
  return dayjs.utc(ms).format("YYYY-MM-DDTHH:mm:ss[Z]");
}

/**
 * RFC 822 with a four-digit year (RSS 2.0).
 * @example rfc822(1639594666000) // "Wed, 15 Dec 2021 18:57:46 +0000"
 */
export function rfc822(ms: number): string {
  return dayjs.utc(ms).format("ddd, DD MMM YYYY HH:mm:ss [+0000]");
}
