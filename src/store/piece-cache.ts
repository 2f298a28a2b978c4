/**
 * @module store/piece-cache — keeps the entry pieces an isolate read last in its memory.
 *
 * An entry's pieces are a function of its stored entry and the render key, and the entry of its
 * document, its dates and the key, so pieces cached under (id, document hash, dates, render key) can
 * never be stale. A publish then reads from D1 only the light columns of the rows it needs and the
 * pieces of those it has not seen: reading every feed's rows in full (hundreds of KB each) was most of
 * an ingest's CPU.
 */
import { ByteLru } from "../lru.js";
import type { EntryPieces } from "../publish.js";

/**
 * Pieces kept per isolate (Workers allow an isolate 128 MB). An entry's pieces are 10–40 KB held
 * compressed (as the store keeps them), 50–200 KB with their texts.
 */
export const PIECE_CACHE_MAX_BYTES = 24 * 1024 * 1024;

/**
 * The entry ids an isolate remembers having held pieces of: about 10,000 ids of 60 characters, ten
 * times the entries whose pieces fit, so an article corrected weeks later is still known.
 */
export const ID_HINT_MAX_BYTES = 2 * 1024 * 1024;

/** A remembered id's own cost beyond its characters. */
const ID_OVERHEAD_BYTES = 64;

/** What identifies one rendering of an entry. */
export interface PieceKey {
  readonly id: string;
  readonly documentHash: string;
  readonly publishedMs: number;
  readonly updatedMs: number;
  readonly renderKey: string;
}

function keyText(key: PieceKey): string {
  return [key.id, key.documentHash, key.publishedMs, key.updatedMs, key.renderKey].join("\n");
}

/** A held piece's own cost beyond its bytes: objects, digest, key. */
const PIECE_OVERHEAD_BYTES = 256;

/**
 * Bytes pieces hold at most: strings at two bytes a character (none for pieces held only compressed,
 * whose texts are made when read), plus the compressed segments.
 */
function sizeOf(pieces: EntryPieces): number {
  let bytes = pieces.textsFromCompressed
    ? 0
    : 2 * (pieces.atom.length + pieces.rss.length + pieces.json.length);
  for (const piece of Object.values(pieces.compressed ?? {}))
    bytes += piece.segment.bytes.length + PIECE_OVERHEAD_BYTES;
  return bytes;
}

/**
 * A byte-bounded map from an entry's rendering to its pieces, least recently used first out.
 * @example cache.set(key, pieces); cache.get(key) === pieces // true
 */
export class PieceCache {
  readonly #pieces: ByteLru<EntryPieces>;
  /** Ids of the entries whose pieces were held, each valued at what it costs to keep. */
  readonly #ids: ByteLru<number>;

  constructor(
    readonly maxBytes: number = PIECE_CACHE_MAX_BYTES,
    idBytes: number = ID_HINT_MAX_BYTES,
  ) {
    this.#pieces = new ByteLru(maxBytes, sizeOf);
    this.#ids = new ByteLru(idBytes, (bytes) => bytes);
  }

  /**
   * Whether pieces of this entry id were held, in any rendering, even ones dropped since: the entry
   * was most likely stored then. A hint, never a guarantee (it may be deleted since, or stored by
   * another isolate without this one knowing).
   */
  sawId(id: string): boolean {
    return this.#ids.get(id) !== undefined;
  }

  get bytes(): number {
    return this.#pieces.bytes;
  }

  get(key: PieceKey): EntryPieces | undefined {
    return this.#pieces.get(keyText(key));
  }

  /** Adds compressed forms to pieces held without them (a publish compressed them). */
  addCompressed(key: PieceKey, compressed: NonNullable<EntryPieces["compressed"]>): void {
    const held = this.#pieces.peek(keyText(key));
    if (held && !held.compressed) this.set(key, { ...held, compressed });
  }

  set(key: PieceKey, pieces: EntryPieces): void {
    this.#pieces.set(keyText(key), pieces);
    this.#ids.set(key.id, 2 * key.id.length + ID_OVERHEAD_BYTES);
  }
}
