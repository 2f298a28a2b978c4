/**
 * @module gzip-join — one gzip member (RFC 1952) assembled from pieces compressed on their own, without
 * compressing anything again: a feed's gzip body from its entries' stored segments.
 *
 * Each piece is a raw DEFLATE (RFC 1951) segment that ends on a byte boundary without a final block (what
 * a sync or full flush leaves), so segments can follow one another. The member is the gzip header, the
 * segments in order, an empty final block, then the CRC-32 and the length of the whole text: the CRC
 * comes from the segments' own CRCs (CRC-32 is linear, so crc(A‖B) = crc(A)·x^(8·|B|) ⊕ crc(B) mod P),
 * never from the text. Small pieces (a feed's head, separators) need no compressor: they become stored
 * blocks. Pieces are compressed with the runtime's own zlib where it has one (Node; workerd with
 * `nodejs_compat`), else with pako (zlib's deflate in JavaScript): the same bytes either way, and no
 * `node:` import in the core.
 */
import { Deflate, inflateRaw, Z_SYNC_FLUSH } from "pako";
import { builtinModule } from "./builtin.js";
import { concatBytes } from "./bytes.js";
import { EdgefeedError } from "./errors.js";

/** The part of `node:zlib` the core uses. */
interface ZlibModule {
  deflateRawSync(
    data: Uint8Array,
    options: { level: number; windowBits: number; memLevel: number; finishFlush: number },
  ): Uint8Array;
  inflateRawSync(data: Uint8Array): Uint8Array;
  /** Node ≥ 22.2 and workerd; the CRC so far as `value` continues it. */
  crc32?(data: Uint8Array, value?: number): number;
  readonly constants: { readonly Z_SYNC_FLUSH: number };
}

/**
 * zlib itself, where the runtime has it built in: Node, and workerd with `nodejs_compat` (its own zlib
 * in C++, so an ingest's CPU time is not spent in JavaScript). Found with `process.getBuiltinModule`,
 * so the core imports nothing from `node:` and runs where neither exists, on pako.
 */
const BUILTIN_ZLIB: ZlibModule | undefined = (() => {
  const zlib = builtinModule<ZlibModule>("node:zlib");
  return typeof zlib?.deflateRawSync === "function" && typeof zlib.inflateRawSync === "function"
    ? (zlib as ZlibModule)
    : undefined;
})();

/** A Buffer's bytes as a plain Uint8Array view, as every other segment is. */
const plainBytes = (out: Uint8Array) => new Uint8Array(out.buffer, out.byteOffset, out.byteLength);

/** A raw DEFLATE segment: no final block, ending on a byte boundary; with its text's CRC-32 and length. */
export interface DeflateSegment {
  readonly bytes: Uint8Array;
  /** CRC-32 (ISO-HDLC, as gzip uses) of the uncompressed bytes. */
  readonly crc: number;
  /** Uncompressed length in bytes. */
  readonly size: number;
}

/** The reflected CRC-32 polynomial (x^32 + x^26 + … + 1). */
const POLY = 0xedb88320;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 gzip uses, of some bytes; pass the CRC so far to continue it. The runtime's zlib computes
 * it where it can (a piece's 30 KB in microseconds), else a table does.
 * @example crc32(new TextEncoder().encode("123456789")).toString(16) // "cbf43926"
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const native = BUILTIN_ZLIB?.crc32;
  return native ? native(bytes, crc) >>> 0 : tableCrc32(bytes, crc);
}

/** crc32 with the table, in JavaScript: for runtimes without zlib's. */
export function tableCrc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++)
    c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * a·b mod P, both polynomials in the reflected order CRCs use (bit 31 is x^0).
 */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  let m = 0x80000000;
  let shifted = b >>> 0;
  while (m !== 0) {
    if (a & m) product ^= shifted;
    m >>>= 1;
    shifted = shifted & 1 ? (shifted >>> 1) ^ POLY : shifted >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) mod P for k = 0…63: repeated squaring from x (bit 30 in reflected order). */
const X_POW_2K = (() => {
  const powers = new Uint32Array(64);
  powers[0] = 0x40000000;
  for (let k = 1; k < 64; k++)
    powers[k] = multiplyModP(powers[k - 1] as number, powers[k - 1] as number);
  return powers;
})();

