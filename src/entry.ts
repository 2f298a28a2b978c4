/**
 * @module entry — the one data model every renderer reads, built from a parsed document.
 */
import { type ArticleLimits, cleanArticle, DEFAULT_ARTICLE_LIMITS } from "./article/clean.js";
import type { ArticleImage, Category, Person } from "./article/model.js";
import { canonicalArticleUrl } from "./article/urls.js";
import type { SeedDocument } from "./document.js";
import { DocumentError } from "./errors.js";

export type { ArticleImage, Category, Person } from "./article/model.js";

/** One article, ready for any format. Immutable; renderers never change it. */
export interface Entry {
  /** Stable, unique per article: the canonical article URL. */
  readonly id: string;
  readonly title: string;
  /** The article URL as the document gave it. */
  readonly link: string;
  /** Publication time, epoch milliseconds, whole seconds. */
  readonly publishedMs: number;
  /** Last change, epoch milliseconds, whole seconds (equals publishedMs for documents from seeds). */
  readonly updatedMs: number;
  readonly summary: string;
  /** Sanitized HTML, absolute URLs. */
  readonly contentHtml: string;
  readonly authors: readonly Person[];
  readonly contributors: readonly Person[];
  readonly categories: readonly Category[];
  readonly images: readonly ArticleImage[];
  /** BCP 47 tag, when the article's language is known. */
  readonly language?: string;
  /** Where the entry came from (seed file path), for messages. */
  readonly source: string;
}

/**
 * Builds the entry of a parsed document.
 * @throws DocumentError when the body holds nothing a reader could see once cleaned.
 * @example buildEntry(parseDocument(bytes, "seeds/000.txt")).published // 1639594666000
 */
export function buildEntry(
  doc: SeedDocument,
  limits: ArticleLimits = DEFAULT_ARTICLE_LIMITS,
): Entry {
  const article = cleanArticle(doc.body, doc.url, limits);
  if (article.html === "" || (article.summary === "" && article.images.length === 0)) {
    throw new DocumentError(
      doc.file,
      4,
      "the article body has no text or images once scripts, styles and clutter are removed",
    );
  }
  // Feeds carry times to the second; sub-second parts would differ between formats.
  const seconds = Math.floor(doc.publishedMs / 1000) * 1000;
  return {
    id: canonicalArticleUrl(doc.url),
    title: doc.title,
    link: doc.url,
    publishedMs: seconds,
    updatedMs: seconds,
    summary: article.summary,
    contentHtml: article.html,
    authors: article.authors,
    contributors: article.contributors,
    categories: article.categories,
    images: article.images,
    ...(article.language ? { language: article.language } : {}),
    source: doc.file,
  };
}

/** What orders and identifies an entry: enough to merge an archive without holding its articles. */
export type EntryKey = Pick<Entry, "id" | "publishedMs" | "updatedMs" | "source">;

/**
 * Newest first; equal times by id, so the order never depends on the order files were read.
 */
export function compareEntries(
  a: Pick<EntryKey, "id" | "publishedMs">,
  b: Pick<EntryKey, "id" | "publishedMs">,
): number {
  return b.publishedMs - a.publishedMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
