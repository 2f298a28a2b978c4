/**
 * @module decode — turns a document's bytes into text: UTF-8 (with or without BOM), or the charset the
 * document itself declares; never mojibake, never U+FFFD that the bytes did not spell.
 */

/** Why bytes could not be decoded, and where (1-based line of the first bad byte). */
export interface DecodeFailure {
  readonly ok: false;
  readonly line: number;
  readonly reason: string;
}

export interface Decoded {
  readonly ok: true;
  readonly text: string;
  /** The charset used, lower-case WHATWG label ("utf-8", "gbk", …). */
  readonly charset: string;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
/** Native, strict, and keeps a second BOM as text (ours is stripped before). */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const CHARSET_DECLARATION = /<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i;

/** Offset of the first byte that is not part of valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The charset a `<meta charset>` or `<meta http-equiv content="…; charset=…">` declares, if any. */
function declaredCharset(bytes: Uint8Array): string | undefined {
  // Declarations are ASCII; latin1 maps every byte to one character, so offsets and matches survive.
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 8192));
  return CHARSET_DECLARATION.exec(head)?.[1]?.toLowerCase();
}

/**
 * Strict UTF-8 decoding: the text, or undefined when the bytes are not valid UTF-8. A BOM is text
 * here (the caller strips the document's own). A runtime may bring a faster one (see cli/utf8).
 */
export type Utf8Decoder = (bytes: Uint8Array) => string | undefined;

/** The standard decoder, strict: what every runtime has. */
export const decodeUtf8: Utf8Decoder = (bytes) => {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
};

/**
 * Decodes a document. Valid UTF-8 always wins (scrapers often re-encode a page and keep its old
 * `<meta charset>`); otherwise a declared charset the runtime knows is used, strictly.
 * @example decodeDocument(new TextEncoder().encode("<!--1-->")) // { ok: true, text: "<!--1-->", charset: "utf-8" }
 */
export function decodeDocument(
  bytes: Uint8Array,
  utf8: Utf8Decoder = decodeUtf8,
): Decoded | DecodeFailure {
  const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b);
  const body = hasBom ? bytes.subarray(3) : bytes;
  const text = utf8(body);
  if (text !== undefined) return { ok: true, text, charset: "utf-8" };
  // Not UTF-8: find where, then try the charset the document declares.
  const invalidAt = Math.max(0, firstInvalidUtf8(body));

  const line = lineAt(body, invalidAt);
  const where = `byte 0x${(body[invalidAt] as number).toString(16).padStart(2, "0")} is not valid UTF-8`;
  const charset = hasBom ? undefined : declaredCharset(body);
  if (charset === undefined) {
    return {
      ok: false,
      line,
      reason: `${where} and the document declares no charset; re-save it as UTF-8`,
    };
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: false });
  } catch {
    return {
      ok: false,
      line,
      reason: `${where} and the declared charset "${charset}" is not one we can decode; re-save it as UTF-8`,
    };
  }
  try {
    return { ok: true, text: decoder.decode(body), charset: decoder.encoding };
  } catch {
    return {
      ok: false,
      line,
      reason: `${where} and the bytes are not valid ${decoder.encoding} either (declared charset); re-save it as UTF-8`,
    };
  }
}
