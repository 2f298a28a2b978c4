/**
 * @module article/sanitize — the allowlist every article passes last: only markup a feed reader can show
 * safely survives (sanitize-html, the maintained sanitizer; never a regex).
 */
import sanitizeHtml from "sanitize-html";

/** Elements an article may keep. Anything else is dropped, its text kept (but see DROPPED_WITH_CONTENT). */
const ALLOWED_TAGS = [
  "p",
  "br",
  "hr",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "strong",
  "b",
  "em",
  "i",
  "u",
  "s",
  "del",
  "ins",
  "sub",
  "sup",
  "small",
  "mark",
  "abbr",
  "cite",
  "q",
  "code",
  "pre",
  "kbd",
  "samp",
  "var",
  "time",
  "span",
  "blockquote",
  "ul",
  "ol",
  "li",
  "dl",
  "dt",
  "dd",
  "a",
  "img",
  "figure",
  "figcaption",
  "picture",
  "source",
  "video",
  "audio",
  "table",
  "caption",
  "thead",
  "tbody",
  "tfoot",
  "tr",
  "th",
  "td",
  "colgroup",
  "col",
];

/** Elements dropped together with everything inside them. */
const DROPPED_WITH_CONTENT = [
  "script",
  "style",
  "noscript",
  "template",
  "textarea",
  "option",
  "select",
  "button",
  "iframe",
  "object",
  "embed",
  "applet",
  "frame",
  "frameset",
  "svg",
  "math",
  "title",
  "head",
];

const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ["href", "title", "hreflang"],
  img: ["src", "srcset", "alt", "referrerpolicy", "loading"],
  source: ["srcset", "type", "media"],
  video: ["src", "poster", "controls"],
  audio: ["src", "controls"],
  blockquote: ["cite"],
  q: ["cite"],
  abbr: ["title"],
  time: ["datetime"],
  ol: ["start", "reversed", "type"],
  li: ["value"],
  th: ["colspan", "rowspan", "scope"],
  td: ["colspan", "rowspan"],
  col: ["span"],
  colgroup: ["span"],
};

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: ALLOWED_ATTRIBUTES,
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: {
    img: ["http", "https"],
    source: ["http", "https"],
    video: ["http", "https"],
    audio: ["http", "https"],
  },
  allowedSchemesAppliedToAttributes: ["href", "src", "cite", "poster", "srcset"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  nonTextTags: DROPPED_WITH_CONTENT,
  parseStyleAttributes: false,
  transformTags: {
    // Many news sites refuse hotlinked images that carry a Referer; lazy loading spares the reader's data.
    img: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, referrerpolicy: "no-referrer", loading: "lazy" },
    }),
    video: (tagName, attribs) => ({ tagName, attribs: { ...attribs, controls: "" } }),
    audio: (tagName, attribs) => ({ tagName, attribs: { ...attribs, controls: "" } }),
  },
  // An image without a source, or an anchor without text or image, shows nothing.
  exclusiveFilter: (frame) =>
    (frame.tag === "img" && !frame.attribs.src) ||
    (frame.tag === "a" && !frame.text.trim() && !frame.mediaChildren.length),
};

/**
 * Reduces HTML to the allowlist: no script, style, frames, forms, event handlers, classes, ids or
 * inline styles; only http(s) and mailto links; images load without a Referer.
 * @example sanitizeArticleHtml('<p onclick="x()">Hi<script>bad()</script></p>') // "<p>Hi</p>"
 */
export function sanitizeArticleHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}