/** x^(8·length) mod P: what appending `length` bytes multiplies a CRC by. */
function shiftFor(length: number): number {
  // A product of x^(2^k) over the bits of 8·length.
  let shift = 0x80000000;
  let n = length;
  for (let k = 3; n > 0; k++, n = Math.floor(n / 2))
    if (n % 2 === 1) shift = multiplyModP(X_POW_2K[k] as number, shift);
  return shift;
}

/**
 * The CRC-32 of A‖B from A's CRC, B's CRC and B's length.
 * @example combineCrc32(crc32(a), crc32(b), b.length) === crc32(concat(a, b)) // true
 */
export function combineCrc32(crcA: number, crcB: number, lengthB: number): number {
  return appendCrc(crcA, crcB, shiftFor(lengthB));
}

/** The CRC-32 of A‖B from A's CRC, B's CRC and B's shift (`shiftFor` its length). */
function appendCrc(crcA: number, crcB: number, shiftB: number): number {
  return (multiplyModP(shiftB, crcA) ^ crcB) >>> 0;
}

/**
 * Each segment's shift, kept as long as the segment is: a stored entry's segments are joined into
 * several feeds per publish, and the isolate's piece cache keeps them from one publish to the next.
 */
const segmentShifts = new WeakMap<DeflateSegment, number>();

function segmentShift(segment: DeflateSegment): number {
  let shift = segmentShifts.get(segment);
  if (shift === undefined) {
    shift = shiftFor(segment.size);
    segmentShifts.set(segment, shift);
  }
  return shift;
}

/** The largest stored block DEFLATE allows. */
const MAX_STORED = 0xffff;

/**
 * Bytes as uncompressed (stored) DEFLATE blocks, not final: for short texts (a feed's head, a separator)
 * whose compression would save little and cost a compressor.
 * @example storedSegment(new TextEncoder().encode("\n")).bytes // [0, 1, 0, 254, 255, 10]
 */
export function storedSegment(data: Uint8Array): DeflateSegment {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_STORED));
  const bytes = new Uint8Array(data.length + 5 * blocks);
  let at = 0;
  for (let from = 0; from < data.length || at === 0; from += MAX_STORED) {
    const length = Math.min(MAX_STORED, data.length - from);
    // BFINAL 0, BTYPE 00, padded to the byte; then LEN and its complement, little-endian.
    bytes.set([0, length & 0xff, length >>> 8, ~length & 0xff, (~length >>> 8) & 0xff], at);
    bytes.set(data.subarray(from, from + length), at + 5);
    at += 5 + length;
  }
  return { bytes, crc: crc32(data), size: data.length };
}

/**
 * One below zlib's default: a third less time per piece, which an ingest pays for three pieces within
 * its CPU budget, for output 0.1–0.7 % larger on the seed's pieces (4 % on the bench's word salad).
 */
const DEFLATE_LEVEL = 5;

/**
 * The level for documents compressed whole at every publish that people open now and then (the index
 * page, the OPML list), not every reader's poll: on a 58 KB index page of 50 articles, half the time
 * of DEFLATE_LEVEL for 11 % more bytes (9.3 KB instead of 8.3).
 */
export const PAGE_DEFLATE_LEVEL = 3;

/** A zlib compression level, 1 (fastest) to 9 (smallest). */
export type DeflateLevel = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/**
 * A raw DEFLATE compressor that ends its output with a sync flush; `windowBits` and `memLevel` as zlib
 * takes them.
 */
export type RawDeflate = (
  data: Uint8Array,
  windowBits: number,
  memLevel: number,
  level: DeflateLevel,
) => Uint8Array;

/** pako: zlib's deflate ported to JavaScript, for any runtime. */
const pakoDeflate: RawDeflate = (data, windowBits, memLevel, level) => {
  const deflate = new Deflate({ raw: true, level, windowBits, memLevel });
  const chunks: Uint8Array[] = [];
  deflate.onData = (chunk) => {
    chunks.push(chunk);
  };
  if (!deflate.push(data, Z_SYNC_FLUSH) || deflate.err !== 0)
    throw new EdgefeedError(
      `deflate of ${data.length} bytes failed: ${deflate.msg || deflate.err}`,
    );
  return concatBytes(chunks);
};

function builtinDeflate(): RawDeflate | undefined {
  if (BUILTIN_ZLIB === undefined) return undefined;
  const { deflateRawSync, constants } = BUILTIN_ZLIB;
  return (data, windowBits, memLevel, level) =>
    plainBytes(
      deflateRawSync(data, {
        level,
        windowBits,
        memLevel,
        finishFlush: constants.Z_SYNC_FLUSH,
      }),
    );
}

