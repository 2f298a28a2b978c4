/**
 * @module render/xml — builds XML text with every value escaped; the only place feeds write markup.
 */
import { escapeXml } from "../text.js";

export type Attributes = Readonly<Record<string, string | number | undefined>>;

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

function attributeText(attributes: Attributes | undefined): string {
  if (!attributes) return "";
  let out = "";
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) out += ` ${name}="${escapeXml(String(value))}"`;
  }
  return out;
}

/**
 * An element with escaped text content (or empty, self-closed, when text is undefined).
 * @example textElement("title", "a < b", { type: "text" }) // '<title type="text">a &lt; b</title>'
 */
export function textElement(
  name: string,
  text: string | undefined,
  attributes?: Attributes,
): string {
  const attrs = attributeText(attributes);
  return text === undefined
    ? `<${name}${attrs}/>`
    : `<${name}${attrs}>${escapeXml(text)}</${name}>`;
}

const CDATA_OPEN = "<![CDATA[";
const CDATA_CLOSE = "]]>";
/** A `]]>` in the text: the section ends after `]]`, and a new one starts before `>`. */
const CDATA_SPLIT = `]]${CDATA_CLOSE}${CDATA_OPEN}>`;

/**
 * An element whose (large, markup-heavy) text is a CDATA section: no escaping pass over it, and a
 * smaller feed. A `]]>` inside is split across two sections, so no text can end the section early.
 * @example cdataElement("content", "<p>a]]>b</p>") // "<content><![CDATA[<p>a]]]]><![CDATA[>b</p>]]></content>"
 */
export function cdataElement(name: string, text: string, attributes?: Attributes): string {
  const sections = text.replaceAll(CDATA_CLOSE, CDATA_SPLIT);
  return `<${name}${attributeText(attributes)}>${CDATA_OPEN}${sections}${CDATA_CLOSE}</${name}>`;
}

/**
 * The text given to the one `cdataElement` in `xml` (from its first section's start to its last one's
 * end, the sections joined again); undefined when `xml` has none.
 * @example cdataText(cdataElement("content", "<p>a]]>b</p>")) // "<p>a]]>b</p>"
 */
export function cdataText(xml: string): string | undefined {
  const start = xml.indexOf(CDATA_OPEN);
  const end = xml.lastIndexOf(CDATA_CLOSE);
  if (start < 0 || end < start + CDATA_OPEN.length) return undefined;
  return xml.slice(start + CDATA_OPEN.length, end).replaceAll(CDATA_SPLIT, CDATA_CLOSE);
}

/** An empty element: `<link href="…"/>`. */
export function emptyElement(name: string, attributes: Attributes): string {
  return `<${name}${attributeText(attributes)}/>`;
}

/** A start tag: `<feed xmlns="…">`. */
export function openTag(name: string, attributes?: Attributes): string {
  return `<${name}${attributeText(attributes)}>`;
}

/**
 * An element around children that are already XML, one child per line. No indentation: it would
 * have to be added inside text content, where white space is data.
 */
export function parentElement(
  name: string,
  children: readonly string[],
  attributes?: Attributes,
): string {
  return `${openTag(name, attributes)}\n${children.join("\n")}\n</${name}>`;
}
