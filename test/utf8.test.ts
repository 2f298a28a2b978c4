import { describe, expect, it } from "vitest";
import { nodeUtf8 } from "../src/cli/utf8.js";
import { decodeUtf8 } from "../src/decode.js";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("nodeUtf8, the build's fast UTF-8 decoder", () => {
  it("gives the standard strict decoder's text, byte order marks included", () => {
    const inputs = [
      new TextEncoder().encode("中文新闻 — Café 😀 \uFEFF\uFFFF\u0000 end"),
      new TextEncoder().encode("plain ASCII <p>text</p>\n"),
      bytes(0xef, 0xbb, 0xbf, 0x41),
      bytes(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41),
      bytes(),
    ];
    for (const input of inputs) {
      expect(nodeUtf8(input)).toBe(decodeUtf8(input));
      expect(nodeUtf8(input)).not.toBeUndefined();
    }
  });

  it("refuses what is not UTF-8, as the standard decoder does", () => {
    // Lone surrogate, overlong NUL, beyond U+10FFFF, cut short, GBK.
    const inputs = [
      bytes(0xed, 0xa0, 0x80),
      bytes(0xc0, 0x80),
      bytes(0xf4, 0x90, 0x80, 0x80),
      bytes(0x41, 0xe4, 0xb8),
      bytes(0xd6, 0xd0, 0xce, 0xc4),
    ];
    for (const input of inputs) {
      expect(decodeUtf8(input)).toBeUndefined();
      expect(nodeUtf8(input)).toBeUndefined();
    }
  });

  it("reads a subarray of a larger buffer, not the buffer around it", () => {
    const all = new TextEncoder().encode("xx中文yy");
    expect(nodeUtf8(all.subarray(2, 8))).toBe("中文");
    expect(nodeUtf8(new TextEncoder().encode("abcdef").subarray(1, 3))).toBe("bc");
  });
});
