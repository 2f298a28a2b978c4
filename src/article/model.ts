/**
 * @module article/model — what cleaning an article yields, and what a site profile may tell about it.
 */
import type { CheerioAPI } from "cheerio/slim";
import type { Element } from "domhandler";

export interface Person {
  readonly name: string;
  /** What the person did, in the document's words ("责编"), when it says. */
  readonly role?: string;
}

export interface Category {
  /** Stable machine term, e.g. the URL segment "junshiwaijiao". */
  readonly term: string;
  /** Human label, e.g. "军事外交". */
  readonly label: string;
  /** URI naming the vocabulary the term belongs to. */
  readonly scheme?: string;
}

export interface ArticleImage {
  /** Absolute http(s) URL. */
  readonly url: string;
  /** MIME type from the URL, when the URL tells it. */
  readonly type?: string;
  /** The figure's caption, or the image's alt text. */
  readonly caption?: string;
}

/** What a site profile knows about an article beyond its HTML. */
export interface ArticleFacts {
  readonly authors: readonly Person[];
  readonly contributors: readonly Person[];
  readonly categories: readonly Category[];
  /** BCP 47 language tag of the article. */
  readonly language?: string;
}

/** A cleaned article: safe HTML and what it tells. */
export interface Article extends ArticleFacts {
  /** Sanitized HTML with absolute URLs, ready to embed in any feed. */
  readonly html: string;
  /** Plain-text summary, about 200 characters, cut on a grapheme boundary. */
  readonly summary: string;
  readonly images: readonly ArticleImage[];
}

/**
 * What is particular to one source site. Query with `queryAll` (article/query), never `$(selector)`
 * or `$.root().find(selector)`: cheerio first sorts out the top-level nodes, quadratic in their number.
 * Profiles see the body after URLs are resolved and before the generic cleaning; they may remove
 * clutter and read facts.
 */
export interface SiteProfile {
  readonly name: string;
  /** Whether the profile applies to an article URL. */
  matches(url: URL): boolean;
  /** Removes what only this site puts around its articles. */
  removeClutter?($: CheerioAPI): void;
  /**
   * Reads authors, categories and language from the URL and the article. `elements` are the cleaned
   * article's elements in document order, listed by the cleaning walk: look through them rather than
   * query the article again, since every query is another walk of it.
   */
  readFacts($: CheerioAPI, url: URL, elements: readonly Element[]): Partial<ArticleFacts>;
}
