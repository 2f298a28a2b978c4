/**
 * @module article/urls — resolves the URLs an article's HTML uses, and canonicalizes article URLs.
 */

/** Query parameters that only track the reader and never change which article a URL names. */
const TRACKING_PARAMS = /^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|igshid|spm|from)$/i;

/**
 * Resolves a URL found in HTML against the article's URL; returns undefined for what no reader can load
 * (unparsable, or a scheme other than http, https and mailto).
 * @example resolveUrl("/img/a.png", "https://www.rfa.org/mandarin/x.html") // "https://www.rfa.org/img/a.png"
 */
export function resolveUrl(value: string, base: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  let url: URL;
  try {
    // As browsers do: tabs and newlines inside a URL are dropped (so "jav\tascript:" is javascript:),
    // and spaces are percent-encoded.
    url = new URL(trimmed.replace(/[\t\n\r]/g, "").replace(/ /g, "%20"), base);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "mailto:")
    return undefined;
  return url.href;
}

/**
 * Resolves every URL of a `srcset` ("a.jpg 1x, b.jpg 2x"); drops candidates that do not resolve.
 * @example resolveSrcset("a.jpg 1x, b.jpg 2x", "https://x.org/p/") // "https://x.org/p/a.jpg 1x, https://x.org/p/b.jpg 2x"
 */
export function resolveSrcset(value: string, base: string): string | undefined {
  const candidates: string[] = [];
  // Candidates are separated by a comma after a descriptor, or by a comma and white space; a URL
  // may itself contain commas.
  for (const part of value.split(/(?<=\s[\d.]+[wxh])\s*,\s*|,\s+/)) {
    const [rawUrl, descriptor] = part.trim().split(/\s+/, 2);
    if (rawUrl === undefined || rawUrl === "") continue;
    const url = resolveUrl(rawUrl.replace(/,$/, ""), base);
    if (url === undefined || url.startsWith("mailto:")) continue;
    candidates.push(descriptor && /^[\d.]+[wxh]$/.test(descriptor) ? `${url} ${descriptor}` : url);
  }
  return candidates.length > 0 ? candidates.join(", ") : undefined;
}

/**
 * The form of an article URL that identifies it: no fragment, no tracking parameters, no default port.
 * Two documents whose URLs share a canonical form are the same article.
 * @example canonicalArticleUrl("https://Example.com:443/a?utm_source=x#top") // "https://example.com/a"
 */
export function canonicalArticleUrl(value: string): string {
  const url = new URL(value);
  url.hash = "";
  for (const key of [...url.searchParams.keys()]) {
    if (TRACKING_PARAMS.test(key)) url.searchParams.delete(key);
  }
  if ([...url.searchParams.keys()].length === 0) url.search = "";
  return url.href;
}
