/**
 * @module article/sites/generic — facts any site's markup may tell: bylines, tags, a lang attribute.
 */
import type { CheerioAPI } from "cheerio/slim";
import { collapseWhitespace, isLanguageTag } from "../../text.js";
import type { ArticleFacts, Category, Person } from "../model.js";

const BYLINE = "[rel=author], [itemprop=author], .byline, .author";
const MAX_NAME_LENGTH = 80;

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Reads what the article's own markup says about itself; used for every site, under its profile.
 * @example readGenericFacts(load('<p class="byline">By Ann Lee</p>'), url).authors // [{ name: "Ann Lee" }]
 */
export function readGenericFacts($: CheerioAPI, _url: URL): Partial<ArticleFacts> {
  const authors: Person[] = uniqueBy(
    $(BYLINE)
      .toArray()
      .map((el) => collapseWhitespace($(el).text()).replace(/^(by|von|par|por)\s+/i, ""))
      .filter((name) => name !== "" && name.length <= MAX_NAME_LENGTH)
      .map((name) => ({ name })),
    (p) => p.name,
  );
  const categories: Category[] = uniqueBy(
    $("a[rel~=tag]")
      .toArray()
      .map((el) => collapseWhitespace($(el).text()))
      .filter((label) => label !== "" && label.length <= MAX_NAME_LENGTH)
      .map((label) => ({ term: label.toLowerCase(), label })),
    (c) => c.term,
  );
  const lang = $("[lang]").first().attr("lang")?.trim();
  return {
    ...(authors.length > 0 ? { authors } : {}),
    ...(categories.length > 0 ? { categories } : {}),
    ...(lang && isLanguageTag(lang) ? { language: lang } : {}),
  };
}
