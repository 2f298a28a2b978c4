import { describe, expect, it } from "vitest";
import { type CpuProfile, spread, summarizeProfile } from "../src/cli/worker-profiler.js";

/** A profile of three functions: nodes 1 (idle), 2 (render), 3 (garbage collector). */
function profile(samples: number[], timeDeltas: number[]): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: { functionName: "(idle)" } },
      { id: 2, callFrame: { functionName: "render", url: "file:///worker/index.js" } },
      { id: 3, callFrame: { functionName: "(garbage collector)" } },
    ],
    startTime: 0,
    endTime: timeDeltas.reduce((a, b) => a + b, 0),
    samples,
    timeDeltas,
  };
}

describe("summarizeProfile", () => {
  it("counts executing samples and leaves out idle ones", () => {
    const summary = summarizeProfile(profile([2, 2, 1, 3], [100, 100, 100, 100]));
    expect(summary.cpuMs).toBeCloseTo(0.3);
    expect(summary.gcMs).toBeCloseTo(0.1);
    expect(summary.wallMs).toBeCloseTo(0.4);
    expect(summary.top[0]).toEqual(["render index.js", 0.2]);
  });

  it("does not count a wait for I/O as CPU: a sample after a long gap stands for two intervals", () => {
    // 50 ms without samples (the isolate waited for D1), then one sample in render.
    const summary = summarizeProfile(profile([2, 2], [100, 50_000]));
    expect(summary.cpuMs).toBeCloseTo(0.3);
    expect(summary.wallMs).toBeCloseTo(50.1);
  });
});

describe("spread", () => {
  it("gives median, 90th percentile and maximum by nearest rank", () => {
    expect(spread([5, 1, 4, 2, 3, 6, 7, 8, 9, 10])).toEqual({ medianMs: 5, p90Ms: 9, maxMs: 10 });
    expect(spread([])).toEqual({ medianMs: 0, p90Ms: 0, maxMs: 0 });
  });
});
