/**
 * Texts to compress with both of the core's raw DEFLATE compressors (test/gzip-join.test.ts in Node,
 * test/worker/compression.test.ts in workerd): each size class picks another window, and the kinds of
 * text zlib treats differently (runs, CJK, incompressible bytes, matches across the window).
 */
const encoder = new TextEncoder();

/** Deterministic bytes that do not compress (xorshift32). */
function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export const DEFLATE_CASES: ReadonlyArray<readonly [string, Uint8Array]> = [
  ["empty", new Uint8Array()],
  ["a separator", encoder.encode("\n")],
  ["a feed's head", encoder.encode(`<?xml version="1.0"?>\n<feed>${"<link/>".repeat(12)}`)],
  [
    "an entry of mixed scripts",
    encoder.encode(
      `<entry>${"<p>中俄两国领导人周三举行视频会晤 talks continue; Переговоры продолжаются.</p>".repeat(300)}</entry>`,
    ),
  ],
  ["incompressible bytes", noise(20_000, 2463534242)],
  [
    "text longer than the largest window",
    encoder.encode(
      Array.from({ length: 9000 }, (_, i) => `<p>item ${i * 7919} of the archive</p>`).join(""),
    ),
  ],
];
