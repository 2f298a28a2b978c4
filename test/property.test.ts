import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readSiteConfig } from "../src/config.js";
import type { Entry } from "../src/entry.js";
import { DocumentError } from "../src/errors.js";
import { convertDocument, mergeEntries } from "../src/pipeline.js";
import { renderSite } from "../src/publish.js";
import {
  atomSchemaErrors,
  jsonFeed11Problems,
  parseWithFeedsmith,
  XML_FORBIDDEN,
  xmlWellFormednessError,
} from "./helpers/feeds.js";
import { oracleObjection } from "./helpers/sanitize-oracle.js";

const config = readSiteConfig({
  SITE_URL: "https://news.example/",
  FEED_TITLE: "Fuzz & <friends>",
  FEED_LANGUAGE: "en",
});

/** Fragments that have broken feed generators: CDATA ends, entities, controls, markup, odd Unicode. */
const nasty = fc.constantFrom(
  "]]>",
  "<![CDATA[",
  "&amp;",
  "&lt;",
  "&#0;",
  "&#1;",
  "&#xFFFE;",
  "&#x1F600;",
  "&nbsp;",
  "&bogus;",
  "&",
  "\u0000",
  "\u0001",
  "\u000B",
  "\u001F",
  "\u007F",
  "\u0085",
  "\uFFFE",
  "\uFFFF",
  "\uD800",
  "\uDC00",
  "\uFFFD",
  "<",
  ">",
  '"',
  "'",
  "](",
  "[",
  ")",
  "\r",
  "\n",
  "\t",
  "e\u0301",
  "\u0338",
  "&#x338;",
  "👨‍👩‍👧",
  "中文",
  "עברית",
  "\u202E",
  "<script>alert(1)</script>",
  '<img src=x onerror="alert(1)">',
  '<a href="javascript:alert(1)">x</a>',
  "<svg><script>1</script></svg>",
  "<!--",
  "-->",
  "<p>",
  "</p>",
  "<figure>",
  "<style>",
  "<iframe>",
);
const text = fc
  .array(
    fc.oneof(nasty, fc.string({ unit: "grapheme-composite" }), fc.string({ unit: "binary" })),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));
const nested = fc
  .integer({ min: 0, max: 400 })
  .map((depth) => `${"<div><span>".repeat(depth)}deep${"</span></div>".repeat(depth)}`);
const body = fc
  .array(
    fc.oneof(
      text,
      nested,
      text.map((t) => `<p>${t}</p>`),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.join(""));
const timestamp = fc.oneof(
  fc.integer({ min: 631152000000, max: 4102444799000 }).map(String),
  fc.string({ maxLength: 14 }),
);
const title = fc.oneof(text, fc.string({ minLength: 1, maxLength: 40 }));
const url = fc.oneof(
  fc.webUrl(),
  fc.constantFrom("javascript:alert(1)", "/relative", "https://x.example/a_(b)", "mailto:a@b"),
);
const document = fc
  .record({ timestamp, title, url, body, crlf: fc.boolean(), bom: fc.boolean() })
  .map((d) => {
    const text = `${d.bom ? "\uFEFF" : ""}<!--${d.timestamp}-->\n[${d.title}](${d.url})\n------\n${d.body}`;
    return d.crlf ? text.replaceAll("\n", "\r\n") : text;
  });

/** Converts, and proves the only failure is a DocumentError naming the file and a line. */
function convertOrReject(doc: string, i: number): Entry | undefined {
  try {
    return convertDocument(new TextEncoder().encode(doc), `fuzz/${i}.txt`);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    const e = error as DocumentError;
    expect(e.message).toMatch(new RegExp(`^fuzz/${i}\\.txt:[1-9]\\d*: .+`));
    return undefined;
  }
}

describe("random documents (fast-check)", () => {
  it("always yield well-formed, parseable feeds or a clear rejection", async () => {
    let published = 0;
    let rejected = 0;
    const atomDocs: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(document, { minLength: 1, maxLength: 4 }), async (docs) => {
        const entries = docs.map(convertOrReject).filter((e): e is Entry => e !== undefined);
        published += entries.length;
        rejected += docs.length - entries.length;
        const archive = mergeEntries(entries);
        const site = Object.fromEntries(
          renderSite(archive.entries, config).map((d) => [d.path, d.body]),
        );
        for (const name of ["feed.atom", "feed.rss"]) {
          const xml = site[name] as string;
          expect(xmlWellFormednessError(xml), name).toBeUndefined();
          expect(XML_FORBIDDEN.test(xml), `${name} has a character XML forbids`).toBe(false);
          expect(parseWithFeedsmith(xml).format).toBe(name === "feed.atom" ? "atom" : "rss");
          // Text may spell "<script>" (escaped); an element may not exist.
          expect(xml).not.toMatch(/<script/i);
        }
        atomDocs.push(site["feed.atom"] as string);
        const json = JSON.parse(site["feed.json"] as string);
        expect(jsonFeed11Problems(json)).toEqual([]);
        expect(json.items).toHaveLength(archive.entries.length);
        for (const entry of entries) {
          expect(entry.contentHtml).not.toMatch(
            /<(script|style|iframe|svg|object)|\son\w+\s*=|(href|src)\s*=\s*"\s*(javascript|vbscript|data):/i,
          );
          // The maintained sanitizer, given our policy, finds nothing left to remove.
          expect(oracleObjection(entry.contentHtml)).toBeUndefined();
          // No U+FFFD that the input bytes did not spell (TextEncoder writes a lone surrogate as U+FFFD).
          if (!docs.some((d) => d.includes("\uFFFD") || XML_FORBIDDEN.test(d)))
            expect(entry.contentHtml + entry.title).not.toContain("\uFFFD");
        }
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 300),
        seed: Number(process.env.FUZZ_SEED ?? 20261126),
      },
    );
    console.log(
      `fuzz: ${published + rejected} documents tried, ${published} published (sanitized), ${rejected} rejected with a file:line message`,
    );
    // Validated together after the run: one WebAssembly start-up instead of one per case.
    expect(await atomSchemaErrors(atomDocs)).toEqual([]);
    // Both outcomes must actually occur, or the property proves little.
    expect(published).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(20);
  });
});
