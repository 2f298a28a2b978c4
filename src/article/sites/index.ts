/**
 * @module article/sites — the registry of site profiles, and the facts of an article from them.
 */
import type { CheerioAPI } from "cheerio/slim";
import type { Element } from "domhandler";
import type { ArticleFacts, SiteProfile } from "../model.js";
import { readGenericFacts } from "./generic.js";
import { rfaProfile } from "./rfa.js";

/** Every known site; the first that matches an article URL applies. */
export const SITE_PROFILES: readonly SiteProfile[] = [rfaProfile];

/** The profile for an article URL, if a site has one. */
export function profileFor(url: URL): SiteProfile | undefined {
  return SITE_PROFILES.find((profile) => profile.matches(url));
}

/**
 * What the markup says, overridden by what the site profile knows better; `elements` are the cleaned
 * article's, in document order (see SiteProfile).
 */
export function readFacts(
  $: CheerioAPI,
  url: URL,
  profile: SiteProfile | undefined,
  elements: readonly Element[],
): ArticleFacts {
  const generic = readGenericFacts($, url, elements);
  const site = profile?.readFacts($, url, elements) ?? {};
  const pick = <K extends "authors" | "contributors" | "categories">(key: K) =>
    site[key] && site[key].length > 0 ? site[key] : (generic[key] ?? []);
  const language = site.language ?? generic.language;
  return {
    authors: pick("authors"),
    contributors: pick("contributors"),
    categories: pick("categories"),
    ...(language ? { language } : {}),
  };
}
