import { describe, expect, it } from "vitest";
import { formatD1Size } from "../src/cli/d1-size-bench.js";

describe("formatD1Size", () => {
  it("states the size an article takes, what 100,000 take, and how many each plan's database holds", () => {
    const lines = formatD1Size({
      entries: 1_000,
      documentChars: 14_774,
      fileBytes: 20_000_000,
      tables: [
        { name: "compressed_pieces", bytes: 17_000_000 },
        { name: "entries", bytes: 2_400_000 },
        { name: "entry_categories", bytes: 600_000 },
        { name: "site_state", bytes: 4_096 },
      ],
      rowsWrittenPerDocument: 12.9,
      rowsWrittenPerIngest: 30,
    });
    expect(lines[0]).toContain("1,000 generated articles (14,774 characters each on average)");
    // 20,000 bytes an article: 19.5 KiB, 2 GB for 100,000, 25,000 in 500 MB, 500,000 in 10 GB.
    expect(lines[1]).toBe(
      "  file 20.0 MB: 19.5 KB an article; compressed_pieces 17.0 MB, entries 2.4 MB, entry_categories 0.6 MB",
    );
    expect(lines[2]).toBe(
      "  100,000 such articles: about 2.0 GB; Workers Free's 500 MB holds about 25,000, Workers Paid's 10 GB holds about 500,000",
    );
    expect(lines[3]).toContain(
      "12.9 a document loaded 100 a batch, 30 for one ingest with its publish",
    );
  });
});
