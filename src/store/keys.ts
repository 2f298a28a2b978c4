/**
 * @module store/keys — the names of everything edgefeed keeps in Workers KV.
 *
 * One pointer key holds the manifest of the live version; every document body lives under its version's
 * prefix and is never changed once written, so a version's keys can be cached at the edge for long.
 */
import type { ContentEncoding } from "../publish.js";

/** The pointer: the manifest of the version being served. Switching it is what publishes. */
export const CURRENT_KEY = "site/current";

/** Prefix of every version's document keys. */
export const VERSIONS_PREFIX = "site/v/";

/**
 * The key of one stored form of a document.
 * @example documentKey("3f2a9c", "feed.atom", "gzip") // "site/v/3f2a9c/gzip/feed.atom"
 */
export function documentKey(version: string, path: string, encoding: ContentEncoding): string {
  return `${VERSIONS_PREFIX}${version}/${encoding}/${path}`;
}

/**
 * The version a document key belongs to, or undefined for a key outside the versions prefix.
 * @example versionOfKey("site/v/3f2a9c/gzip/feed.atom") // "3f2a9c"
 */
export function versionOfKey(key: string): string | undefined {
  if (!key.startsWith(VERSIONS_PREFIX)) return undefined;
  const version = key.slice(VERSIONS_PREFIX.length).split("/", 1)[0];
  return version === "" ? undefined : version;
}

/**
 * The key of a version's shelf (the manifest's list of documents below a folder), named by a hash of
 * its content.
 * @example shelfKey("3f2a9c", "77d0e1") // "site/v/3f2a9c/shelf-77d0e1.json"
 */
export function shelfKey(version: string, contentHash: string): string {
  return `${VERSIONS_PREFIX}${version}/shelf-${contentHash}.json`;
}

/**
 * The content hash a shelf's key names, or undefined for a key that is not a shelf's.
 * @example shelfHashOf("site/v/3f2a9c/shelf-77d0e1.json") // "77d0e1"
 */
export function shelfHashOf(key: string): string | undefined {
  return /\/shelf-([0-9a-f]+)\.json$/.exec(key)?.[1];
}

/**
 * A staging prefix's name: the time in base 36 and 8 random hex digits, so no two publishes share one
 * and a sweep can tell a young one (a publish may still be writing it) from a leftover.
 * @example stagingName(1795651200000) // "mrgd2v40-1f3a9c2e"
 */
export function stagingName(now: number): string {
  return `${now.toString(36)}-${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
}

/** When a staging prefix was made (epoch ms), or undefined for a version's name. */
export function stagingTime(version: string): number | undefined {
  const match = /^([0-9a-z]+)-[0-9a-f]{8}$/.exec(version);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 36);
}
