/**
 * @module base64 — bytes as base64 text and back (RFC 4648, with padding), with the fastest encoder the
 * runtime has: `Uint8Array.prototype.toBase64` where V8 ships it, else Node's Buffer (through
 * `process.getBuiltinModule`), else `btoa`. Node 22 has no toBase64, and its `btoa` looks at every
 * character on its own: the entry store's pieces took 0.6 ms a document that way.
 */
import { builtinModule } from "./builtin.js";

type Base64Encoder = (bytes: Uint8Array) => string;

interface BufferModule {
  readonly Buffer: {
    from(
      buffer: ArrayBufferLike,
      byteOffset: number,
      length: number,
    ): { toString(encoding: "base64"): string };
  };
}

/** `btoa` over the bytes as Latin-1 text, in slices: String.fromCharCode takes them as arguments. */
function btoaBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

function bufferBase64(): Base64Encoder | undefined {
  const { Buffer } = builtinModule<BufferModule>("node:buffer") ?? {};
  if (typeof Buffer?.from !== "function") return undefined;
  return (bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * The encoders this runtime has, fastest first; all write the same text (a test checks it).
 */
export const BASE64_ENCODERS: readonly Base64Encoder[] = [
  ...(typeof (Uint8Array.prototype as { toBase64?: () => string }).toBase64 === "function"
    ? [(bytes: Uint8Array) => (bytes as unknown as { toBase64(): string }).toBase64()]
    : []),
  ...[bufferBase64()].filter((encode) => encode !== undefined),
  btoaBase64,
];

/**
 * Bytes as base64 text.
 * @example toBase64(new Uint8Array([104, 105])) // "aGk="
 */
export const toBase64: Base64Encoder = BASE64_ENCODERS[0] as Base64Encoder;

type Base64Decoder = (text: string) => Uint8Array;

/**
 * Base64 text as bytes: `Uint8Array.fromBase64` where the runtime has it, else `atob` and a copy. Both
 * reject text that is not base64 (Buffer would skip what it cannot read, so it is not used here).
 * @throws DOMException or SyntaxError when the text is not base64.
 * @example fromBase64("aGk=") // Uint8Array [104, 105]
 */
export const fromBase64: Base64Decoder =
  (Uint8Array as unknown as { fromBase64?: Base64Decoder }).fromBase64?.bind(Uint8Array) ??
  ((text) => {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  });
