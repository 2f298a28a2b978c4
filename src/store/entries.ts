/**
 * @module store/entries — every entry the worker has converted, in D1 (SQLite), with its rendered
 * pieces: the source each publish renders from. D1 runs each batch as one transaction, so concurrent
 * ingests serialize on the database instead of overwriting each other (KV allows one write per key per
 * second and has no transactions; see the README's "Where entries live").
 */
import type { Entry } from "../entry.js";
import { EdgefeedError } from "../errors.js";
import { ByteLru } from "../lru.js";
import { type CompressedPieces, packPiece, unpackPiece } from "../pieces.js";
import { type EntryPieces, piecesFromCompressed } from "../publish.js";
import { atomEntryContent } from "../render/atom.js";
import { StoreError } from "./errors.js";
import { PieceCache, type PieceKey } from "./piece-cache.js";

/** A category as stored: its URL slug and the label people read. */
export interface StoredCategory {
  readonly slug: string;
  readonly label: string;
  /** When its newest entry was published, where a read of every category gives it. */
  readonly newestMs?: number;
}

/** What the store knows about one entry, without its article. */
export interface EntryRecord {
  readonly id: string;
  readonly publishedMs: number;
  readonly updatedMs: number;
  /** Order of arrival, from 1: fixes the entry's archive page. */
  readonly position: number;
  /** Content hash of the document it came from: the same document again changes nothing. */
  readonly documentHash: string;
  readonly categories: readonly StoredCategory[];
  /** What the store remembers of the versions before this one, once the entry was updated. */
  readonly history?: EntryHistory;
}

/**
 * An updated entry's past, for telling a new version from an old one sent again: the time the stored
 * version's document gave (its `updatedMs` may be later: a correction sent with its article's own
 * time is dated when it arrived), and the content hashes of the documents it replaced.
 */
export interface EntryHistory {
  readonly sourceMs: number;
  /** Oldest first, at most HISTORY_HASHES. */
  readonly hashes: readonly string[];
}

/** Earlier document hashes an entry's history keeps. */
export const HISTORY_HASHES = 32;

/** An entry with its article and pieces, as publishing reads it. */
export interface StoredEntry extends EntryRecord {
  /**
   * The entry without its article body (`contentHtml` empty), for lists such as the index page: read
   * by `newest` when given a render key.
   */
  readonly listing?: Entry | undefined;
  /**
   * The article. Reads that name the current render key leave it out of rows whose pieces are current
   * (publishing needs only their pieces); reading it there throws.
   */
  readonly entry: Entry;
  readonly pieces: EntryPieces;
  /** What the pieces were rendered with; pieces of another key are rendered again. */
  readonly renderKey: string;
}

/** One new or changed entry to save. */
export interface EntryWrite {
  readonly entry: Entry;
  readonly documentHash: string;
  readonly categories: readonly StoredCategory[];
  readonly pieces: EntryPieces;
  readonly renderKey: string;
  /** Stored with the entry when given (an update); else a stored history is left as it is. */
  readonly history?: EntryHistory;
}

/** A removed entry, kept for Atom tombstones. */
export interface Tombstone {
  readonly id: string;
  readonly deletedMs: number;
}

/** The store's counters. */
export interface StoreState {
  /** Bumped by every change. */
  readonly seq: number;
  /** The `seq` the live version was rendered from. */
  readonly publishedSeq: number;
  /** The position the next new entry gets. */
  readonly nextPosition: number;
}

/** What trying the publishing lease found: whether this caller holds it now, until when, and the counters. */
export interface LockAttempt {
  readonly locked: boolean;
  /** The lease's end asked for: what the holder renews or frees it by. */
  readonly until: number;
  readonly state: StoreState;
  /**
   * The plan's reads, made in the same round trip as the lease and the counters when the caller asked
   * for them and the lease was taken (see PlanRequest): the publish that follows reads nothing more.
   */
  readonly plan?: PlanReads;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    published_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    document_hash TEXT NOT NULL,
    categories TEXT NOT NULL,
    entry TEXT NOT NULL,
    atom TEXT NOT NULL,
    rss TEXT NOT NULL,
    json TEXT NOT NULL,
    render_key TEXT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS entries_newest ON entries (published_ms DESC, id)",
  `CREATE TABLE IF NOT EXISTS entry_categories (
    slug TEXT NOT NULL, label TEXT NOT NULL, id TEXT NOT NULL, published_ms INTEGER NOT NULL,
    PRIMARY KEY (slug, id)
  )`,
  "CREATE INDEX IF NOT EXISTS entry_categories_newest ON entry_categories (slug, published_ms DESC, id)",
  // An entry's categories by its id, which a save replaces and a delete removes: without it each read
  // every category row.
  "CREATE INDEX IF NOT EXISTS entry_categories_id ON entry_categories (id)",
  // Each entry's pieces compressed (src/pieces.ts), packed as base64 text; valid while their render_key
  // is the entry's. A table of its own, so databases made before it need no migration.
  `CREATE TABLE IF NOT EXISTS compressed_pieces (
    id TEXT PRIMARY KEY, render_key TEXT NOT NULL, atom TEXT NOT NULL, rss TEXT NOT NULL, json TEXT NOT NULL
  )`,
  "CREATE TABLE IF NOT EXISTS tombstones (id TEXT PRIMARY KEY, deleted_ms INTEGER NOT NULL)",
  // Updated entries' histories (EntryHistory; hashes as a JSON array). A table of its own, so databases
  // made before it need no migration; an entry never updated has no row.
  "CREATE TABLE IF NOT EXISTS entry_history (id TEXT PRIMARY KEY, source_ms INTEGER NOT NULL, hashes TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS dirty (grp TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS site_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
  "INSERT OR IGNORE INTO site_state (key, value) VALUES ('seq', 0), ('published_seq', 0), ('next_position', 1), ('lock_until', 0)",
  // The entry count, kept by every write that adds or removes an entry, so a publish reads one row
  // instead of counting every entry; a database made before it is counted once, here (the count is
  // not even read once the row exists: every isolate runs these statements when it starts).
  "INSERT INTO site_state (key, value) SELECT 'entry_count', (SELECT COUNT(*) FROM entries) WHERE NOT EXISTS (SELECT 1 FROM site_state WHERE key = 'entry_count')",
  // The newest updated time, read through the index instead of a scan of every entry.
  "CREATE INDEX IF NOT EXISTS entries_updated ON entries (updated_ms)",
  // The live pointer as the last publish wrote it (with the seq it rendered), recorded when its lease
  // is given back: KV shows a new pointer in other locations up to a minute late, D1 at once, so a
  // publisher plans from this one (see `publishersLiveManifest`). One row; a table of its own, so
  // databases made before it need no migration.
  "CREATE TABLE IF NOT EXISTS live_pointer (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, pointer TEXT NOT NULL)",
];

const ready = new WeakMap<D1Database, Promise<void>>();

/** Creates the tables on first use (once per database object): no migration step to forget. */
export function ensureSchema(db: D1Database): Promise<void> {
  let done = ready.get(db);
  if (!done) {
    done = db
      .batch(SCHEMA.map((sql) => db.prepare(sql)))
      .then(() => undefined)
      .catch((cause: unknown) => {
        ready.delete(db);
        throw new StoreError("D1 schema", "could not be created", { cause });
      });
    ready.set(db, done);
  }
  return done;
}

type Row = Record<string, unknown>;

