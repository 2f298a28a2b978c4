import { describe, expect, it } from "vitest";
import { startProgress } from "../src/cli/progress.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream,
  };
}

describe("startProgress", () => {
  it("draws a self-updating line with count, percent and rate on a terminal for large builds", () => {
    const { writes, stream } = fakeStream(true);
    const progress = startProgress(stream, 2000, "converting");
    progress.tick(1000);
    progress.done();
    expect(writes[0]).toMatch(/^\rconverting 1000\/2000 \(50%, \d+ docs\/s\)/);
    expect(writes.at(-2)).toMatch(/^\rconverting 2000\/2000 \(100%/);
    expect(writes.at(-1)).toBe("\n");
  });

  it("stays silent when output is not a terminal, or the job is small", () => {
    for (const [tty, total] of [
      [false, 100_000],
      [true, 10],
    ] as const) {
      const { writes, stream } = fakeStream(tty);
      const progress = startProgress(stream, total, "converting");
      progress.tick(total / 2);
      progress.done();
      expect(writes).toEqual([]);
    }
  });
});
