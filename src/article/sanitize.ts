/**
 * @module article/sanitize — the allowlist every article passes last. The cleaned DOM is serialized
 * through it and nothing else reaches the output: allowlisted elements with allowlisted attributes,
 * URLs only with allowlisted schemes, every attribute value quoted and escaped, every text escaped.
 * What is not on the list is never written: dropped with its content, or unwrapped to its content.
 *
 * This is the design of DOM sanitizers such as DOMPurify and ammonia: the document is parsed once,
 * and the output is generated from the allowlist rather than filtered out of markup. The test suite
 * holds it to sanitize-html, the maintained string sanitizer: given the same policy, sanitize-html
 * finds nothing to remove from any output (test/sanitize.test.ts, and every fuzzed document).
 */
import type { AnyNode, Element, Text } from "domhandler";
import { PLAIN_MARKUP_TEXT, toXmlSafe } from "../text.js";

/** Elements an article may keep. Anything else is unwrapped (its content kept), or see DROPPED_WITH_CONTENT. */
export const ALLOWED_TAGS: ReadonlySet<string> = new Set([
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
]);

/**
 * Elements dropped together with everything inside them: scripts, styles, frames, forms, foreign
 * content (SVG, MathML), and every element whose content an HTML parser reads as raw text.
 */
export const DROPPED_WITH_CONTENT: ReadonlySet<string> = new Set([
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
  "noframes",
  "noembed",
  "xmp",
  "plaintext",
  "svg",
  "math",
  "title",
  "head",
]);

/** Attributes each allowed element may keep; an element not named here keeps none. */
export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
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

/** Schemes a URL attribute may use: links and quotations also mailto, media only http(s). */
export const LINK_SCHEMES: readonly string[] = ["http", "https", "mailto"];
export const MEDIA_SCHEMES: readonly string[] = ["http", "https"];
/** Elements whose URL attributes load something, and so take MEDIA_SCHEMES. */
export const MEDIA_ELEMENTS: ReadonlySet<string> = new Set(["img", "source", "video", "audio"]);
/** Attributes holding a URL (srcset holds a list of them). */
export const URL_ATTRIBUTES: ReadonlySet<string> = new Set(["href", "src", "cite", "poster"]);

/**
 * Attributes set on every element of a kind, whatever it had: many news sites refuse hotlinked images
 * that carry a Referer, lazy loading spares the reader's data, and media get their controls.
 */
const FIXED_ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  img: { referrerpolicy: "no-referrer", loading: "lazy" },
  video: { controls: "" },
  audio: { controls: "" },
};

/** Listed attributes that are on by being there. */
const BOOLEAN_ATTRIBUTES = new Set(["controls", "reversed"]);
/** Elements without content or end tag, written `<br />`. */
const VOID_ELEMENTS = new Set(["br", "hr", "img", "source", "col"]);
/** Elements a reader shows even without text: an anchor around one of them is not empty. */
const SHOWN_WITHOUT_TEXT = new Set(["img", "video", "audio", "picture"]);

