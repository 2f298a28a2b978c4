/**
 * @module document — parses one seed document: timestamp, title, article URL, separator, HTML body.
 *
 * Format: line 1 `<!--EPOCH_MS-->`, line 2 `[Title](https://article/url)`, line 3 `------`, then HTML.
 */
import { decode as decodeEntities } from "entities";
import { decodeDocument, decodeUtf8, type Utf8Decoder } from "./decode.js";
import { DocumentError } from "./errors.js";
import { dropUnsafeCharReferences, readableText } from "./text.js";

/** A document that passed every check of the format. */
export interface SeedDocument {
  /** Where it came from, as given (a path relative to the seeds folder, or an API label). */
  readonly file: string;
  /** Publication time, epoch milliseconds. */
  readonly publishedMs: number;
  readonly title: string;
  /** The article URL, absolute http(s), as written in the document. */
  readonly url: string;
  /** The article's HTML as written, line endings as LF (made XML-safe and NFC later, node by node). */
  readonly body: string;
}

/** Limits on a document; configurable per call, documented in the README. */
export interface DocumentLimits {
  /** Largest accepted document, in bytes. */
  readonly maxBytes: number;
  /** Longest accepted title, in characters. */
  readonly maxTitleLength: number;
  /**
   * Most tags (start and end tags) in a body. HTML parsers keep their open elements in a list that
   * costs time proportional to its length on every new element and on every end tag they look up, so a
   * million nested elements, or thousands of stray end tags below them, would take minutes; this bounds
   * the nesting and the lookups, and so the time, of every document.
   */
  readonly maxTags: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxTitleLength: 1000,
  maxTags: 40_000,
};

/** Plausible publication times: from 1990-01-01 (the web's news archives begin later) to 2100-01-01. */
export const EARLIEST_MS = Date.UTC(1990, 0, 1);
export const LATEST_MS = Date.UTC(2100, 0, 1);

const TIMESTAMP_EXAMPLE = "<!--1639594666000-->";
const TITLE_EXAMPLE = "[Title](https://example.com/article)";

function show(text: string, max = 60): string {
  const clipped = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(clipped);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function parseTimestamp(file: string, line: string | undefined): number {
  const fail = (reason: string) => new DocumentError(file, 1, reason);
  if (line === undefined || line.trim() === "") {
    throw fail(`expected an epoch-ms timestamp like ${TIMESTAMP_EXAMPLE}, got an empty line`);
  }
  const match = /^<!--\s*(.*?)\s*-->$/.exec(line.trim());
  if (!match)
    throw fail(
      `expected an epoch-ms timestamp like ${TIMESTAMP_EXAMPLE}, got ${show(line.trim())}`,
    );
  const digits = match[1] ?? "";
  if (digits.startsWith("-") && /^-\d+$/.test(digits)) {
    throw fail(
      `the timestamp ${digits} is negative; expected milliseconds since 1970 like ${TIMESTAMP_EXAMPLE}`,
    );
  }
  if (!/^\d+$/.test(digits)) {
    throw fail(
      `expected an epoch-ms timestamp like ${TIMESTAMP_EXAMPLE}, got ${show(`<!--${digits}-->`)}`,
    );
  }
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) {
    throw fail(
      `the timestamp ${show(digits, 30)} is too large; expected milliseconds since 1970 like ${TIMESTAMP_EXAMPLE}`,
    );
  }
  if (value < EARLIEST_MS && value * 1000 >= EARLIEST_MS && value * 1000 < LATEST_MS) {
    throw fail(
      `the timestamp ${digits} looks like seconds (${isoDate(value * 1000)}); write milliseconds: <!--${digits}000-->`,
    );
  }
  if (value < EARLIEST_MS || value >= LATEST_MS) {
    throw fail(
      `the timestamp ${digits} (${value < 8.64e15 ? isoDate(value) : "beyond year 275760"}) is outside ${isoDate(EARLIEST_MS)} to ${isoDate(LATEST_MS)}; expected milliseconds since 1970`,
    );
  }
  return value;
}

