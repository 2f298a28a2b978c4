/**
 * The restart benchmark (`npm run bench -- --restart`) on a small corpus: its rounds must be what
 * they say, or its figures measure something else.
 */
import { describe, expect, it } from "vitest";
import { formatRestart, measureRestart } from "../../src/cli/restart-bench.js";

describe("measureRestart", () => {
  it("publishes everything first, then only what changed, and everything again with --full", async () => {
    const report = await measureRestart(60);
    const [first, same, oneMore, forced] = report.rounds;
    expect(first).toMatchObject({ full: true, created: 60, unchanged: 0 });
    expect(same).toMatchObject({ full: false, created: 0, unchanged: 60 });
    expect(oneMore).toMatchObject({ full: false, created: 1, unchanged: 60 });
    expect(forced).toMatchObject({ full: true, created: 0, unchanged: 61 });
    // A restart renders the subscription feeds, the page and the list; a full publish every archive
    // page and category feed too.
    expect(same?.rendered).toBeLessThan((first?.rendered ?? 0) / 2);
    expect(forced?.rendered).toBeGreaterThanOrEqual(first?.rendered ?? 0);
    const lines = formatRestart(report);
    expect(lines[0]).toContain("60 generated documents");
    expect(lines[5]).toMatch(/^restart with --full .* \(every document\); 0 new, 61 unchanged$/);
  }, 120_000);
});
