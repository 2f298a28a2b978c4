import { createRequire } from "node:module";
import { constants, deflateRawSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  combineCrc32,
  compressSegment,
  crc32,
  type DeflateSegment,
  inflateSegment,
  joinGzip,
  PAGE_DEFLATE_LEVEL,
  RAW_DEFLATES,
  storedSegment,
  tableCrc32,
} from "../src/gzip-join.js";
import { DEFLATE_CASES } from "./helpers/deflate-cases.js";

/** An independent inflater (a JavaScript port of zlib), to check what Node's zlib accepts too. */
const pako = createRequire(import.meta.url)("pako") as { ungzip(data: Uint8Array): Uint8Array };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A piece compressed on its own and ended with a sync flush: what an ingest stores per entry. */
function compressedSegment(text: string): DeflateSegment {
  const data = encoder.encode(text);
  const bytes = new Uint8Array(deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH }));
  return { bytes, crc: crc32(data), size: data.length };
}

async function decompressStream(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/** Every decoder's reading of a gzip member. */
async function decodeAll(bytes: Uint8Array): Promise<string[]> {
  return [
    decoder.decode(gunzipSync(bytes)),
    decoder.decode(pako.ungzip(bytes)),
    await decompressStream(bytes),
  ];
}

const entry = (i: number) =>
  `<entry><id>https://news.example/${i}</id><content><![CDATA[${"<p>中俄两国领导人周三举行视频会晤 talks continue.</p>".repeat(200 + i * 37)}]]></content></entry>`;

describe("crc32", () => {
  it("gives the check value of CRC-32/ISO-HDLC", () => {
    expect(crc32(encoder.encode("123456789")).toString(16)).toBe("cbf43926");
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it("is zlib's where the runtime has it, equal to the table's, also continued", () => {
    for (const [what, data] of DEFLATE_CASES) {
      expect(crc32(data), what).toBe(tableCrc32(data));
      const half = Math.floor(data.length / 2);
      expect(crc32(data.subarray(half), crc32(data.subarray(0, half))), what).toBe(crc32(data));
      expect(tableCrc32(data.subarray(half), tableCrc32(data.subarray(0, half))), what).toBe(
        crc32(data),
      );
    }
    expect(tableCrc32(encoder.encode("123456789")).toString(16)).toBe("cbf43926");
  });

  it("combines two texts' CRCs into the CRC of both, for any lengths", () => {
    for (const [a, b] of [
      ["", ""],
      ["a", ""],
      ["", "b"],
      ["head", entry(1)],
      [entry(2), entry(3).repeat(20)],
    ] as const) {
      const left = encoder.encode(a);
      const right = encoder.encode(b);
      const both = encoder.encode(a + b);
      expect(combineCrc32(crc32(left), crc32(right), right.length)).toBe(crc32(both));
    }
  });
});

describe("compressSegment", () => {
  it("uses Node's own zlib, which writes the same bytes as pako", () => {
    const { builtin, pako: fallback } = RAW_DEFLATES;
    expect(builtin).toBeDefined();
    for (const [what, data] of DEFLATE_CASES) {
      const native = compressSegment(data);
      expect(native.bytes, what).toEqual(compressSegment(data, fallback).bytes);
      expect(native.size, what).toBe(data.length);
      expect(native.crc, what).toBe(crc32(data));
      // Pages' level too: a page's gzip body (and so its ETag's promise) is the same wherever made.
      const page = compressSegment(data, builtin, PAGE_DEFLATE_LEVEL);
      expect(page.bytes, what).toEqual(compressSegment(data, fallback, PAGE_DEFLATE_LEVEL).bytes);
      expect(inflateSegment(page), what).toEqual(data);
    }
  });

  it("ends each segment with a sync flush, so segments join into one member any decoder reads", async () => {
    const segments = DEFLATE_CASES.map(([, data]) => compressSegment(data));
    for (const segment of segments)
      expect([...segment.bytes.subarray(-4)]).toEqual([0, 0, 0xff, 0xff]);
    const expected = Buffer.concat(DEFLATE_CASES.map(([, data]) => data));
    const gzip = joinGzip(segments);
    expect(Buffer.from(gunzipSync(gzip)).equals(expected)).toBe(true);
    expect(Buffer.from(pako.ungzip(gzip)).equals(expected)).toBe(true);
  });
});

describe("inflateSegment", () => {
  it("gives back each segment's bytes, and names a segment that is not what it says", () => {
    for (const [what, data] of DEFLATE_CASES)
      expect(
        Buffer.from(inflateSegment(compressSegment(data))).equals(Buffer.from(data)),
        what,
      ).toBe(true);
    const segment = compressSegment(encoder.encode(entry(1)));
    expect(() => inflateSegment({ ...segment, size: segment.size + 1 })).toThrow(
      /inflates to \d+ bytes, not the \d+ recorded/,
    );
    expect(() => inflateSegment({ ...segment, bytes: new Uint8Array([0xff, 0xff, 0xff]) })).toThrow(
      /does not inflate/,
    );
  });
});

describe("joinGzip", () => {
  it("makes one gzip member that every decoder reads as the texts in order", async () => {
    const head =
      '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n';
    const entries = [entry(0), entry(1), entry(2)];
    const segments = [
      storedSegment(encoder.encode(head)),
      compressedSegment(entries[0] ?? ""),
      storedSegment(encoder.encode("\n")),
      compressedSegment(entries[1] ?? ""),
      storedSegment(encoder.encode("\n")),
      compressedSegment(entries[2] ?? ""),
      storedSegment(encoder.encode("\n</feed>\n")),
    ];
    const expected = `${head}${entries.join("\n")}\n</feed>\n`;
    const gzip = joinGzip(segments);
    expect(await decodeAll(gzip)).toEqual([expected, expected, expected]);
    // Compressed pieces make it small: well under a fifth of the text.
    expect(gzip.length).toBeLessThan(encoder.encode(expected).length / 5);
  });

  it("keeps stored blocks over 64 KiB and empty texts valid", async () => {
    const long = "x".repeat(70_000) + "é".repeat(40_000);
    const gzip = joinGzip([
      storedSegment(new Uint8Array()),
      storedSegment(encoder.encode(long)),
      compressedSegment(""),
    ]);
    expect(await decodeAll(gzip)).toEqual([long, long, long]);
    expect(await decodeAll(joinGzip([]))).toEqual(["", "", ""]);
  });

  it("is deterministic: the same segments give the same bytes, with no time in the header", () => {
    const segments = [compressedSegment(entry(4)), storedSegment(encoder.encode("\n"))];
    const gzip = joinGzip(segments);
    expect(joinGzip(segments)).toEqual(gzip);
    expect([...gzip.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
  });

  it("writes the length modulo 2^32 and the CRC of the whole text in the trailer", () => {
    const text = encoder.encode(entry(5));
    const gzip = joinGzip([compressedSegment(entry(5))]);
    const trailer = new DataView(gzip.buffer, gzip.byteOffset + gzip.length - 8);
    expect(trailer.getUint32(0, true)).toBe(crc32(text));
    expect(trailer.getUint32(4, true)).toBe(text.length);
  });
});
