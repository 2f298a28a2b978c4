/**
 * @module render/parts — a feed document as its parts: a head, the entries' pieces used verbatim with one
 * separator between them, and a tail. Publishing compresses each piece once and joins the compressed
 * pieces instead of compressing the whole document again (src/gzip-join.ts).
 */

/** A feed document in parts; its text is `head + pieces.join(separator) + tail`. */
export interface FeedParts {
  readonly head: string;
  /** The entries' texts exactly as they stand in the document. */
  readonly pieces: readonly string[];
  readonly separator: string;
  readonly tail: string;
  /**
   * At most the text's length, where the parts know one without making their pieces (a publish's
   * parts make them only when read): enough to tell a large feed without reading it.
   */
  readonly minLength?: number;
}

/**
 * What stands around a feed's pieces: made from how many pieces there are, never from their texts,
 * so a publish can frame pieces it holds only compressed.
 */
export type FeedFrame = Pick<FeedParts, "head" | "separator" | "tail">;

/**
 * The document's text.
 * @example joinFeedParts({ head: "[", pieces: ["1", "2"], separator: ",", tail: "]" }) // "[1,2]"
 */
export function joinFeedParts(parts: FeedParts): string {
  return `${parts.head}${parts.pieces.join(parts.separator)}${parts.tail}`;
}
