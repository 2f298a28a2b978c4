/**
 * @module cli/d1-size-bench — how big the entry database grows and how many rows D1 bills for it:
 * generated articles loaded through the ingest code (`ingestDocuments`, 100 a batch, as `npm start`
 * and `npm run deploy` load seeds) into wrangler's local D1, then SQLite's own size of the file
 * (after a checkpoint) and of each table with its indexes, and the rows written per document as D1
 * reports them (`meta.rows_written`, which counts index rows too). After a full publish, one more
 * document is ingested with its publish, as the ingest API does.
 *
 * usage: npm run bench -- --d1-size [--d1-entries N]
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ingestDocuments } from "../api/ingest.js";
import { publishChanges } from "../site.js";
import { EntryStore } from "../store/entries.js";
import { generateDocument } from "./corpus.js";
import { ROOT } from "./local-stack.js";
import { readSiteConfigFile } from "./site-config.js";
import { quietWrangler } from "./wrangler.js";

/** Documents per ingest call while loading. */
const LOAD_BATCH = 100;

/** D1's database size limits (developers.cloudflare.com/d1/platform/limits). */
export const D1_DATABASE_LIMITS = [
  { plan: "Workers Free", bytes: 500 * 1000 * 1000 },
  { plan: "Workers Paid", bytes: 10 * 1000 * 1000 * 1000 },
] as const;

export interface D1SizeReport {
  readonly entries: number;
  /** Characters of the generated documents, on average. */
  readonly documentChars: number;
  /** SQLite's file after a checkpoint: pages times page size. */
  readonly fileBytes: number;
  /** Bytes of each table with its indexes, largest first. */
  readonly tables: readonly { readonly name: string; readonly bytes: number }[];
  /** Rows written per document loaded in batches, and for one ingest with its publish. */
  readonly rowsWrittenPerDocument: number;
  readonly rowsWrittenPerIngest: number;
}

/** A D1 binding that adds up the rows every batch writes. */
function countingWrites(db: D1Database): { db: D1Database; written: () => number } {
  let rows = 0;
  const counting = Object.create(db) as D1Database;
  counting.batch = async (statements) => {
    const results = await db.batch(statements);
    for (const result of results) rows += result.meta.rows_written ?? 0;
    return results as never;
  };
  return { db: counting, written: () => rows };
}

/** The SQLite file miniflare keeps the database in, under a persist folder. */
async function databaseFile(persist: string): Promise<string> {
  const dir = path.join(persist, "d1", "miniflare-D1DatabaseObject");
  const files = (await readdir(dir)).filter(
    (f) => f.endsWith(".sqlite") && f !== "metadata.sqlite",
  );
  if (files.length !== 1)
    throw new Error(`expected one database in ${dir}, found ${files.join(", ")}`);
  return path.join(dir, files[0] as string);
}

/** SQLite's own account of a database file, read with Node's built-in SQLite after a checkpoint. */
async function sizesOf(file: string): Promise<Pick<D1SizeReport, "fileBytes" | "tables">> {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file);
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const pages = db.prepare("PRAGMA page_count").get() as { page_count: number };
    const size = db.prepare("PRAGMA page_size").get() as { page_size: number };
    // Each index counted with its table.
    const rows = db
      .prepare(
        "SELECT coalesce(m.tbl_name, s.name) AS name, sum(s.pgsize) AS bytes FROM dbstat s LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1 ORDER BY 2 DESC",
      )
      .all() as { name: string; bytes: number }[];
    return {
      fileBytes: pages.page_count * size.page_size,
      tables: rows.map((r) => ({ name: r.name, bytes: r.bytes })),
    };
  } finally {
    db.close();
  }
}

/**
 * Loads `entries` generated documents through the ingest code into the local D1 kept under `persist`,
 * then ingests one more with its publish; what D1 said it wrote. The bindings are closed on return,
 * so the database file can be read.
 */
async function loadThroughIngest(
  persist: string,
  entries: number,
): Promise<Omit<D1SizeReport, "fileBytes" | "tables">> {
  const { getPlatformProxy } = await import("wrangler");
  const configPath = path.join(ROOT, "wrangler.toml");
  const config = await readSiteConfigFile(configPath);
  const proxy = await getPlatformProxy<Env>({ configPath, persist: { path: persist } });
  try {
    const counting = countingWrites(proxy.env.ENTRIES);
    const store = new EntryStore(counting.db, config.entriesPerFeed);
    let chars = 0;
    const documentOf = (i: number) => {
      const text = generateDocument(i);
      chars += text.length;
      return { name: `bench/${i}.txt`, bytes: new TextEncoder().encode(text) };
    };
    for (let from = 0; from < entries; from += LOAD_BATCH) {
      const count = Math.min(LOAD_BATCH, entries - from);
      const batch = Array.from({ length: count }, (_, i) => documentOf(from + i));
      await ingestDocuments(store, proxy.env.FEEDS, config, batch, { publish: false });
    }
    const rowsWrittenPerDocument = counting.written() / entries;
    const documentChars = chars / entries;
    // The first publish renders the whole site (gzip alone: brotli would take minutes); the ingest
    // after it is what the API does.
    await publishChanges(store, proxy.env.FEEDS, config, {
      now: Date.now(),
      full: true,
      encodings: ["gzip"],
    });
    const before = counting.written();
    await ingestDocuments(store, proxy.env.FEEDS, config, [documentOf(entries)]);
    const rowsWrittenPerIngest = counting.written() - before;
    return { entries, documentChars, rowsWrittenPerDocument, rowsWrittenPerIngest };
  } finally {
    await proxy.dispose();
  }
}

/**
 * Loads `entries` generated documents into a fresh local D1 and measures it.
 * @example (await measureD1Size(1000)).fileBytes / 1000 // bytes a row
 */
export async function measureD1Size(entries = 1_000): Promise<D1SizeReport> {
  quietWrangler();
  const persist = await mkdtemp(path.join(tmpdir(), "edgefeed-d1-size-"));
  try {
    const loaded = await loadThroughIngest(persist, entries);
    return { ...loaded, ...(await sizesOf(await databaseFile(persist))) };
  } finally {
    await rm(persist, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The report as lines: sizes, rows written, and how many such articles each plan's database holds. */
export function formatD1Size(report: D1SizeReport): string[] {
  const perRow = report.fileBytes / report.entries;
  return [
    `D1 after loading ${report.entries.toLocaleString("en")} generated articles (${Math.round(report.documentChars).toLocaleString("en")} characters each on average) through the ingest code, on wrangler's local D1`,
    `  file ${mb(report.fileBytes)}: ${(perRow / 1024).toFixed(1)} KB an article; ${report.tables
      .slice(0, 3)
      .map((t) => `${t.name} ${mb(t.bytes)}`)
      .join(", ")}`,
    `  100,000 such articles: about ${((perRow * 100_000) / 1e9).toFixed(1)} GB; ${D1_DATABASE_LIMITS.map(
      (limit) =>
        `${limit.plan}'s ${limit.bytes >= 1e9 ? `${limit.bytes / 1e9} GB` : `${limit.bytes / 1e6} MB`} holds about ${Math.floor(limit.bytes / perRow).toLocaleString("en")}`,
    ).join(", ")}`,
    `  rows written (D1 bills them, indexes included): ${report.rowsWrittenPerDocument.toFixed(1)} a document loaded ${LOAD_BATCH} a batch, ${report.rowsWrittenPerIngest} for one ingest with its publish`,
  ];
}
