/**
 * @module article/sites/generic — facts any site's markup may tell: bylines, tags, a lang attribute.
 */
import type { CheerioAPI } from "cheerio/slim";
import type { Element } from "domhandler";
import { isLanguageTag, readableText } from "../../text.js";
import type { ArticleFacts, Category, Person } from "../model.js";
import { textOf } from "../query.js";

const MAX_NAME_LENGTH = 80;

/** Whether a space-separated attribute value holds a word, as CSS `[attr~=word]` reads it. */
function hasWord(value: string | undefined, word: string): boolean {
  return (value ?? "").split(/\s/).includes(word);
}

/**
 * `[rel=author], [itemprop=author], .byline, .author` as css-select matches them in HTML: `rel`'s
 * value without regard to case, the others exactly.
 */
function isByline(el: Element): boolean {
  const { rel, itemprop, class: classes } = el.attribs;
  return (
    rel?.toLowerCase() === "author" ||
    itemprop === "author" ||
    hasWord(classes, "byline") ||
    hasWord(classes, "author")
  );
}

/** `a[rel~=tag]`, `rel` without regard to case. */
function isTagLink(el: Element): boolean {
  return el.name === "a" && hasWord(el.attribs.rel?.toLowerCase(), "tag");
}

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
 * @example readGenericFacts($, url, [byline]).authors // [{ name: "Ann Lee" }] for <p class="byline">By Ann Lee</p>
 */
export function readGenericFacts(
  _$: CheerioAPI,
  _url: URL,
  elements: readonly Element[],
): Partial<ArticleFacts> {
  const bylines: string[] = [];
  const tags: string[] = [];
  let lang: string | undefined;
  for (const el of elements) {
    if (lang === undefined && el.attribs.lang !== undefined) lang = el.attribs.lang.trim();
    if (isByline(el)) bylines.push(readableText(textOf(el)).replace(/^(by|von|par|por)\s+/i, ""));
    else if (isTagLink(el)) tags.push(readableText(textOf(el)));
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
