import { describe, expect, it } from "vitest";
import { concatBytes } from "../src/bytes.js";

describe("concatBytes", () => {
  it("puts the chunks one after another, empty ones and views into larger buffers included", () => {
    const backing = new Uint8Array([9, 9, 4, 5, 9]);
    const joined = concatBytes([new Uint8Array([1, 2]), new Uint8Array(0), backing.subarray(2, 4)]);
    expect([...joined]).toEqual([1, 2, 4, 5]);
    expect(concatBytes([]).byteLength).toBe(0);
  });
});