const LINK_URL = /^(?:https?:\/\/|mailto:)/;
const MEDIA_URL = /^https?:\/\//;
const TEXT_ESCAPES = /[&<>]/g;
const ATTRIBUTE_ESCAPES = /[&<>"]/g;
const ESCAPED: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escapeOne = (char: string) => ESCAPED[char] as string;

/**
 * Whether a URL's scheme is allowed. URLs reach this already resolved (absolute, scheme in lower
 * case, no white space), so anything else, relative and protocol-relative included, is refused.
 */
function allowedUrl(value: string, media: boolean): boolean {
  return (media ? MEDIA_URL : LINK_URL).test(value);
}

const SRCSET_DESCRIPTOR = /^[\d.]+[wxh]$/;

/**
 * Whether every candidate of a srcset is an http(s) URL followed by at most plain descriptors, read as
 * browsers read it (a URL runs to white space; a comma ending it or its descriptor ends the
 * candidate). Stricter than browsers: anything else refuses the whole attribute.
 */
function allowedSrcset(value: string): boolean {
  let expectUrl = true;
  for (const token of value.trim().split(/\s+/)) {
    const bare = token.replace(/,+$/, "");
    if (expectUrl ? !MEDIA_URL.test(bare) : !SRCSET_DESCRIPTOR.test(bare)) return false;
    expectUrl = bare !== token;
  }
  return true;
}

/** A character that may combine with the one before it: NFC turns `>` and U+0338 into `≯`. */
const LEADING_MARK = /^\p{M}/u;

/**
 * Text for the output: XML-safe and NFC, as a node's own (never over the markup: composing across a
 * tag's `>` would eat it), escaped, and a leading combining mark written as a reference so that no
 * later normalization can join it to the `>` before it.
 */
function safeText(data: string, escapes: RegExp): string {
  // Most text needs nothing: one pass of this pattern says so.
  if (PLAIN_MARKUP_TEXT.test(data)) return data;
  const text = toXmlSafe(data).replace(escapes, escapeOne);
  const mark = LEADING_MARK.exec(text);
  return mark === null
    ? text
    : `&#x${(mark[0].codePointAt(0) as number).toString(16)};${text.slice(mark[0].length)}`;
}

/** ` name="value"` for each attribute the element may keep, in its order; undefined for an image without a source. */
function attributesOf(el: Element): string | undefined {
  const allowed = ALLOWED_ATTRIBUTES[el.name];
  if (allowed === undefined) return "";
  const fixed = FIXED_ATTRIBUTES[el.name];
  const attribs = fixed ? { ...el.attribs, ...fixed } : el.attribs;
  const media = MEDIA_ELEMENTS.has(el.name);
  let written = "";
  let hasSource = false;
  for (const name of Object.keys(attribs)) {
    if (!allowed.includes(name)) continue;
    const value = attribs[name] as string;
    if (URL_ATTRIBUTES.has(name)) {
      if (!allowedUrl(value, media)) continue;
      if (name === "src") hasSource = true;
    } else if (name === "srcset" && !allowedSrcset(value)) continue;
    if (value === "") {
      // Empty, a boolean attribute is written bare (`controls`) and alt stays (an image that says
      // nothing); any other attribute says nothing at all.
      if (BOOLEAN_ATTRIBUTES.has(name)) written += ` ${name}`;
      else if (name === "alt") written += ' alt=""';
      continue;
    }
    written += ` ${name}="${safeText(value, ATTRIBUTE_ESCAPES)}"`;
  }
  return el.name === "img" && !hasSource ? undefined : written;
}

/** An allowed element being written: where its start tag begins, and whether it shows anything yet. */
interface Frame {
  readonly name: string;
  readonly start: number;
  shows: boolean;
}

/** Marks where a frame's content ends on the work stack. */
const CLOSE = Symbol("close");

/**
 * Serializes nodes through the allowlist. Walks without recursion (a caller may pass any depth).
 * Unknown elements are unwrapped, DROPPED_WITH_CONTENT elements skipped whole, comments and other
 * nodes skipped; an anchor that ends up showing neither text nor media is dropped with its content,
 * and an image without an allowed source is dropped.
 * @example sanitizeArticle(parseDocument('<p onclick="x()">Hi<script>bad()</script></p>').children) // "<p>Hi</p>"
 */
export function sanitizeArticle(nodes: readonly AnyNode[]): string {
  let out = "";
  const frames: Frame[] = [];
  const work: Array<AnyNode | typeof CLOSE> = [];
  for (let i = nodes.length - 1; i >= 0; i--) work.push(nodes[i] as AnyNode);
  while (work.length > 0) {
    const item = work.pop() as AnyNode | typeof CLOSE;
    if (item === CLOSE) {
      const frame = frames.pop() as Frame;
      if (frame.name === "a" && !frame.shows) {
        out = out.slice(0, frame.start);
        continue;
      }
      out += `</${frame.name}>`;
      const parent = frames[frames.length - 1];
      if (parent !== undefined && frame.shows) parent.shows = true;
      continue;
    }
    if (item.type === "text") {
      const data = (item as Text).data;
      out += safeText(data, TEXT_ESCAPES);
      const parent = frames[frames.length - 1];
      if (parent !== undefined && !parent.shows && data.trim() !== "") parent.shows = true;
      continue;
    }
    if (item.type !== "tag" && item.type !== "script" && item.type !== "style") continue;
    const el = item as Element;
    const name = el.name;
    if (DROPPED_WITH_CONTENT.has(name)) continue;
    const children = el.children;
    if (!ALLOWED_TAGS.has(name)) {
      for (let i = children.length - 1; i >= 0; i--) work.push(children[i] as AnyNode);
      continue;
    }
    const attributes = attributesOf(el);
    if (attributes === undefined) continue;
    const parent = frames[frames.length - 1];
    if (VOID_ELEMENTS.has(name)) {
      out += `<${name}${attributes} />`;
      if (parent !== undefined && SHOWN_WITHOUT_TEXT.has(name)) parent.shows = true;
      continue;
    }
    frames.push({ name, start: out.length, shows: SHOWN_WITHOUT_TEXT.has(name) });
    out += `<${name}${attributes}>`;
    work.push(CLOSE);
    for (let i = children.length - 1; i >= 0; i--) work.push(children[i] as AnyNode);
  }
  return out;
}
