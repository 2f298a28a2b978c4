/**
 * @module worker/negotiate — picks the stored coding of a document that a client's Accept-Encoding
 * allows, preferring the smallest.
 */
import type { ContentEncoding } from "../publish.js";

/** Our preference among codings the client rates equally: brotli is smallest, identity largest. */
const PREFERENCE: readonly ContentEncoding[] = ["br", "gzip", "identity"];

/** Names some clients still send for a coding we store under another. */
const ALIASES: Readonly<Record<string, ContentEncoding>> = { "x-gzip": "gzip" };

/**
 * The quality (0–1) a client gives each coding it names; `*` stands for the ones it does not name.
 * @example parseAcceptEncoding("gzip;q=0.5, br") // Map { "gzip" => 0.5, "br" => 1 }
 */
export function parseAcceptEncoding(field: string): Map<string, number> {
  const qualities = new Map<string, number>();
  for (const part of field.split(",")) {
    const [name = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (name === "") continue;
    let quality = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([01](?:\.\d{0,3})?)$/.exec(param);
      if (match?.[1] !== undefined) quality = Number(match[1]);
    }
    qualities.set(ALIASES[name] ?? name, Math.min(quality, 1));
  }
  return qualities;
}

/**
 * The coding to answer with, among those stored. Without Accept-Encoding, identity (RFC 9110 §12.5.3);
 * identity also when the client refuses every stored coding, since a readable answer beats a 406.
 * @example chooseEncoding("gzip, deflate, br", ["identity", "gzip", "br"]) // "br"
 */
export function chooseEncoding(
  field: string | undefined,
  available: readonly ContentEncoding[],
): ContentEncoding {
  if (field === undefined || field.trim() === "") return "identity";
  const qualities = parseAcceptEncoding(field);
  const wildcard = qualities.get("*");
  const qualityOf = (encoding: ContentEncoding): number =>
    qualities.get(encoding) ?? (encoding === "identity" ? (wildcard ?? 1) : (wildcard ?? 0));
  let best: ContentEncoding = "identity";
  let bestQuality = 0;
  for (const encoding of PREFERENCE) {
    if (!available.includes(encoding)) continue;
    const quality = qualityOf(encoding);
    if (quality > bestQuality) {
      best = encoding;
      bestQuality = quality;
    }
  }
  return best;
}
