/**
 * sanitize-html, the maintained string sanitizer, given our allowlist: the second opinion every
 * article's HTML is held to. Its cosmetic rules (empty anchors, images without a source) are ours alone;
 * what it checks is the policy: elements, attributes and URL schemes.
 */
import { load } from "cheerio/slim";
import sanitizeHtml from "sanitize-html";
import { ARTICLE_PARSE_OPTIONS } from "../../src/article/clean.js";
import {
  ALLOWED_ATTRIBUTES,
  ALLOWED_TAGS,
  DROPPED_WITH_CONTENT,
  LINK_SCHEMES,
  MEDIA_ELEMENTS,
  MEDIA_SCHEMES,
  URL_ATTRIBUTES,
} from "../../src/article/sanitize.js";

const ORACLE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...ALLOWED_TAGS],
  allowedAttributes: Object.fromEntries(
    Object.entries(ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, [...names]]),
  ),
  allowedSchemes: [...LINK_SCHEMES],
  allowedSchemesByTag: Object.fromEntries([...MEDIA_ELEMENTS].map((t) => [t, [...MEDIA_SCHEMES]])),
  allowedSchemesAppliedToAttributes: [...URL_ATTRIBUTES, "srcset"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  nonTextTags: [...DROPPED_WITH_CONTENT],
  parseStyleAttributes: false,
};

/** HTML as a browser-like parser reads it, written back the same way: spelling differences gone. */
function normalized(html: string): string {
  return load(html, ARTICLE_PARSE_OPTIONS, false).html();
}

/**
 * What sanitize-html would still remove from a sanitized article: undefined when nothing (both read
 * alike once parsed), else the first place where its output and ours part.
 */
export function oracleObjection(html: string): string | undefined {
  const ours = normalized(html);
  const oracle = normalized(sanitizeHtml(html, ORACLE_OPTIONS));
  if (ours === oracle) return undefined;
  let i = 0;
  while (ours[i] === oracle[i]) i++;
  const at = Math.max(0, i - 60);
  return `ours:   …${ours.slice(at, i + 80)}\noracle: …${oracle.slice(at, i + 80)}`;
}
