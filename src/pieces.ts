/**
 * @module pieces — an entry's feed pieces compressed once: per format, the piece's text as it stands in a
 * feed, as a raw DEFLATE segment (src/gzip-join.ts) with a digest of the text. Feeds' gzip bodies are
 * joined from these segments and their ETags made from these digests, so a publish neither compresses
 * nor hashes megabytes. Packed as text for the entry store.
 */
import { fromBase64, toBase64 } from "./base64.js";
import type { FeedFormat } from "./config.js";
import { EdgefeedError } from "./errors.js";
import { compressSegment, type DeflateSegment } from "./gzip-join.js";

/** One piece of a feed, compressed: its segment, and the hex SHA-256 (128 bits) of its UTF-8 text. */
export interface CompressedPiece {
  readonly digest: string;
  readonly segment: DeflateSegment;
}

/** An entry's compressed pieces, one per format. */
export type CompressedPieces = Readonly<Record<FeedFormat, CompressedPiece>>;

/** Bytes of SHA-256 a digest keeps: 128 bits, enough to tell contents apart. */
export const DIGEST_BYTES = 16;

/** Each byte's two hex digits. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += HEX[byte];
  return hex;
}

/**
 * The hex SHA-256 of some bytes, cut to 128 bits: enough to tell contents apart.
 * @example await digestOf(new Uint8Array()) // "e3b0c44298fc1c149afbf4c8996fb924"
 */
export async function digestOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return toHex(digest.subarray(0, DIGEST_BYTES));
}

/**
 * A piece's text compressed for joining, with its digest.
 * @example (await compressPiece("<entry>…</entry>")).segment.size // its UTF-8 length
 */
export async function compressPiece(text: string): Promise<CompressedPiece> {
  const bytes = new TextEncoder().encode(text);
  return { digest: await digestOf(bytes), segment: compressSegment(bytes) };
}

/** Packed: digest (16 bytes), CRC-32 and length (4 bytes each, little-endian), then the segment. */
const PACK_HEADER = DIGEST_BYTES + 8;

/**
 * A compressed piece as text (base64) for the entry store.
 * @example unpackPiece(packPiece(piece), "entry 1 atom") // piece
 */
export function packPiece(piece: CompressedPiece): string {
  const { segment } = piece;
  const bytes = new Uint8Array(PACK_HEADER + segment.bytes.length);
  for (let i = 0; i < DIGEST_BYTES; i++)
    bytes[i] = Number.parseInt(piece.digest.slice(2 * i, 2 * i + 2), 16);
  const view = new DataView(bytes.buffer);
  view.setUint32(DIGEST_BYTES, segment.crc, true);
  view.setUint32(DIGEST_BYTES + 4, segment.size, true);
  bytes.set(segment.bytes, PACK_HEADER);
  return toBase64(bytes);
}

/**
 * A packed piece read back.
 * @throws EdgefeedError naming `what` when the text is not a packed piece.
 */
export function unpackPiece(text: string, what: string): CompressedPiece {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text);
  } catch (cause) {
    throw new EdgefeedError(`${what}: compressed piece is not base64`, { cause });
  }
  if (bytes.length < PACK_HEADER)
    throw new EdgefeedError(
      `${what}: compressed piece has ${bytes.length} bytes, fewer than its header`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    digest: toHex(bytes.subarray(0, DIGEST_BYTES)),
    segment: {
      bytes: bytes.subarray(PACK_HEADER),
      crc: view.getUint32(DIGEST_BYTES, true),
      size: view.getUint32(DIGEST_BYTES + 4, true),
    },
  };
}
