/**
 * Hostile and malformed documents, one fixture per case under test/fixtures/hostile/, each with its
 * expected outcome beside it (NAME.expect.json): rejected with a message naming file, line and problem,
 * or accepted, sanitized, and published in feeds that every consumer accepts.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readSiteConfig } from "../src/config.js";
import type { Entry } from "../src/entry.js";
import { DocumentError } from "../src/errors.js";
import { convertDocument } from "../src/pipeline.js";
import { renderSite } from "../src/publish.js";
import {
  atomSchemaErrors,
  parseWithFeedsmith,
  XML_FORBIDDEN,
  xmlWellFormednessError,
} from "./helpers/feeds.js";

const DIR = path.join(import.meta.dirname, "fixtures/hostile");

interface Expectation {
  readonly outcome: "accepted" | "rejected";
  readonly line?: number;
  readonly reason?: string;
  readonly contains?: readonly string[];
  readonly absent?: readonly string[];
  readonly title?: string;
  readonly link?: string;
  readonly images?: readonly string[];
  readonly imageCount?: number;
}

const cases = readdirSync(DIR)
  .filter((name) => name.endsWith(".txt"))
  .sort()
  .map((name) => {
    const base = name.slice(0, -".txt".length);
    const expectation = JSON.parse(
      readFileSync(path.join(DIR, `${base}.expect.json`), "utf8"),
    ) as Expectation;
    return {
      base,
      file: `hostile/${name}`,
      bytes: readFileSync(path.join(DIR, name)),
      expectation,
    };
  });

/** Executable content, in any spelling a browser would run. */
const EXECUTABLE =
  /<(script|iframe|object|embed|svg|math|form|meta|base|link|style)\b|\son[a-z]+\s*=|(href|src|srcset|poster|cite|action)\s*=\s*"\s*(javascript|vbscript|data):/i;

const config = readSiteConfig({
  SITE_URL: "https://news.example/",
  FEED_TITLE: "Hostile",
  FEED_LANGUAGE: "en",
});
const accepted: Array<{ base: string; entry: Entry; input: string }> = [];

describe("hostile fixtures", () => {
  it("cover every rule and trick the hardening issue lists", () => {
    expect(cases.length).toBeGreaterThanOrEqual(35);
    expect(cases.filter((c) => c.expectation.outcome === "rejected").length).toBeGreaterThanOrEqual(
      18,
    );
  });

  for (const c of cases.filter((x) => x.expectation.outcome === "rejected")) {
    it(`rejects ${c.base}: ${c.expectation.reason}`, () => {
      let error: unknown;
      try {
        convertDocument(c.bytes, c.file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DocumentError);
      const e = error as DocumentError;
      expect(e.message.startsWith(`${c.file}:${c.expectation.line}: `)).toBe(true);
      expect(e.reason).toContain(c.expectation.reason);
    });
  }

  for (const c of cases.filter((x) => x.expectation.outcome === "accepted")) {
    it(`accepts and sanitizes ${c.base}`, () => {
      const entry = convertDocument(c.bytes, c.file);
      const x = c.expectation;
      for (const text of x.contains ?? []) expect(entry.contentHtml).toContain(text);
      for (const text of x.absent ?? [])
        expect(`${entry.contentHtml}${entry.title}`).not.toContain(text);
      if (x.title !== undefined) expect(entry.title).toBe(x.title);
      if (x.link !== undefined) expect(entry.link).toBe(x.link);
      if (x.images !== undefined) expect(entry.images.map((i) => i.url)).toEqual(x.images);
      if (x.imageCount !== undefined) expect(entry.images).toHaveLength(x.imageCount);
      expect(entry.contentHtml).not.toMatch(EXECUTABLE);
      expect(XML_FORBIDDEN.test(entry.contentHtml + entry.title + entry.summary)).toBe(false);
      const input = new TextDecoder().decode(c.bytes);
      if (!input.includes("\uFFFD"))
        expect(entry.contentHtml + entry.title + entry.summary).not.toContain("\uFFFD");
      accepted.push({ base: c.base, entry, input });
    });
  }

  it("publishes every accepted case in well-formed, schema-valid, parseable feeds", async () => {
    expect(accepted.length).toBe(cases.filter((c) => c.expectation.outcome === "accepted").length);
    const atoms: string[] = [];
    for (const { base, entry } of accepted) {
      const site = Object.fromEntries(renderSite([entry], config).map((d) => [d.path, d.body]));
      for (const name of ["feed.atom", "feed.rss"]) {
        const xml = site[name] as string;
        expect(xmlWellFormednessError(xml), `${base} ${name}`).toBeUndefined();
        expect(XML_FORBIDDEN.test(xml), `${base} ${name}`).toBe(false);
        expect(parseWithFeedsmith(xml).format, `${base} ${name}`).toBe(
          name === "feed.atom" ? "atom" : "rss",
        );
      }
      expect(() => JSON.parse(site["feed.json"] as string), base).not.toThrow();
      atoms.push(site["feed.atom"] as string);
    }
    expect(await atomSchemaErrors(atoms)).toEqual([]);
  });
});
