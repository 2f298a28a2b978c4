/**
 * Checks feeds the way their consumers do: XML well-formedness, the RFC 4287 RELAX NG schema, two
 * independent feed parsers, and the JSON Feed 1.1 required fields.
 */
import { readFileSync } from "node:fs";
import { extractFromJson } from "@extractus/feed-extractor";
import { parseFeed as parseWithRowanmanning } from "@rowanmanning/feed-parser";
import { XMLValidator } from "fast-xml-parser";
import { parseFeed as parseWithFeedsmith } from "feedsmith";
import { validateXML } from "xmllint-wasm";

const ATOM_RNG = readFileSync(new URL("../fixtures/schemas/atom.rng", import.meta.url), "utf8");

/** Characters XML 1.0 cannot carry (beyond tab, LF, CR) and lone surrogates: written independently of src/text.ts. */
export const XML_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The well-formedness error of an XML document, or undefined when it is well-formed. */
export function xmlWellFormednessError(xml: string): string | undefined {
  const result = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  return result === true
    ? undefined
    : `${result.err.code} at line ${result.err.line}: ${result.err.msg}`;
}

/**
 * RELAX NG errors of Atom documents against RFC 4287's schema (empty when all are valid). Each error
 * starts with "feed-N.atom:LINE", N the document's index. One call validates many: each call costs
 * about a third of a second of WebAssembly start-up.
 */
export async function atomSchemaErrors(xml: string | readonly string[]): Promise<string[]> {
  const docs = typeof xml === "string" ? [xml] : xml;
  if (docs.length === 0) return [];
  const result = await validateXML({
    xml: docs.map((contents, i) => ({ fileName: `feed-${i}.atom`, contents })),
    schema: [ATOM_RNG],
    extension: "relaxng",
    maxMemoryPages: 16384,
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}

export { parseWithFeedsmith, parseWithRowanmanning };

/** JSON Feed as @extractus/feed-extractor reads it, with the members it normally drops kept. */
export function parseJsonWithFeedExtractor(json: string) {
  return extractFromJson(JSON.parse(json), {
    normalization: true,
    getExtraEntryFields: (item: Record<string, unknown>) => ({
      attachments: item.attachments,
      authors: item.authors,
    }),
  });
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** What breaks JSON Feed 1.1 (https://jsonfeed.org/version/1.1) in a parsed document; empty when valid. */
export function jsonFeed11Problems(feed: unknown): string[] {
  const problems: string[] = [];
  const f = feed as Record<string, unknown>;
  if (f.version !== "https://jsonfeed.org/version/1.1")
    problems.push(`version is ${String(f.version)}`);
  if (typeof f.title !== "string" || f.title === "") problems.push("title is missing");
  for (const key of ["home_page_url", "feed_url"]) {
    if (f[key] !== undefined && !/^https?:\/\//.test(String(f[key])))
      problems.push(`${key} is not an absolute URL`);
  }
  if ("author" in f) problems.push("uses the 1.0 'author' member; 1.1 has 'authors'");
  if (!Array.isArray(f.items)) return [...problems, "items is not an array"];
  f.items.forEach((raw, i) => {
    const item = raw as Record<string, unknown>;
    if (typeof item.id !== "string" || item.id === "") problems.push(`items[${i}].id is missing`);
    if (typeof item.content_html !== "string" && typeof item.content_text !== "string") {
      problems.push(`items[${i}] has neither content_html nor content_text`);
    }
    for (const key of ["date_published", "date_modified"]) {
      if (item[key] !== undefined && !RFC3339.test(String(item[key])))
        problems.push(`items[${i}].${key} is not RFC 3339`);
    }
    if ("author" in item) problems.push(`items[${i}] uses the 1.0 'author' member`);
    for (const [j, a] of (
      (item.attachments as Record<string, unknown>[] | undefined) ?? []
    ).entries()) {
      if (typeof a.url !== "string" || typeof a.mime_type !== "string") {
        problems.push(`items[${i}].attachments[${j}] lacks url or mime_type`);
      }
    }
    for (const [j, a] of (
      (item.authors as Record<string, unknown>[] | undefined) ?? []
    ).entries()) {
      if (typeof a.name !== "string" && typeof a.url !== "string" && typeof a.avatar !== "string") {
        problems.push(`items[${i}].authors[${j}] has no name, url or avatar`);
      }
    }
  });
  return problems;
}
