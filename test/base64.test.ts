import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { BASE64_ENCODERS, fromBase64, toBase64 } from "../src/base64.js";

/** Deterministic bytes: every value, then a pseudo-random tail. */
function bytesOf(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = i < 256 ? i : state >>> 24;
  }
  return bytes;
}

describe("base64", () => {
  // Lengths around the padding cases and across btoa's 32 KiB slices.
  const lengths = [0, 1, 2, 3, 4, 255, 256, 0x8000 - 1, 0x8000, 0x8000 + 1, 70_001];

  it("writes what RFC 4648 says, with every encoder this runtime has", () => {
    expect(toBase64(new TextEncoder().encode("hi"))).toBe("aGk=");
    for (const [i, length] of lengths.entries()) {
      const bytes = bytesOf(length, i + 1);
      const expected = Buffer.from(bytes).toString("base64");
      for (const encode of BASE64_ENCODERS) expect(encode(bytes)).toBe(expected);
    }
  });

  it("encodes a view of a larger buffer as its own bytes only", () => {
    const whole = bytesOf(1000, 7);
    const view = whole.subarray(100, 403);
    for (const encode of BASE64_ENCODERS)
      expect(encode(view)).toBe(Buffer.from(view).toString("base64"));
  });

  it("uses Node's Buffer here, not btoa (which looks at each character on its own)", () => {
    // Node 22 has no Uint8Array.prototype.toBase64: Buffer first, btoa last.
    expect(BASE64_ENCODERS.length).toBeGreaterThanOrEqual(2);
    expect(toBase64).toBe(BASE64_ENCODERS[0]);
    expect(toBase64).not.toBe(BASE64_ENCODERS.at(-1));
  });

  it("reads back what it wrote, and rejects text that is not base64", () => {
    for (const [i, length] of lengths.entries()) {
      const bytes = bytesOf(length, i + 11);
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
    expect(() => fromBase64("not base64!")).toThrow();
  });
});
