/**
 * CDATA sections written and read back: the store keeps an article's HTML only inside its Atom piece
 * (src/store/entries.ts), so reading it back must give exactly the HTML given, whatever it holds.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convertDocument } from "../src/pipeline.js";
import { atomEntryContent, renderAtomEntry } from "../src/render/atom.js";
import { cdataElement, cdataText } from "../src/render/xml.js";

/** Texts made of the pieces that CDATA escaping turns on, and some that it does not. */
const cdataTexts = fc
  .array(fc.constantFrom("]", ">", "]]>", "<![CDATA[", "]]]]><![CDATA[>", "a", "文", "<p>", "\n"), {
    maxLength: 40,
  })
  .map((parts) => parts.join(""));

describe("cdataText", () => {
  it("gives back the text cdataElement was given, however many `]]>` it held", () => {
    fc.assert(
      fc.property(cdataTexts, (text) => {
        expect(cdataText(cdataElement("content", text, { type: "html" }))).toBe(text);
      }),
      { numRuns: 2_000 },
    );
  });

  it("finds nothing in XML without a CDATA section", () => {
    expect(cdataText("<entry><title>a ]]&gt; b</title></entry>")).toBeUndefined();
  });
});

describe("atomEntryContent", () => {
  it("reads the seed article's HTML back out of its rendered Atom entry", () => {
    const seed = "seeds/000_2cee1c3ee14bd78d.txt";
    const entry = convertDocument(readFileSync(seed), seed);
    expect(atomEntryContent(renderAtomEntry(entry))).toBe(entry.contentHtml);
    const hostile = { ...entry, summary: "a ]]> b", contentHtml: "<p>x]]>y</p><p>]]]]></p>" };
    expect(atomEntryContent(renderAtomEntry(hostile))).toBe(hostile.contentHtml);
  });
});
