import { describe, expect, it } from "vitest";
import { generateCorrection, generateDocument } from "../src/cli/corpus.js";
import { convertDocument } from "../src/pipeline.js";

describe("the benchmark's corpus", () => {
  it("is the same on every run: a document depends only on its index and seed", () => {
    expect(generateDocument(42)).toBe(generateDocument(42));
    expect(generateDocument(42)).not.toBe(generateDocument(43));
    expect(generateDocument(42, 2)).not.toBe(generateDocument(42));
  });

  it("corrects a document as a newsroom does: the same article an hour later, with the correction shown", () => {
    const original = convertDocument(generateDocument(42), "42.txt");
    const corrected = convertDocument(generateCorrection(42), "42.txt");
    expect(corrected.id).toBe(original.id);
    expect(corrected.title).toBe(original.title);
    expect(corrected.publishedMs - original.publishedMs).toBe(3_600_000);
    expect(corrected.contentHtml).toContain("Corrected an hour after publication.");
    expect(original.contentHtml).not.toContain("Corrected");
  });
});
