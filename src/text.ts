/**
 * @module text — makes text safe for XML 1.0 and pleasant to read: NFC, no forbidden characters, escaping.
 */

/**
 * Characters XML 1.0 forbids or discourages, which no reader wants to see: C0 controls except tab,
 * newline and carriage return; DEL and the C1 controls; U+FFFE/U+FFFF; lone surrogates.
 */
const XML_UNSAFE_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The characters XML_UNSAFE_CHARS drops other than lone surrogates, which isWellFormed finds. */
const XML_UNSAFE_UNITS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

/**
 * Text of these characters alone is XML-safe and already NFC, so normalizing it changes nothing: tab,
 * newline, carriage return, printable ASCII, Latin-1 and the Latin extensions (U+00A0–U+02FF), general
 * punctuation, CJK symbols, kana, CJK ideographs, Hangul syllables and full-width forms. None of them
 * is a combining mark, a conjoining jamo or a character NFC replaces, which test/document.test.ts
 * checks code point by code point; NFC changes a text only around such characters.
 */
const BEYOND_ASCII_SAFE_RANGES = [
  "\u00A0-\u02FF\u2010-\u2027\u2030-\u205E",
  "\u3000-\u3029\u3030-\u3096\u30A0-\u30FF\u4E00-\u9FFF\uAC00-\uD7A3\uFF01-\uFFEF",
].join("");
export const PLAINLY_SAFE = new RegExp(`^[\t\n\r\u0020-\u007E${BEYOND_ASCII_SAFE_RANGES}]*$`);

/**
 * PLAINLY_SAFE less what markup escapes (`"`, `&`, `<`, `>`): text that goes into an attribute value or
 * a text node exactly as it is.
 */
export const PLAIN_MARKUP_TEXT = new RegExp(
  `^[\t\n\r\u0020\u0021\u0023-\u0025\u0027-\u003B\u003D\u003F-\u007E${BEYOND_ASCII_SAFE_RANGES}]*$`,
);

/** Numeric character references that would decode to such a character (or to NUL, which HTML turns into U+FFFD). */
const UNSAFE_CHAR_REFERENCE = /&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}));?/g;

function isXmlUnsafeCodePoint(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0xd800 && code <= 0xdfff) ||
    code === 0xfffe ||
    code === 0xffff ||
    code > 0x10ffff
  );
}

/**
 * NFC-normalizes and drops every character XML cannot carry.
 * @example toXmlSafe("a\u0001b\uFFFF") // "ab"
 */
export function toXmlSafe(text: string): string {
  // Most text is already safe and NFC, and one pass of this pattern says so.
  if (PLAINLY_SAFE.test(text)) return text;
  // The full pattern's look-arounds are slow; most text has no control character and no lone
  // surrogate (emoji are paired surrogates, and well formed).
  const clean =
    XML_UNSAFE_UNITS.test(text) || !text.isWellFormed() ? text.replace(XML_UNSAFE_CHARS, "") : text;
  return clean.normalize("NFC");
}

/**
 * Drops numeric character references (`&#1;`, `&#xFFFF;`, `&#0;`) that an HTML parser would turn into a
 * character XML forbids, or into U+FFFD. Applied to HTML before it is parsed.
 */
export function dropUnsafeCharReferences(html: string): string {
  return html.replace(
    UNSAFE_CHAR_REFERENCE,
    (match, hex: string | undefined, dec: string | undefined) => {
      const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      return code === 0 || isXmlUnsafeCodePoint(code) ? "" : match;
    },
  );
}

/**
 * Text read from markup, as a reader sees it: XML-safe, NFC, white space collapsed. Whatever the
 * build reads out of an article body (names, tags, captions, the summary) goes through this: the body
 * itself is made safe only node by node, as it is written out (article/sanitize).
 * @example readableText(" Ann\u0001  Lee\n") // "Ann Lee"
 */
export function readableText(text: string): string {
  return collapseWhitespace(toXmlSafe(text));
}

/** Collapses runs of white space (including newlines and no-break spaces) into one space and trims. */
export function collapseWhitespace(text: string): string {
  // JavaScript's \s already covers no-break and ideographic spaces.
  return text.replace(/\s+/g, " ").trim();
}

const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Escapes text for XML element content or a double-quoted attribute. Escaping (never CDATA) means no text,
 * `]]>` included, can end a section early.
 * @example escapeXml('a < b & "c"') // "a &lt; b &amp; &quot;c&quot;"
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

/** Escapes text for HTML element content or a double-quoted attribute (the same five characters). */
export const escapeHtml = escapeXml;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Characters that can share a grapheme cluster with a neighbour (Unicode UAX #29): CR (before LF),
 * marks, joiners, Hangul jamo and syllables, prepended concatenation marks, Thai and Lao AM, halfwidth
 * voiced kana marks, and everything outside the BMP (emoji, flags, tags). Text without any of them is
 * one cluster per UTF-16 unit, so it can be cut without segmenting (most of it: CJK, Latin, Cyrillic).
 */
export const MAY_JOIN_CLUSTERS =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: single characters are this class's job, joiners among them.
  /[\r\p{M}\u200C\u200D\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u0D4E\u0E33\u0EB3\u1100-\u11FF\uA960-\uA97F\uAC00-\uD7FF\uFF9E\uFF9F\u{10000}-\u{10FFFF}\uD800-\uDFFF]/u;

/**
 * The first `count` grapheme clusters of a text (fewer when it has fewer). Segments a growing window
 * of the text rather than all of it: a 7 MB paragraph need not be segmented to keep 200 clusters.
 */
function firstClusters(text: string, count: number): string[] {
  const head = text.slice(0, count + 1);
  if (!MAY_JOIN_CLUSTERS.test(head)) return [...head.slice(0, count)];
  for (let size = count * 8; ; size *= 4) {
    const window = size < text.length ? text.slice(0, size) : text;
    const clusters: string[] = [];
    for (const { segment } of graphemes.segment(window)) {
      clusters.push(segment);
      if (clusters.length > count) break;
    }
    // Past the window's end a cluster may be cut: only a window holding more than enough is trusted.
    if (window === text) return clusters.slice(0, count);
    if (clusters.length > count) return clusters.slice(0, count);
  }
}

/**
 * Cuts text to at most `limit` grapheme clusters (never half a CJK character, emoji or combining
 * sequence), preferring a word boundary in space-separated scripts, and marks the cut with "…".
 * @example truncateText("Hello wonderful world", 12) // "Hello…"
 */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const clusters = firstClusters(text, limit + 1);
  if (clusters.length <= limit) return text;
  let cut = clusters.slice(0, limit).join("");
  // In text with spaces, end on a whole word when one ends in the last third of the limit.
  const lastSpace = cut.search(/\s\S*$/u);
  if (lastSpace > 0 && lastSpace >= cut.length * 0.66) cut = cut.slice(0, lastSpace);
  // A cut after a comma or colon reads badly; a question mark or full stop stays.
  return `${cut.replace(/[\s,;:，；：、·-]+$/u, "")}…`;
}

const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/**
 * Whether text has the shape of a BCP 47 language tag.
 * @example isLanguageTag("zh-Hans") // true
 */
export function isLanguageTag(text: string): boolean {
  return LANGUAGE_TAG.test(text);
}