/**
 * The compressors this runtime has. Both are zlib's deflate with the same settings, so they write the
 * same bytes (the tests check it in Node and in workerd): which one ran never shows in a feed.
 */
export const RAW_DEFLATES: { readonly pako: RawDeflate; readonly builtin?: RawDeflate } = (() => {
  const builtin = builtinDeflate();
  return builtin ? { pako: pakoDeflate, builtin } : { pako: pakoDeflate };
})();

/**
 * A text's bytes as one raw DEFLATE segment ending in a sync flush (no final block), ready to join:
 * with the runtime's zlib where it has one, else with pako; at DEFLATE_LEVEL unless told.
 * @example gunzipSync(joinGzip([compressSegment(bytes)])) // bytes
 */
export function compressSegment(
  data: Uint8Array,
  deflate: RawDeflate = RAW_DEFLATES.builtin ?? RAW_DEFLATES.pako,
  level: DeflateLevel = DEFLATE_LEVEL,
): DeflateSegment {
  // A window no larger than the text (plus zlib's lookahead) loses nothing, and a smaller window and
  // hash table are less to allocate and clear: 20 % faster on seed-sized pieces, same bytes out for
  // them, and any inflater reads a smaller window.
  const windowBits = Math.max(9, Math.min(15, Math.ceil(Math.log2(data.length + 262))));
  const memLevel = Math.max(1, Math.min(8, windowBits - 7));
  return {
    bytes: deflate(data, windowBits, memLevel, level),
    crc: crc32(data),
    size: data.length,
  };
}

/** zlib's inflate where the runtime has it built in, else pako's. */
const rawInflate: (data: Uint8Array) => Uint8Array = BUILTIN_ZLIB
  ? (data) => plainBytes(BUILTIN_ZLIB.inflateRawSync(data))
  : (data) => inflateRaw(data);

/**
 * A segment's text bytes again: for the rare reader of a piece kept only compressed (a small feed
 * compressed whole, a brotli body, the identity body of a full publish).
 * @throws EdgefeedError when the segment does not inflate to its recorded length.
 * @example inflateSegment(compressSegment(bytes)) // bytes
 */
export function inflateSegment(segment: DeflateSegment): Uint8Array {
  // Closed with an empty final block, the segment is a whole raw DEFLATE stream any inflater reads.
  const stream = new Uint8Array(segment.bytes.length + FINAL_BLOCK.length);
  stream.set(segment.bytes, 0);
  stream.set(FINAL_BLOCK, segment.bytes.length);
  let text: Uint8Array;
  try {
    text = rawInflate(stream);
  } catch (cause) {
    throw new EdgefeedError(`a compressed piece of ${segment.size} bytes does not inflate`, {
      cause,
    });
  }
  if (text.length !== segment.size)
    throw new EdgefeedError(
      `a compressed piece inflates to ${text.length} bytes, not the ${segment.size} recorded`,
    );
  return text;
}

/** gzip header: deflate, no flags, no time (the same text always gives the same bytes), OS unknown. */
const GZIP_HEADER = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/** An empty final block with fixed codes: BFINAL 1, BTYPE 01, end-of-block. */
const FINAL_BLOCK = [0x03, 0x00];

/**
 * One gzip member of the segments' texts in order.
 * @example gunzipSync(joinGzip([storedSegment(a), storedSegment(b)])) // a‖b
 */
export function joinGzip(segments: readonly DeflateSegment[]): Uint8Array {
  let length = GZIP_HEADER.length + FINAL_BLOCK.length + 8;
  for (const segment of segments) length += segment.bytes.length;
  const out = new Uint8Array(length);
  out.set(GZIP_HEADER, 0);
  let at = GZIP_HEADER.length;
  let crc = 0;
  let size = 0;
  for (const segment of segments) {
    out.set(segment.bytes, at);
    at += segment.bytes.length;
    crc = appendCrc(crc, segment.crc, segmentShift(segment));
    size += segment.size;
  }
  out.set(FINAL_BLOCK, at);
  at += FINAL_BLOCK.length;
  const trailer = new DataView(out.buffer, out.byteOffset + at, 8);
  trailer.setUint32(0, crc, true);
  // ISIZE: the length modulo 2^32.
  trailer.setUint32(4, size % 0x100000000, true);
  return out;
}