function toRecord(row: Row): EntryRecord {
  const record: EntryRecord = {
    id: String(row.id),
    publishedMs: Number(row.published_ms),
    updatedMs: Number(row.updated_ms),
    position: Number(row.position),
    documentHash: String(row.document_hash),
    categories: JSON.parse(String(row.categories)) as StoredCategory[],
  };
  // Only a look-up (FOUND_SELECT) reads the history.
  if (row.history_source_ms === null || row.history_source_ms === undefined) return record;
  return {
    ...record,
    history: {
      sourceMs: Number(row.history_source_ms),
      hashes: JSON.parse(String(row.history_hashes)) as string[],
    },
  };
}

function compressedOf(row: Row, id: string): CompressedPieces | undefined {
  if (row.atom_z === null || row.atom_z === undefined) return undefined;
  return {
    atom: unpackPiece(String(row.atom_z), `entry ${id} atom`),
    rss: unpackPiece(String(row.rss_z), `entry ${id} rss`),
    json: unpackPiece(String(row.json_z), `entry ${id} json`),
  };
}

/** What the listing cache may hold: about a thousand listings of a kilobyte. */
const LISTING_CACHE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Listings this isolate parsed last, by their JSON text, so a hit is the same listing by definition:
 * every publish reads the newest entries' listings again, and parsing them anew was 0.4 ms of an
 * ingest's CPU. A parsed listing is held as long as its text (two bytes a character) costs twice.
 */
const listingCache = new ByteLru<{ readonly listing: Entry; readonly bytes: number }>(
  LISTING_CACHE_MAX_BYTES,
  (held) => held.bytes,
);

/** An entry's listing (its article without the content) from its JSON text; shared, never to be changed. */
function parseListing(text: string): Entry {
  const held = listingCache.get(text);
  if (held) return held.listing;
  const listing: Entry = { ...(JSON.parse(text) as Entry), contentHtml: "" };
  listingCache.set(text, { listing, bytes: 4 * text.length });
  return listing;
}

/** An entry as its row keeps it: without its article's HTML when its pieces are kept compressed. */
type StoredEntryJson = Omit<Entry, "contentHtml"> & { readonly contentHtml?: string };

/**
 * The entry's JSON for its row. Saved with compressed pieces, it leaves out the article's HTML, which
 * the Atom piece holds verbatim (as CDATA) and gives back when the entry is read whole (`withArticle`):
 * the HTML was more than half of a row (100,000 of the bench's articles: 4.5 GB of D1 with it, 2.0
 * without; `npm run bench -- --d1-size`).
 */
function storedEntryJson(write: EntryWrite): string {
  const { contentHtml, ...rest } = write.entry;
  const kept: StoredEntryJson = write.pieces.compressed ? rest : write.entry;
  return JSON.stringify(kept);
}

/**
 * The entry read whole: its JSON, with the article's HTML from its Atom piece when the JSON left it
 * out (see storedEntryJson).
 * @throws StoreError naming the entry when neither holds the HTML.
 */
function withArticle(
  stored: StoredEntryJson,
  row: { readonly id: string; readonly pieces: EntryPieces },
): Entry {
  if (stored.contentHtml !== undefined) return stored as Entry;
  const contentHtml = atomEntryContent(row.pieces.atom);
  if (contentHtml === undefined)
    throw new StoreError(
      `entries ${row.id}`,
      "keeps its article's HTML in neither its entry nor its Atom piece; send the document again",
    );
  return { ...stored, contentHtml };
}

/** A base class whose instances hold a record's fields as their own. */
const RecordFields = class {
  constructor(record: EntryRecord) {
    Object.assign(this, record);
  }
} as new (
  record: EntryRecord,
) => EntryRecord;

/**
 * A stored entry as a read made it from its record and pieces; its article and listing (JSON texts,
 * null when not read) are parsed on first use: a publish reads many rows and assembles most of them
 * from their pieces alone. A class, not an object literal with getters, which V8 made ~20 times slower
 * to create: a publish makes one per row it reads (about 200 for an ingest).
 */
class ReadEntry extends RecordFields implements StoredEntry {
  #entry: Entry | undefined;
  #listing: Entry | undefined;

  constructor(
    record: EntryRecord,
    readonly pieces: EntryPieces,
    readonly renderKey: string,
    private readonly entryText: string | null,
    private readonly listingText?: string,
  ) {
    super(record);
  }

  get entry(): Entry {
    if (this.entryText === null)
      throw new EdgefeedError(
        `entry ${this.id}: read without its article (its pieces are current)`,
      );
    this.#entry ??= withArticle(JSON.parse(this.entryText) as StoredEntryJson, this);
    return this.#entry;
  }

  get listing(): Entry | undefined {
    if (this.listingText === undefined) return undefined;
    this.#listing ??= parseListing(this.listingText);
    return this.#listing;
  }
}

function toStored(row: Row, listingText?: string): StoredEntry {
  const record = toRecord(row);
  const compressed = compressedOf(row, record.id);
  // Rows saved with compressed pieces keep no texts (see storedTexts).
  const textless = row.atom === "" && row.rss === "" && row.json === "";
  if (textless && !compressed)
    throw new StoreError(
      `entries ${record.id}`,
      "keeps neither its pieces nor their compressed forms; send the document again",
    );
  const pieces: EntryPieces =
    textless && compressed
      ? piecesFromCompressed(compressed)
      : {
          atom: String(row.atom),
          rss: String(row.rss),
          json: String(row.json),
          ...(compressed ? { compressed } : {}),
        };
  const entryText = row.entry === null ? null : String(row.entry);
  return new ReadEntry(record, pieces, String(row.render_key), entryText, listingText);
}

/** The pieces this isolate read last (see store/piece-cache), shared by its stores. */
const isolatePieces = new PieceCache();

function pieceKey(record: EntryRecord, renderKey: string): PieceKey {
  return {
    id: record.id,
    documentHash: record.documentHash,
    publishedMs: record.publishedMs,
    updatedMs: record.updatedMs,
    renderKey,
  };
}

/**
 * Keeps a saved entry's pieces in this isolate's cache: the publish that follows the save reads the
 * entry's row without them (an ingest's own entry was most of what it read back).
 */
function remember(cache: PieceCache, write: EntryWrite): void {
  const { entry, documentHash, renderKey, pieces } = write;
  cache.set(
    {
      id: entry.id,
      documentHash,
      publishedMs: entry.publishedMs,
      updatedMs: entry.updatedMs,
      renderKey,
    },
    pieces.compressed ? piecesFromCompressed(pieces.compressed) : pieces,
  );
}

/**
 * The texts an entry's row keeps: none when its pieces are saved compressed, which hold them too (the
 * texts were four fifths of a row: 100,000 entries would fill D1's 10 GB), else the texts.
 */
function storedTexts(pieces: EntryPieces): readonly [string, string, string] {
  return pieces.compressed ? ["", "", ""] : [pieces.atom, pieces.rss, pieces.json];
}

/** Newest first, as `compareEntries` orders. */
const NEWEST_ORDER = "ORDER BY e.published_ms DESC, e.id ASC LIMIT ?";
/** Rows of `entries e` from position `from` (SQL: a placeholder, or an expression) to a bound one. */
const positionedFrom = (from: string) =>
  `WHERE e.position BETWEEN ${from} AND ? ORDER BY e.published_ms DESC, e.id ASC`;