/** Splits `[title](url)` on the last `](`: titles may contain brackets and `](`, URLs may contain parentheses. */
function parseTitleLine(
  file: string,
  line: string | undefined,
  limits: DocumentLimits,
): { title: string; url: string } {
  const fail = (reason: string) => new DocumentError(file, 2, reason);
  const text = (line ?? "").trim();
  if (text === "") throw fail(`expected a title line like ${TITLE_EXAMPLE}, got an empty line`);
  const split = text.lastIndexOf("](");
  if (!text.startsWith("[") || !text.endsWith(")") || split < 0) {
    throw fail(`expected a title line like ${TITLE_EXAMPLE}, got ${show(text)}`);
  }
  const rawTitle = text.slice(1, split);
  const rawUrl = text.slice(split + 2, -1).trim();
  const title = readableText(decodeEntities(dropUnsafeCharReferences(rawTitle)));
  if (title === "") throw fail(`the title is empty; expected ${TITLE_EXAMPLE}`);
  if (title.length > limits.maxTitleLength) {
    throw fail(
      `the title is ${title.length} characters long; at most ${limits.maxTitleLength} are accepted`,
    );
  }
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw fail(`expected an absolute http(s) URL in the title line, got ${show(rawUrl)}`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw fail(`expected an absolute http(s) URL in the title line, got ${show(rawUrl)}`);
  }
  return { title, url: url.href };
}

/**
 * Parses one seed document from its bytes (or already-decoded text); `utf8` decodes valid UTF-8.
 * @throws DocumentError naming the file, the line and what was expected.
 * @example parseDocument(bytes, "seeds/000.txt").title // "西方围堵下中俄…"
 */
export function parseDocument(
  input: Uint8Array | string,
  file: string,
  limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS,
  utf8: Utf8Decoder = decodeUtf8,
): SeedDocument {
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > limits.maxBytes) {
    throw new DocumentError(
      file,
      1,
      `the document is ${size} bytes; at most ${limits.maxBytes} are accepted`,
    );
  }
  if (size === 0)
    throw new DocumentError(
      file,
      1,
      `the file is empty; expected a document starting with ${TIMESTAMP_EXAMPLE}`,
    );
  let text: string;
  if (typeof input === "string") {
    text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  } else {
    const decoded = decodeDocument(input, utf8);
    if (!decoded.ok) throw new DocumentError(file, decoded.line, decoded.reason);
    text = decoded.text;
  }
  // CRLF, LF and lone CR all end a line.
  const header: string[] = [];
  let rest = text;
  for (let i = 0; i < 3; i++) {
    const end = /\r\n|\n|\r/.exec(rest);
    if (!end) {
      header.push(rest);
      rest = "";
      break;
    }
    header.push(rest.slice(0, end.index));
    rest = rest.slice(end.index + end[0].length);
  }
  const publishedMs = parseTimestamp(file, header[0]);
  const { title, url } = parseTitleLine(file, header[1], limits);
  const separator = header[2];
  if (separator === undefined || !/^-{3,}$/.test(separator.trim())) {
    throw new DocumentError(
      file,
      3,
      `expected the separator line "------" after the title, got ${separator === undefined ? "the end of the file" : show(separator)}`,
    );
  }
  // Not made XML-safe or NFC here: that is done node by node as the article is written out, and to
  // what is read out of it (readableText), never to the markup, where NFC could join a combining mark
  // to the `>` before it.
  const body = rest.includes("\r") ? rest.replace(/\r\n?/g, "\n") : rest;
  // Text without markup may still be nothing a reader can see (control characters alone).
  if (body.trim() === "" || (!body.includes("<") && readableText(body) === ""))
    throw new DocumentError(
      file,
      4,
      "the article body is empty; expected the article's HTML after the separator",
    );
  checkTagCount(file, body, limits.maxTags);
  return { file, publishedMs, title, url, body };
}

/** Rejects a body with more tags than the limit, naming the line where the limit is passed. */
function checkTagCount(file: string, body: string, maxTags: number): void {
  let count = 0;
  // What `/<\/?[A-Za-z]/g` finds, at a fifth of its cost: a `<`, maybe a `/`, then an ASCII letter.
  for (let at = body.indexOf("<"); at >= 0; at = body.indexOf("<", at + 1)) {
    let next = body.charCodeAt(at + 1);
    if (next === 0x2f) next = body.charCodeAt(at + 2);
    const lower = next | 0x20;
    if (lower < 0x61 || lower > 0x7a || ++count <= maxTags) continue;
    let line = 4;
    for (let i = body.indexOf("\n"); i >= 0 && i < at; i = body.indexOf("\n", i + 1)) line++;
    throw new DocumentError(
      file,
      line,
      `the body has more than ${maxTags} tags; split the document, or raise the limit (DocumentLimits.maxTags)`,
    );
  }
}
