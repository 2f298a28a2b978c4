/**
 * @module article/sites/generic — facts any site's markup may tell: bylines, tags, a lang attribute.
 */
import type { CheerioAPI } from "cheerio/slim";
import { collapseWhitespace, isLanguageTag } from "../../text.js";
import type { ArticleFacts, Category, Person } from "../model.js";
import { queryAll } from "../query.js";

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
  // One query for all three kinds of fact: each query is a walk of the whole article.
  const bylines: string[] = [];
  const tags: string[] = [];
  let lang: string | undefined;
  for (const el of queryAll($, `${BYLINE}, a[rel~=tag], [lang]`)) {
    const node = $(el);
    if (lang === undefined && el.attribs.lang !== undefined) lang = el.attribs.lang.trim();
    if (node.is(BYLINE))
      bylines.push(collapseWhitespace(node.text()).replace(/^(by|von|par|por)\s+/i, ""));
    else if (node.is("a[rel~=tag]")) tags.push(collapseWhitespace(node.text()));
  }
  const fits = (text: string) => text !== "" && text.length <= MAX_NAME_LENGTH;
  const authors: Person[] = uniqueBy(
    bylines.filter(fits).map((name) => ({ name })),
    (p) => p.name,
  );
  const categories: Category[] = uniqueBy(
    tags.filter(fits).map((label) => ({ term: label.toLowerCase(), label })),
    (c) => c.term,
  );
  return {
    ...(authors.length > 0 ? { authors } : {}),
    ...(categories.length > 0 ? { categories } : {}),
    ...(lang && isLanguageTag(lang) ? { language: lang } : {}),
  };
}