const POSITIONED = positionedFrom("?");

function dirtyOf(row: Row): string {
  return String(row.grp);
}

function tombstoneOf(row: Row): Tombstone {
  return { id: String(row.id), deletedMs: Number(row.deleted_ms) };
}

function categoryOf(row: Row): StoredCategory {
  const category = { slug: String(row.slug), label: String(row.label) };
  return row.newest === undefined || row.newest === null
    ? category
    : { ...category, newestMs: Number(row.newest) };
}

function countOf(row: Row | undefined): { entries: number; newestMs: number | null } {
  return {
    entries: Number(row?.n ?? 0),
    newestMs: row?.newest === null || row?.newest === undefined ? null : Number(row.newest),
  };
}

function recordedOf(row: Row | undefined): RecordedPointer | null {
  return row ? { seq: Number(row.seq), text: String(row.pointer) } : null;
}

/** The counters from `SELECT key, value FROM site_state`. */
function stateOf(rows: readonly Row[]): StoreState {
  const value = (key: string) => Number(rows.find((r) => r.key === key)?.value ?? 0);
  return {
    seq: value("seq"),
    publishedSeq: value("published_seq"),
    nextPosition: value("next_position") || 1,
  };
}

/**
 * What a publish asks of its plan's reads, but where the open entries start (see PlanReads.open): the
 * number of newest entries and of tombstones, and the render key rows' pieces are wanted for.
 */
export interface PlanRequest {
  readonly newest: number;
  readonly tombstones: number;
  readonly renderKey: string;
}

/** Statements a plan's reads take in a batch (EntryStore.planStatements). */
const PLAN_STATEMENTS = 8;

/**
 * What the results of a batch ending in `tryLockStatements(…, plan)` say of the lease; with a plan,
 * its reads follow the counters.
 */
function lockAttemptOf(
  results: readonly D1Result<Row>[],
  until: number,
  plan?: PlanRequest,
): LockAttempt {
  const reads = plan ? PLAN_STATEMENTS : 0;
  const [lock, state] = results.slice(results.length - reads - 2, results.length - reads);
  return { locked: lock?.meta.changes === 1, until, state: stateOf(state?.results ?? []) };
}

/** What a publish reads to plan itself (see EntryStore.planReads). */
export interface PlanReads {
  /** The groups changed since the last publish. */
  readonly dirty: readonly string[];
  /** The newest entries, with their listings. */
  readonly newest: readonly StoredEntry[];
  /** Entries from a position on (those not yet in a complete archive page). */
  readonly open: readonly StoredEntry[];
  readonly tombstones: readonly Tombstone[];
  readonly categories: readonly StoredCategory[];
  readonly count: { readonly entries: number; readonly newestMs: number | null };
  /** The live pointer the last publish recorded (see `RecordedPointer`), if one did. */
  readonly recorded: RecordedPointer | null;
  /**
   * The newest entries of categories changed since the last publish, by slug, as `inCategory` gives
   * them (with `newest` as the limit); a few categories at most, and only those with entries.
   */
  readonly inCategories: ReadonlyMap<string, readonly StoredEntry[]>;
}

/**
 * The live pointer's text as a publish wrote it to KV, recorded in D1 when that publish gave its lease
 * back, with the store's `seq` it rendered (the pointer says it too; the column lets D1 keep the later).
 */
export interface RecordedPointer {
  readonly seq: number;
  readonly text: string;
}

/** Ids per `IN (…)` read: D1 binds at most 100 parameters. */
const IDS_PER_READ = 90;
/**
 * Ids per look-up (`findMany`), as one JSON array: a few hundred kilobytes of ids at most, well within
 * D1's two megabytes per bound value.
 */
const IDS_PER_FIND = 1_000;

const RECORD_COLUMNS = "id, published_ms, updated_ms, position, document_hash, categories";
const PIECE_COLUMNS = "atom, rss, json, render_key";
/** Columns of `entries e` joined with `compressed_pieces z`; `?` (a render key or null) is bound first. */
const STORED_SELECT = `${[...RECORD_COLUMNS.split(", "), ...PIECE_COLUMNS.split(", ")]
  .map((c) => `e.${c}`)
  .join(
    ", ",
  )}, CASE WHEN e.render_key IS ? THEN NULL ELSE e.entry END AS entry, z.atom AS atom_z, z.rss AS rss_z, z.json AS json_z`;
/** The light columns of `entries e`: what a list of rows needs before its pieces. */
const HEAD_SELECT = [...RECORD_COLUMNS.split(", "), "render_key"].map((c) => `e.${c}`).join(", ");
/** A look-up's columns: the record and its history, from `entries e` with HISTORY_JOIN. */
const FOUND_SELECT = `${HEAD_SELECT}, h.source_ms AS history_source_ms, h.hashes AS history_hashes`;
const HISTORY_JOIN = "LEFT JOIN entry_history h ON h.id = e.id";
/** The entry without its article body, for the index page. */
const LISTING_SELECT = "json_remove(e.entry, '$.contentHtml') AS listing";
const COMPRESSED_JOIN =
  "LEFT JOIN compressed_pieces z ON z.id = e.id AND z.render_key = e.render_key";

/** The group a page or category is published in: what a change marks for re-rendering. */
export const pageGroup = (page: number): string => `page:${page}`;

/** The archive page a `pageGroup` names, or undefined for another group. */
export function pageOfGroup(group: string): number | undefined {
  const match = /^page:(\d+)$/.exec(group);
  return match ? Number(match[1]) : undefined;
}
const CATEGORY_GROUP_PREFIX = "category:";
export const categoryGroup = (slug: string): string => `${CATEGORY_GROUP_PREFIX}${slug}`;

/** Changed categories whose entries a publish's plan reads with it (see planReads). */
const CHANGED_CATEGORIES_READ = 8;

/**
 * SQL for the page group of a row's position, pageGroup(pageOf(position, ?)), the page size bound.
 * The size is cast: D1 may bind a JavaScript number as REAL, and a REAL divisor made groups such as
 * "page:2.25" that no publish looked for.
 */
const PAGE_GROUP_SQL = "'page:' || ((position - 1) / CAST(? AS INTEGER) + 1)";
/** SQL for the change counter a change being saved will have. */
const NEXT_SEQ_SQL = "(SELECT value + 1 FROM site_state WHERE key = 'seq')";
/**
 * SQL for the first position after the complete archive pages, by the counter as the statement finds
 * it (StoreState.nextPosition, 1 when unset), the page size bound twice: the open entries' start.
 */
const OPEN_FROM_SQL =
  "(COALESCE((SELECT value FROM site_state WHERE key = 'next_position'), 1) - 1) / CAST(? AS INTEGER) * CAST(? AS INTEGER) + 1";

/**
 * SQL marking stale the groups a SELECT gives (rows of group and seq), or moving a group stale already
 * to the new seq. The SELECT needs a WHERE clause: SQLite parses an upsert after a SELECT only then.
 */
function markStaleSql(select: string): string {
  return `INSERT INTO dirty (grp, seq) ${select} ON CONFLICT (grp) DO UPDATE SET seq = excluded.seq`;
}

/** The archive page an entry's position falls in (pages hold `pageSize` entries, from page 1). */
export function pageOf(position: number, pageSize: number): number {
  return Math.floor((position - 1) / pageSize) + 1;
}

/** The most JSON one createMany parameter carries: D1 takes at most 2 MB per value. */
export const CREATE_JSON_BYTES = 1_500_000;

/** An entry's row as createMany's JSON carries it. */
function createRow(write: EntryWrite) {
  const [atom, rss, json] = storedTexts(write.pieces);
  return {
    id: write.entry.id,
    published: write.entry.publishedMs,
    updated: write.entry.updatedMs,
    hash: write.documentHash,
    categories: JSON.stringify(write.categories),
    entry: storedEntryJson(write),
    atom,
    rss,
    json,
    renderKey: write.renderKey,
  };
}

/** Rows of compressed pieces kept per D1 call. */
const BACKFILL_BATCH = 50;

/** What a save did. */
export type SaveOutcome = "created" | "updated" | "conflict";

/**
 * Reads and writes entries. Each change is one D1 batch (one transaction): the row, its categories,
 * the groups it makes stale and the change counter move together.
 */
export class EntryStore {
  constructor(
    readonly db: D1Database,
    /** Entries per archive page. */
    readonly pageSize: number,
    /** The pieces it keeps between requests: the isolate's, unless a test plays another isolate. */
    private readonly pieces: PieceCache = isolatePieces,
  ) {}

  private async run<T>(what: string, work: () => Promise<T>): Promise<T> {
    await ensureSchema(this.db);
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      // A database emptied under us (a reset, a new database behind the binding): create and retry once.
      if (String(cause).includes("no such table")) {
        ready.delete(this.db);
        await ensureSchema(this.db);
        return work();
      }
      throw new StoreError(`D1 ${what}`, "failed", { cause });
    }
  }

  async find(id: string): Promise<EntryRecord | null> {
    return this.run("entries", async () => {
      const row = await this.db
        .prepare(`SELECT ${FOUND_SELECT} FROM entries e ${HISTORY_JOIN} WHERE e.id = ?`)
        .bind(id)
        .first<Row>();
      return row ? toRecord(row) : null;
    });
  }

  async state(): Promise<StoreState> {
    return this.run("site_state", async () => stateOf((await this.readState().all<Row>()).results));
  }

  private readState(): D1PreparedStatement {
    return this.db.prepare("SELECT key, value FROM site_state");
  }

  /** Statements that mark groups stale and bump the change counter. */
  private markChanged(groups: Iterable<string>): D1PreparedStatement[] {
    const statements = [...new Set(groups)].map((grp) =>
      this.db
        .prepare(markStaleSql("SELECT ?, value + 1 FROM site_state WHERE key = 'seq'"))
        .bind(grp),
    );
    statements.push(this.db.prepare("UPDATE site_state SET value = value + 1 WHERE key = 'seq'"));
    return statements;
  }

  private categoryStatements(write: EntryWrite, guard: string): D1PreparedStatement[] {
    const { entry } = write;
    return [
      // Only once the write is in place: a save that conflicts must leave the stored version's own.
      this.db
        .prepare(
          `DELETE FROM entry_categories WHERE id = ? AND EXISTS (SELECT 1 FROM entries WHERE ${guard})`,
        )
        .bind(entry.id, entry.id, write.documentHash),
      ...write.categories.map((c) =>
        this.db
          .prepare(
            `INSERT OR REPLACE INTO entry_categories (slug, label, id, published_ms) SELECT ?, ?, ?, published_ms FROM entries WHERE ${guard}`,
          )
          .bind(c.slug, c.label, entry.id, entry.id, write.documentHash),
      ),
    ];
  }

  /** The entry's compressed pieces replaced by the write's, or removed when it has none. */
  private compressedStatements(write: EntryWrite, guard: string): D1PreparedStatement[] {
    const { entry, pieces } = write;
    const remove = this.db
      .prepare(
        `DELETE FROM compressed_pieces WHERE id = ? AND EXISTS (SELECT 1 FROM entries WHERE ${guard})`,
      )
      .bind(entry.id, entry.id, write.documentHash);
    if (!pieces.compressed) return [remove];
    return [
      this.db
        .prepare(
          `INSERT OR REPLACE INTO compressed_pieces (id, render_key, atom, rss, json) SELECT id, ?, ?, ?, ? FROM entries WHERE ${guard}`,
        )
        .bind(
          write.renderKey,
          packPiece(pieces.compressed.atom),
          packPiece(pieces.compressed.rss),
          packPiece(pieces.compressed.json),
          entry.id,
          write.documentHash,
        ),
    ];
  }

  /**
   * Keeps pieces compressed at publish for entries stored without them, unless the entry changed
   * since it was read (its document hash or render key): the next publish need not compress them.
   */
  async saveCompressed(
    rows: readonly {
      readonly record: EntryRecord;
      readonly renderKey: string;
      readonly compressed: CompressedPieces;
    }[],
  ): Promise<void> {
    for (const { record, renderKey, compressed } of rows)
      this.pieces.addCompressed(pieceKey(record, renderKey), compressed);
    // In batches, so a full publish's backfill stays within D1's limits per call.
    for (let from = 0; from < rows.length; from += BACKFILL_BATCH)
      await this.saveCompressedBatch(rows.slice(from, from + BACKFILL_BATCH));
  }

  private async saveCompressedBatch(
    rows: Parameters<EntryStore["saveCompressed"]>[0],
  ): Promise<void> {
    await this.run("compressed_pieces", () =>
      this.db.batch(
        rows.map(({ record, renderKey, compressed }) =>
          this.db
            .prepare(
              "INSERT OR REPLACE INTO compressed_pieces (id, render_key, atom, rss, json) SELECT id, render_key, ?, ?, ? FROM entries WHERE id = ? AND document_hash = ? AND render_key = ?",
            )
            .bind(
              packPiece(compressed.atom),
              packPiece(compressed.rss),
              packPiece(compressed.json),
              record.id,
              record.documentHash,
              renderKey,
            ),
        ),
      ),
    );
  }

  /**
   * Saves an entry: creates it (`before` null) or replaces the version `before` describes. Returns
   * "conflict" when another ingest changed the entry in between: read it again and decide again.
   */
  async save(write: EntryWrite, before: EntryRecord | null): Promise<SaveOutcome> {
    return (await this.saveWith(write, before, [])).outcome;
  }

  /**
   * `save`, and in its round trip the publishing lease tried as `tryLock` tries it: an ingest that
   * publishes next spends one D1 call where the two spend two. `lock` is null when the save was a
   * conflict (a lease that batch took is given back at once: the caller decides again, and may have
   * nothing to publish).
   */
  async saveAndLock(
    write: EntryWrite,
    before: EntryRecord | null,
    now: number,
    until: number,
    plan?: PlanRequest,
  ): Promise<{ outcome: SaveOutcome; lock: LockAttempt | null }> {
    const { outcome, results } = await this.saveWith(
      write,
      before,
      this.tryLockStatements(now, until, plan),
    );
    if (outcome !== "conflict") return { outcome, lock: await this.lockRead(results, until, plan) };
    if (lockAttemptOf(results, until, plan).locked) await this.unlock(until);
    return { outcome, lock: null };
  }

  /** `save` with `after` in the same batch; the batch's results. */
  private async saveWith(
    write: EntryWrite,
    before: EntryRecord | null,
    after: readonly D1PreparedStatement[],
  ): Promise<{ outcome: SaveOutcome; results: readonly D1Result<Row>[] }> {
    const { entry } = write;
    const guard = "id = ? AND document_hash = ?";
    const values = [
      entry.publishedMs,
      entry.updatedMs,
      write.documentHash,
      JSON.stringify(write.categories),
      storedEntryJson(write),
      ...storedTexts(write.pieces),
      write.renderKey,
    ];
    return this.run("save", async () => {
      const statements: D1PreparedStatement[] = [];
      let groups: string[];
      if (before === null) {
        statements.push(
          this.db
            .prepare(
              `INSERT OR IGNORE INTO entries (id, published_ms, updated_ms, document_hash, categories, entry, atom, rss, json, render_key, position)
               SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, value FROM site_state WHERE key = 'next_position'`,
            )
            .bind(entry.id, ...values),
          // Counted when the row took the next position (it was inserted), before that moves on.
          this.db.prepare(
            `UPDATE site_state SET value = value + 1 WHERE key = 'entry_count' AND (SELECT value FROM site_state WHERE key = 'next_position') IN (SELECT position FROM entries)`,
          ),
          this.db.prepare(
            `UPDATE site_state SET value = value + 1 WHERE key = 'next_position' AND value IN (SELECT position FROM entries)`,
          ),
          this.db.prepare("DELETE FROM tombstones WHERE id = ?").bind(entry.id),
          // The page of the position the row actually took.
          this.db
            .prepare(
              markStaleSql(`SELECT ${PAGE_GROUP_SQL}, ${NEXT_SEQ_SQL} FROM entries WHERE ${guard}`),
            )
            .bind(this.pageSize, entry.id, write.documentHash),
        );
        groups = [];
      } else {
        statements.push(
          this.db
            .prepare(
              `UPDATE entries SET published_ms = ?, updated_ms = ?, document_hash = ?, categories = ?, entry = ?, atom = ?, rss = ?, json = ?, render_key = ? WHERE ${guard}`,
            )
            .bind(...values, entry.id, before.documentHash),
        );
        groups = [
          pageGroup(pageOf(before.position, this.pageSize)),
          ...before.categories.map((c) => categoryGroup(c.slug)),
        ];
      }
      statements.push(...this.compressedStatements(write, guard));
      statements.push(...this.categoryStatements(write, guard));
      if (write.history)
        statements.push(
          this.db
            .prepare(
              `INSERT OR REPLACE INTO entry_history (id, source_ms, hashes) SELECT id, ?, ? FROM entries WHERE ${guard}`,
            )
            .bind(
              write.history.sourceMs,
              JSON.stringify(write.history.hashes),
              entry.id,
              write.documentHash,
            ),
        );
      groups.push(...write.categories.map((c) => categoryGroup(c.slug)));
      statements.push(...this.markChanged(groups), ...after);
      const results = await this.db.batch<Row>(statements);
      if ((results[0]?.meta.changes ?? 0) !== 1) return { outcome: "conflict", results };
      remember(this.pieces, write);
      return { outcome: before === null ? "created" : "updated", results };
    });
  }

  /**
   * The stored records of some entries, by id (absent ids are left out): one query per IDS_PER_FIND
   * ids, which travel as one JSON parameter (a loading `npm start` or deploy asks for each batch of
   * seeds, and every D1 call is a round trip: 20 ms through the local proxy, more to the account's).
   * @example (await store.findMany(["https://a.example/1"])).get("https://a.example/1")?.documentHash
   */
  async findMany(ids: readonly string[]): Promise<Map<string, EntryRecord>> {
    const found = new Map<string, EntryRecord>();
    const unique = [...new Set(ids)];
    for (let at = 0; at < unique.length; at += IDS_PER_FIND) {
      const slice = unique.slice(at, at + IDS_PER_FIND);
      await this.run("entries", async () => {
        const { results } = await this.db
          .prepare(
            `SELECT ${FOUND_SELECT} FROM entries e ${HISTORY_JOIN} WHERE e.id IN (SELECT value FROM json_each(?))`,
          )
          .bind(JSON.stringify(slice))
          .all<Row>();
        for (const row of results) found.set(String(row.id), toRecord(row));
      });
    }
    return found;
  }

  /**
   * Whether this isolate held pieces of an entry of this id (it saved or read the entry): most likely
   * the entry is stored. A hint, never a guarantee.
   */
  knows(id: string): boolean {
    return this.pieces.sawId(id);
  }

  /**
   * Creates entries that are not stored yet, in order, with a D1 batch of eight statements per group
   * of entries (a save is about ten statements per entry): loading a folder through a slow binding (npm
   * start's local proxy answers each statement in milliseconds) or many documents in one request stays
   * within D1's statements per request. The rows travel as JSON parameters that SQLite's json_each
   * spreads, at most CREATE_JSON_BYTES each (D1 takes 2 MB per value). Each group makes the same rows,
   * positions, categories and stale groups as `save` for each of its entries, as one change.
   * Returns how many of the writes, from the first, were created: a group whose id (or position) is
   * taken meanwhile, or that holds an id twice, changes nothing, and it and the writes after it are
   * left for the caller to save one by one (so is a write too large for a group on its own).
   * @throws StoreError when D1 fails otherwise.
   */
  async createMany(writes: readonly EntryWrite[]): Promise<number> {
    return (await this.createGroups(writes, [])).created;
  }

  /**
   * `createMany`, and in the round trip of its last group the publishing lease tried as `tryLock`
   * tries it, with the counters read after both: an ingest that publishes next spends one D1 call
   * where the two spend two. `lock` is null unless every write was created (a group that changes
   * nothing takes no lease either).
   */
  async createManyAndLock(
    writes: readonly EntryWrite[],
    now: number,
    until: number,
    plan?: PlanRequest,
  ): Promise<{ created: number; lock: LockAttempt | null }> {
    const { created, tail } = await this.createGroups(
      writes,
      this.tryLockStatements(now, until, plan),
    );
    return { created, lock: tail ? await this.lockRead(tail, until, plan) : null };
  }

  /**
   * The lease attempt a batch ending in `tryLockStatements(…, plan)` made, with the plan's reads when
   * it took the lease (their pieces filled in as `planReads` fills them).
   */
  private async lockRead(
    results: readonly D1Result<Row>[],
    until: number,
    plan: PlanRequest | undefined,
  ): Promise<LockAttempt> {
    const attempt = lockAttemptOf(results, until, plan);
    if (plan === undefined || !attempt.locked) return attempt;
    const reads = results.slice(-PLAN_STATEMENTS);
    try {
      return { ...attempt, plan: await this.run("plan", () => this.planOf(reads, plan)) };
    } catch (error) {
      // The write is committed and the lease taken: a failed read of the plan's pieces must not hide
      // that (the caller would answer as if nothing were saved, and keep the lease until it ran out).
      // Without a plan, the publish reads its own.
      if (error instanceof StoreError) return attempt;
      throw error;
    }
  }

  /**
   * Creates the writes group by group; `withLast` runs in the last group's batch, whose results then
   * end with theirs (`tail`), when every write was created.
   */
  private async createGroups(
    writes: readonly EntryWrite[],
    withLast: readonly D1PreparedStatement[],
  ): Promise<{ created: number; tail: readonly D1Result<Row>[] | null }> {
    const encoder = new TextEncoder();
    let created = 0;
    while (created < writes.length) {
      const group: EntryWrite[] = [];
      const rows: string[] = [];
      let bytes = 2;
      for (const write of writes.slice(created)) {
        const row = JSON.stringify(createRow(write));
        const size = encoder.encode(row).length + 1;
        if (bytes + size > CREATE_JSON_BYTES) break;
        group.push(write);
        rows.push(row);
        bytes += size;
      }
      // A row too large for one value on its own is left to `save`, which stores it column by column.
      if (group.length === 0) break;
      const last = created + group.length === writes.length;
      const results = await this.createGroup(group, `[${rows.join(",")}]`, last ? withLast : []);
      if (!results) break;
      created += group.length;
      if (last) return { created, tail: results };
    }
    return { created, tail: null };
  }

  /** One group's statements (and `after`, in the same transaction); their results, or null when an id was taken. */
  private async createGroup(
    writes: readonly EntryWrite[],
    rows: string,
    after: readonly D1PreparedStatement[],
  ): Promise<D1Result<Row>[] | null> {
    const ids = JSON.stringify(writes.map((write) => write.entry.id));
    const compressed = JSON.stringify(
      writes.flatMap(({ entry, pieces, renderKey }) =>
        pieces.compressed
          ? [
              {
                id: entry.id,
                renderKey,
                atom: packPiece(pieces.compressed.atom),
                rss: packPiece(pieces.compressed.rss),
                json: packPiece(pieces.compressed.json),
              },
            ]
          : [],
      ),
    );
    const categories = JSON.stringify(
      writes.flatMap(({ entry, categories }) =>
        categories.map((c) => ({
          slug: c.slug,
          label: c.label,
          id: entry.id,
          published: entry.publishedMs,
        })),
      ),
    );
    const fields = (...names: string[]) =>
      names.map((name) => `json_extract(j.value, '$.${name}')`).join(", ");
    const statements = [
      // Positions follow on from next_position in the writes' order, as saves one by one take them.
      this.db
        .prepare(
          `INSERT INTO entries (id, published_ms, updated_ms, document_hash, categories, entry, atom, rss, json, render_key, position)
           SELECT ${fields("id", "published", "updated", "hash", "categories", "entry", "atom", "rss", "json", "renderKey")},
             (SELECT value FROM site_state WHERE key = 'next_position') + j.key
           FROM json_each(?) j`,
        )
        .bind(rows),
      this.db
        .prepare(
          "UPDATE site_state SET value = value + ? WHERE key IN ('next_position', 'entry_count')",
        )
        .bind(writes.length),
      this.db
        .prepare("DELETE FROM tombstones WHERE id IN (SELECT value FROM json_each(?))")
        .bind(ids),
      this.db
        .prepare(
          markStaleSql(
            `SELECT DISTINCT ${PAGE_GROUP_SQL}, ${NEXT_SEQ_SQL} FROM entries WHERE id IN (SELECT value FROM json_each(?))`,
          ),
        )
        .bind(this.pageSize, ids),
      this.db
        .prepare(
          `INSERT OR REPLACE INTO compressed_pieces (id, render_key, atom, rss, json) SELECT ${fields("id", "renderKey", "atom", "rss", "json")} FROM json_each(?) j`,
        )
        .bind(compressed),
      this.db
        .prepare(
          `INSERT OR REPLACE INTO entry_categories (slug, label, id, published_ms) SELECT ${fields("slug", "label", "id", "published")} FROM json_each(?) j`,
        )
        .bind(categories),
      this.db
        .prepare(
          markStaleSql(
            `SELECT DISTINCT '${CATEGORY_GROUP_PREFIX}' || ${fields("slug")}, ${NEXT_SEQ_SQL} FROM json_each(?) j WHERE true`,
          ),
        )
        .bind(categories),
      this.db.prepare("UPDATE site_state SET value = value + 1 WHERE key = 'seq'"),
      ...after,
    ];
    return this.run("create", async () => {
      try {
        const results = await this.db.batch<Row>(statements);
        for (const write of writes) remember(this.pieces, write);
        return results;
      } catch (cause) {
        // A taken id or position fails the batch, which D1 rolls back whole.
        if (/UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(String(cause))) return null;
        throw cause;
      }
    });
  }

  /** Removes an entry, leaving a tombstone. False when there was none. */
  async delete(id: string, now: number): Promise<boolean> {
    return this.run("delete", async () => {
      if (!(await this.find(id))) return false;
      // The groups the entry is in as this batch finds it, not as the look-up did: another ingest may
      // have changed its categories (and published) in between.
      const results = await this.db.batch([
        this.db
          .prepare(
            markStaleSql(`SELECT ${PAGE_GROUP_SQL}, ${NEXT_SEQ_SQL} FROM entries WHERE id = ?`),
          )
          .bind(this.pageSize, id),
        this.db
          .prepare(
            markStaleSql(
              `SELECT '${CATEGORY_GROUP_PREFIX}' || slug, ${NEXT_SEQ_SQL} FROM entry_categories WHERE id = ?`,
            ),
          )
          .bind(id),
        this.db
          .prepare(
            "UPDATE site_state SET value = value - 1 WHERE key = 'entry_count' AND EXISTS (SELECT 1 FROM entries WHERE id = ?)",
          )
          .bind(id),
        this.db.prepare("DELETE FROM entries WHERE id = ?").bind(id),
        this.db.prepare("DELETE FROM entry_categories WHERE id = ?").bind(id),
        this.db.prepare("DELETE FROM compressed_pieces WHERE id = ?").bind(id),
        this.db.prepare("DELETE FROM entry_history WHERE id = ?").bind(id),
        this.db
          .prepare("INSERT OR REPLACE INTO tombstones (id, deleted_ms) VALUES (?, ?)")
          .bind(id, now),
        ...this.markChanged([]),
      ]);
      return (results[3]?.meta.changes ?? 0) === 1;
    });
  }

  /**
   * The newest entries, newest first (the order of `compareEntries`). Without a render key, with their
   * articles; with one, with their `listing`, and otherwise as `positioned` says.
   */
  async newest(limit: number, renderKey: string | null = null): Promise<StoredEntry[]> {
    if (renderKey === null)
      return this.all(
        `SELECT ${STORED_SELECT} FROM entries e ${COMPRESSED_JOIN} ${NEWEST_ORDER}`,
        null,
        limit,
      );
    return this.listed(this.newestHeads(limit), renderKey);
  }

  private newestHeads(limit: number): D1PreparedStatement {
    return this.db
      .prepare(`SELECT ${HEAD_SELECT}, ${LISTING_SELECT} FROM entries e ${NEWEST_ORDER}`)
      .bind(limit);
  }

  /**
   * Entries whose positions fall in [from, to], newest first. With `renderKey`, rows whose pieces were
   * rendered with it come without their article (see StoredEntry.entry), their pieces from this
   * isolate's cache where it has them: less to move and parse.
   */
  async positioned(
    from: number,
    to: number,
    renderKey: string | null = null,
  ): Promise<StoredEntry[]> {
    if (renderKey === null)
      return this.all(
        `SELECT ${STORED_SELECT} FROM entries e ${COMPRESSED_JOIN} ${POSITIONED}`,
        null,
        from,
        to,
      );
    return this.listed(this.positionedHeads(from, to), renderKey);
  }

  private positionedHeads(from: number, to: number): D1PreparedStatement {
    return this.db.prepare(`SELECT ${HEAD_SELECT} FROM entries e ${POSITIONED}`).bind(from, to);
  }

  /** The newest entries of a category; `renderKey` as for `positioned`. */
  async inCategory(
    slug: string,
    limit: number,
    renderKey: string | null = null,
  ): Promise<StoredEntry[]> {
    const from = "FROM entry_categories c JOIN entries e ON e.id = c.id";
    const rest = "WHERE c.slug = ? ORDER BY c.published_ms DESC, c.id ASC LIMIT ?";
    if (renderKey === null)
      return this.all(
        `SELECT ${STORED_SELECT} ${from} ${COMPRESSED_JOIN} ${rest}`,
        null,
        slug,
        limit,
      );
    return this.listed(
      this.db.prepare(`SELECT ${HEAD_SELECT} ${from} ${rest}`).bind(slug, limit),
      renderKey,
    );
  }

  /** Rows of a light query (HEAD_SELECT, maybe LISTING_SELECT), with their pieces (see `withPieces`). */
  private async listed(heads: D1PreparedStatement, renderKey: string): Promise<StoredEntry[]> {
    return this.run("entries", async () => {
      const [rows] = await this.withPieces([(await heads.all<Row>()).results], renderKey);
      return rows ?? [];
    });
  }

  /**
   * Lists of rows of light queries, in their order, each with its pieces: from this isolate's cache,
   * or read by id for all the lists at once. A row deleted in between is left out (its change
   * publishes again).
   */
  private async withPieces(
    lists: ReadonlyArray<readonly Row[]>,
    renderKey: string,
  ): Promise<StoredEntry[][]> {
    const listingOf = (head: Row) =>
      head.listing === undefined || head.listing === null ? undefined : String(head.listing);
    // An entry in two lists keeps its listing from the one that read it.
    const listings = new Map<string, string | undefined>();
    for (const heads of lists)
      for (const head of heads)
        listings.set(String(head.id), listingOf(head) ?? listings.get(String(head.id)));
    const found = new Map<string, StoredEntry>();
    const missing = new Set<string>();
    for (const heads of lists)
      for (const head of heads) {
        const record = toRecord(head);
        const cached =
          String(head.render_key) === renderKey
            ? this.pieces.get(pieceKey(record, renderKey))
            : undefined;
        if (cached)
          found.set(
            record.id,
            new ReadEntry(record, cached, renderKey, null, listings.get(record.id)),
          );
        else missing.add(record.id);
      }
    const ids = [...missing];
    for (let at = 0; at < ids.length; at += IDS_PER_READ) {
      const slice = ids.slice(at, at + IDS_PER_READ);
      const { results } = await this.db
        .prepare(
          `SELECT ${STORED_SELECT} FROM entries e ${COMPRESSED_JOIN} WHERE e.id IN (${slice.map(() => "?").join(", ")})`,
        )
        .bind(renderKey, ...slice)
        .all<Row>();
      for (const row of results) {
        const stored = toStored(row, listings.get(String(row.id)));
        if (stored.renderKey === renderKey)
          this.pieces.set(pieceKey(stored, renderKey), stored.pieces);
        found.set(stored.id, stored);
      }
    }
    return lists.map((heads) =>
      heads.flatMap((head) => {
        const stored = found.get(String(head.id));
        return stored ? [stored] : [];
      }),
    );
  }

  /**
   * What a publish plans from, in one D1 batch (one round trip, one snapshot) and at most a read of
   * the pieces this isolate has not seen: the stale groups, the `newest` entries with their listings,
   * the entries from position `openFrom` on, the last `tombstones` removals, every category and the
   * entry count. Replaces six reads, each of which cost the worker as much CPU as its rows. An ingest
   * makes these reads in its write's batch instead (`createManyAndLock`, `saveAndLock` with a plan).
   */
  async planReads(options: PlanRequest & { readonly openFrom: number }): Promise<PlanReads> {
    return this.run("plan", async () =>
      this.planOf(await this.db.batch<Row>(this.planStatements(options)), options),
    );
  }

  /**
   * The plan's reads (PLAN_STATEMENTS of them), for a batch of their own or after a write and the
   * lease. Without `openFrom`, the open entries start where the first incomplete archive page does by
   * the counter as the batch finds it (the page size this store's), as planSite reckons it.
   */
  private planStatements(
    options: PlanRequest & { readonly openFrom?: number },
  ): D1PreparedStatement[] {
    const open =
      options.openFrom === undefined
        ? this.db
            // BETWEEN, not >=: with both bounds SQLite reads the open rows through the position
            // index; with one, it scanned every entry in the order the feed wants.
            .prepare(`SELECT ${HEAD_SELECT} FROM entries e ${positionedFrom(OPEN_FROM_SQL)}`)
            .bind(this.pageSize, this.pageSize, Number.MAX_SAFE_INTEGER)
        : this.positionedHeads(options.openFrom, Number.MAX_SAFE_INTEGER);
    return [
      this.dirtyRead(),
      this.newestHeads(options.newest),
      open,
      this.tombstonesRead(options.tombstones),
      this.categoriesRead(),
      this.countRead(),
      this.changedCategoriesHeads(options.newest),
      this.db.prepare("SELECT seq, pointer FROM live_pointer WHERE id = 1"),
    ];
  }

  /** The plan from its reads' results (in planStatements' order), with the rows' pieces. */
  private async planOf(
    results: readonly D1Result<Row>[],
    request: PlanRequest,
  ): Promise<PlanReads> {
    const [dirty, newest, open, tombstones, categories, count, changed, pointer] = results;
    const rows = (result: D1Result<Row> | undefined) => result?.results ?? [];
    // The changed categories' rows, each category's in its order, the newest `limit` of them.
    const bySlug = new Map<string, Row[]>();
    for (const row of rows(changed)) {
      const slug = String(row.category_slug);
      const list = bySlug.get(slug);
      if (!list) bySlug.set(slug, [row]);
      else if (list.length < request.newest) list.push(row);
    }
    const [newestRows = [], openRows = [], ...categoryRows] = await this.withPieces(
      [rows(newest), rows(open), ...bySlug.values()],
      request.renderKey,
    );
    const slugs = [...bySlug.keys()];
    return {
      dirty: rows(dirty).map(dirtyOf),
      newest: newestRows,
      open: openRows,
      tombstones: rows(tombstones).map(tombstoneOf),
      categories: rows(categories).map(categoryOf),
      count: countOf(rows(count)[0]),
      recorded: recordedOf(rows(pointer)[0]),
      inCategories: new Map(categoryRows.map((list, i) => [slugs[i] as string, list])),
    };
  }

  /**
   * The newest `limit` entries (light columns) of each category changed since the last publish, as
   * `inCategory` lists them, for the first CHANGED_CATEGORIES_READ changed categories by slug: an
   * ingest's own categories come with the plan instead of a read each. A publish that changed more
   * reads the others one by one, a few feeds at a time (their pieces are held only while rendered).
   */
  private changedCategoriesHeads(limit: number): D1PreparedStatement {
    // Each changed category's rows from its limit-th newest time on, read through the (slug,
    // published_ms) index: about `limit` rows each, where a window over whole categories read every
    // row of each (tens of thousands for a large category) at every publish. Rows tied with the
    // limit-th are trimmed when read (planOf).
    const nth = `SELECT n.published_ms FROM entry_categories n WHERE n.slug = s.slug
      ORDER BY n.published_ms DESC, n.id ASC LIMIT 1 OFFSET ?`;
    return this.db
      .prepare(
        `SELECT s.slug AS category_slug, ${HEAD_SELECT} FROM (
           SELECT substr(grp, ${CATEGORY_GROUP_PREFIX.length + 1}) AS slug FROM dirty
           WHERE grp LIKE '${CATEGORY_GROUP_PREFIX}%' ORDER BY grp LIMIT ?) s
         JOIN entry_categories c ON c.slug = s.slug
           AND c.published_ms >= COALESCE((${nth}), ${Number.MIN_SAFE_INTEGER})
         JOIN entries e ON e.id = c.id
         ORDER BY s.slug, c.published_ms DESC, c.id ASC`,
      )
      .bind(CHANGED_CATEGORIES_READ, Math.max(0, limit - 1));
  }

  /**
   * Every category with entries, by slug, with the label and time of its newest entry: from slug to
   * next slug and to each one's newest row through the index, a few rows read per category, where a
   * GROUP BY read every row of entry_categories at every publish (D1 bills and spends time on rows read).
   */
  private categoriesRead(): D1PreparedStatement {
    return this.db.prepare(
      `WITH RECURSIVE slugs(slug) AS (
         SELECT MIN(slug) FROM entry_categories
         UNION ALL
         SELECT (SELECT MIN(c.slug) FROM entry_categories c WHERE c.slug > s.slug) FROM slugs s
         WHERE s.slug IS NOT NULL)
       SELECT s.slug,
         (SELECT c.label FROM entry_categories c WHERE c.slug = s.slug
           ORDER BY c.published_ms DESC, c.id ASC LIMIT 1) AS label,
         (SELECT MAX(c.published_ms) FROM entry_categories c WHERE c.slug = s.slug) AS newest
       FROM slugs s WHERE s.slug IS NOT NULL ORDER BY s.slug`,
    );
  }

  /** Every category with entries, by slug, with the label and time of its newest entry. */
  async categories(): Promise<StoredCategory[]> {
    return this.run("categories", async () =>
      (await this.categoriesRead().all<Row>()).results.map(categoryOf),
    );
  }

  /** The entry count as the writes keep it, and the newest updated time through its index. */
  private countRead(): D1PreparedStatement {
    return this.db.prepare(
      "SELECT (SELECT value FROM site_state WHERE key = 'entry_count') AS n, (SELECT MAX(updated_ms) FROM entries) AS newest",
    );
  }

  async count(): Promise<{ entries: number; newestMs: number | null }> {
    return this.run("count", async () =>
      countOf((await this.countRead().first<Row>()) ?? undefined),
    );
  }

  private tombstonesRead(limit: number): D1PreparedStatement {
    return this.db
      .prepare("SELECT id, deleted_ms FROM tombstones ORDER BY deleted_ms DESC, id LIMIT ?")
      .bind(limit);
  }

  /** The most recent removals, newest first. */
  async tombstones(limit: number): Promise<Tombstone[]> {
    return this.run("tombstones", async () =>
      (await this.tombstonesRead(limit).all<Row>()).results.map(tombstoneOf),
    );
  }

  private dirtyRead(): D1PreparedStatement {
    return this.db.prepare("SELECT grp FROM dirty ORDER BY grp");
  }

  /** The groups changed since the last publish. */
  async dirtyGroups(): Promise<string[]> {
    return this.run("dirty", async () => (await this.dirtyRead().all<Row>()).results.map(dirtyOf));
  }

  /** Records that the live version was rendered from `seq`: its changes are published. */
  async markPublished(seq: number, pointer?: RecordedPointer): Promise<void> {
    await this.run("published", () => this.db.batch(this.markPublishedStatements(seq, pointer)));
  }

  /**
   * Marks the changes up to `seq` published; with the pointer that publish wrote, records it, unless
   * one that rendered a later seq is recorded already.
   */
  private markPublishedStatements(
    seq: number,
    pointer?: RecordedPointer,
    heldUntil?: number,
  ): D1PreparedStatement[] {
    // Given the lease's end, the pointer is recorded only while that lease is still the caller's: a
    // publisher that lost it does not record over the one that took it.
    const holding =
      heldUntil === undefined
        ? "true"
        : "(SELECT value FROM site_state WHERE key = 'lock_until') = ?";
    return [
      this.db.prepare("DELETE FROM dirty WHERE seq <= ?").bind(seq),
      this.db
        .prepare("UPDATE site_state SET value = MAX(value, ?) WHERE key = 'published_seq'")
        .bind(seq),
      ...(pointer
        ? [
            this.db
              .prepare(
                `INSERT INTO live_pointer (id, seq, pointer) SELECT 1, ?, ? WHERE ${holding}
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, pointer = excluded.pointer
                 WHERE excluded.seq >= live_pointer.seq`,
              )
              .bind(pointer.seq, pointer.text, ...(heldUntil === undefined ? [] : [heldUntil])),
          ]
        : []),
    ];
  }

  /**
   * Takes the publishing lease until `until` (epoch ms) if nobody holds it: one publisher at a time,
   * so two ingests never prune each other's versions. A crashed holder's lease runs out by itself.
   * Whether it was taken, and the store's counters as they stand after the attempt (one round trip).
   */
  async tryLock(now: number, until: number): Promise<LockAttempt> {
    return this.run("lock", async () =>
      lockAttemptOf(await this.db.batch<Row>(this.tryLockStatements(now, until)), until),
    );
  }

  /**
   * Takes the lease until `until` where it ended before `now`, then reads the counters; with `plan`,
   * then the plan's reads (wasted in the rare batch that finds the lease held).
   */
  private tryLockStatements(now: number, until: number, plan?: PlanRequest): D1PreparedStatement[] {
    return [
      this.setLockStatement(until, "value < ?", now),
      this.readState(),
      ...(plan ? this.planStatements(plan) : []),
    ];
  }

  /**
   * Extends the publishing lease held until `held` to `until`; false when it is not held so any more
   * (it ran out and another publisher took it).
   */
  async renewLock(held: number, until: number): Promise<boolean> {
    return this.run("lock", async () => {
      const result = await this.setLockStatement(until, "value = ?", held).run();
      return result.meta.changes === 1;
    });
  }

  /**
   * Gives up the lease held until `until`; the store's counters after it (one round trip). With
   * `publishedSeq` (and the pointer that publish wrote), first records it as `markPublished` does, in
   * the same round trip.
   */
  async unlock(
    until: number,
    publishedSeq?: number,
    pointer?: RecordedPointer,
  ): Promise<StoreState> {
    return this.run("lock", async () => {
      const statements = [
        ...(publishedSeq === undefined
          ? []
          : this.markPublishedStatements(publishedSeq, pointer, until)),
        this.setLockStatement(0, "value = ?", until),
        this.readState(),
      ];
      const results = await this.db.batch<Row>(statements);
      return stateOf(results.at(-1)?.results ?? []);
    });
  }

  /** Sets the lease's end where `condition` (on its current end, against `than`) holds. */
  private setLockStatement(value: number, condition: string, than: number): D1PreparedStatement {
    return this.db
      .prepare(`UPDATE site_state SET value = ? WHERE key = 'lock_until' AND ${condition}`)
      .bind(value, than);
  }

  private async all(sql: string, ...bindings: unknown[]): Promise<StoredEntry[]> {
    return this.run("entries", async () => {
      const { results } = await this.db
        .prepare(sql)
        .bind(...bindings)
        .all<Row>();
      return results.map((row) => toStored(row));
    });
  }
}
