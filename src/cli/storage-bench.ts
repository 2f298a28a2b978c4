/**
 * @module cli/storage-bench — measures, on wrangler's local bindings (getPlatformProxy: workerd and
 * miniflare on 127.0.0.1), what the ingest path asks of its entry storage, for D1 (the real
 * EntryStore), KV and R2 (the natural designs for each: an entry per key plus one index of the
 * archive): save one entry and read the newest 50 of a 10,000-entry site, list a category, and 12
 * concurrent saves (does every entry survive?). Local emulation is not Cloudflare's latency: the
 * figures that carry over are correctness under concurrency and the calls per operation; the times
 * are local CPU and loopback round trips, for scale.
 *
 * usage: npm run bench -- --storage
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SiteConfig } from "../config.js";
import type { Entry } from "../entry.js";
import { type EntryPieces, renderEntryPieces } from "../publish.js";
import { categorySlug } from "../site.js";
import {
  EntryStore,
  type EntryStore as EntryStoreType,
  type EntryWrite,
} from "../store/entries.js";
import { quietWrangler } from "./wrangler.js";

export interface StorageBenchOptions {
  /** Entries the site holds before measuring. */
  readonly entries?: number;
  /** Concurrent saves of new entries. */
  readonly writers?: number;
  /** Runs of each timed operation; the median is reported. */
  readonly samples?: number;
  /** Characters of article HTML per entry (news articles are ~25 KB; smaller keeps the seeding quick). */
  readonly articleChars?: number;
}

export type StorageKind = "D1" | "KV" | "R2";

/** One measured operation on one storage. */
export interface StorageMeasure {
  readonly storage: StorageKind;
  readonly operation: string;
  /** Median wall time, locally. */
  readonly medianMs: number;
  /** Calls to the binding per operation (round trips on Cloudflare). */
  readonly calls: number;
  readonly note?: string;
}

export interface StorageBenchReport {
  readonly entries: number;
  readonly writers: number;
  readonly measures: readonly StorageMeasure[];
  /** Per storage: how many of `writers` concurrent new entries the site lists afterwards. */
  readonly concurrentKept: Readonly<Record<StorageKind, number>>;
}

/** The bindings the bench declares in its own throwaway wrangler.toml. */
interface BenchEnv {
  readonly KV: KVNamespace;
  readonly DB: D1Database;
  readonly R2: R2Bucket;
}

const CATEGORIES = ["world", "china", "economy", "science", "sport", "culture", "health", "tech"];
const NEWEST = 50;
const CONFIG: Pick<SiteConfig, "author"> = { author: "edgefeed bench" };

/** A deterministic entry: one of eight categories, one minute apart, the article cut to `chars`. */
function benchEntry(n: number, chars: number): Entry {
  const category = CATEGORIES[n % CATEGORIES.length] as string;
  const time = Date.UTC(2021, 0, 1) + n * 60_000;
  const paragraph = `<p>Paragraph of article ${n}: ${"news text ".repeat(20)}</p>`;
  return {
    id: `https://news.example/${category}/${n}.html`,
    title: `Article ${n}`,
    link: `https://news.example/${category}/${n}.html`,
    publishedMs: time,
    updatedMs: time,
    summary: `Summary of article ${n}.`,
    contentHtml: paragraph.repeat(Math.max(1, Math.ceil(chars / paragraph.length))).slice(0, chars),
    authors: [{ name: "Reporter" }],
    contributors: [],
    categories: [{ term: category, label: category }],
    images: [],
    source: `seeds/${n}.txt`,
  };
}

function pieces(entry: Entry): EntryPieces {
  return renderEntryPieces(entry, CONFIG as SiteConfig);
}

function benchWrite(entry: Entry): EntryWrite {
  return {
    entry,
    documentHash: `hash-${entry.id}`,
    categories: entry.categories.map((c) => ({ slug: categorySlug(c), label: c.label })),
    pieces: pieces(entry),
    renderKey: "bench",
  };
}

/** Runs `work` `samples` times, one after another; the median of wall times. */
async function median(samples: number, work: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await work(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Number((times[Math.floor(times.length / 2)] ?? 0).toFixed(2));
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(lanes);
}

/** One index row of the KV and R2 designs: what ordering and category listing need. */
type IndexRow = [id: string, publishedMs: number, categories: string[]];

const entryKey = (id: string) => `entry/${encodeURIComponent(id)}`;
const INDEX_KEY = "index";

function newestOf(index: readonly IndexRow[], limit: number, category?: string): string[] {
  return index
    .filter((row) => category === undefined || row[2].includes(category))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map((row) => row[0]);
}

const indexRow = (entry: Entry): IndexRow => [
  entry.id,
  entry.publishedMs,
  entry.categories.map((c) => categorySlug(c)),
];

const storedValue = (entry: Entry) => JSON.stringify({ entry, pieces: pieces(entry) });

/** The KV design: `entry/<id>` per entry and one `index` key, updated by read-modify-write. */
class KvEntries {
  calls = 0;
  constructor(private readonly kv: KVNamespace) {}

  async save(entry: Entry): Promise<void> {
    this.calls += 3;
    await this.kv.put(entryKey(entry.id), storedValue(entry));
    const index = (await this.kv.get<IndexRow[]>(INDEX_KEY, "json")) ?? [];
    index.push(indexRow(entry));
    await this.kv.put(INDEX_KEY, JSON.stringify(index));
  }

  async newest(limit: number, category?: string): Promise<unknown[]> {
    this.calls += 2;
    const index = (await this.kv.get<IndexRow[]>(INDEX_KEY, "json")) ?? [];
    const ids = newestOf(index, limit, category);
    // One bulk read of up to 100 keys.
    const values = await this.kv.get(ids.map(entryKey), "json");
    return ids.map((id) => values.get(entryKey(id)));
  }

  async ids(): Promise<Set<string>> {
    const index = (await this.kv.get<IndexRow[]>(INDEX_KEY, "json")) ?? [];
    return new Set(index.map((row) => row[0]));
  }
}

/** The R2 design: an object per entry and an index object, updated only if its etag is unchanged. */
class R2Entries {
  calls = 0;
  constructor(private readonly r2: R2Bucket) {}

  async save(entry: Entry): Promise<void> {
    this.calls++;
    await this.r2.put(entryKey(entry.id), storedValue(entry));
    for (;;) {
      this.calls += 2;
      const current = await this.r2.get(INDEX_KEY);
      const index = current ? ((await current.json()) as IndexRow[]) : [];
      index.push(indexRow(entry));
      const written = await this.r2.put(INDEX_KEY, JSON.stringify(index), {
        onlyIf: current ? { etagMatches: current.etag } : { uploadedBefore: new Date(0) },
      });
      if (written) return;
    }
  }

  async newest(limit: number, category?: string): Promise<unknown[]> {
    const current = await this.r2.get(INDEX_KEY);
    const index = current ? ((await current.json()) as IndexRow[]) : [];
    const ids = newestOf(index, limit, category);
    // No bulk read in R2: one get per entry.
    this.calls += 1 + ids.length;
    return Promise.all(ids.map(async (id) => (await this.r2.get(entryKey(id)))?.json()));
  }

  async ids(): Promise<Set<string>> {
    const current = await this.r2.get(INDEX_KEY);
    const index = current ? ((await current.json()) as IndexRow[]) : [];
    return new Set(index.map((row) => row[0]));
  }
}

/**
 * Fills D1 with `count` entries: one saved through the store per category, then copied in one SQL
 * statement with new ids, times and positions (through getPlatformProxy every prepared statement is a
 * round trip, so 10,000 saves would take many minutes; the copies read like any other row).
 */
async function seedD1(store: EntryStoreType, count: number, chars: number): Promise<void> {
  const templates = Math.min(count, CATEGORIES.length);
  for (let n = 0; n < templates; n++) await store.save(benchWrite(benchEntry(n, chars)), null);
  const copies = Math.floor((count - templates) / templates);
  if (copies < 1) return;
  const step = templates * 60_000;
  const db = store.db;
  await db.batch([
    db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO entries (id, published_ms, updated_ms, position, document_hash, categories, entry, atom, rss, json, render_key)
         SELECT id || '/' || i, published_ms + i * ?2, updated_ms + i * ?2, position + i * ?3, document_hash || '/' || i,
                categories, entry, atom, rss, json, render_key FROM entries, n`,
      )
      .bind(copies, step, templates),
    db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO entry_categories (slug, label, id, published_ms)
         SELECT slug, label, id || '/' || i, published_ms + i * ?2 FROM entry_categories, n`,
      )
      .bind(copies, step),
    db.prepare(
      "UPDATE site_state SET value = (SELECT MAX(position) + 1 FROM entries) WHERE key = 'next_position'",
    ),
  ]);
}

/** Seeds the three storages with `count` entries. */
async function seed(env: BenchEnv, store: EntryStoreType, count: number, chars: number) {
  await seedD1(store, count, chars);
  const numbers = Array.from({ length: count }, (_, n) => n);
  // KV and R2: the entries, then the index in one write (seeding is not what is measured).
  await inParallel(numbers, 32, async (n) => {
    const entry = benchEntry(n, chars);
    await env.KV.put(entryKey(entry.id), storedValue(entry));
    await env.R2.put(entryKey(entry.id), storedValue(entry));
  });
  const index = JSON.stringify(numbers.map((n) => indexRow(benchEntry(n, chars))));
  await env.KV.put(INDEX_KEY, index);
  await env.R2.put(INDEX_KEY, index);
}

const BENCH_TOML = `name = "edgefeed-storage-bench"
compatibility_date = "2026-11-01"
[[kv_namespaces]]
binding = "KV"
id = "storage-bench"
[[d1_databases]]
binding = "DB"
database_name = "storage-bench"
database_id = "storage-bench"
[[r2_buckets]]
binding = "R2"
bucket_name = "storage-bench"
`;

/**
 * Measures D1, KV and R2 as entry storage on fresh local bindings (a throwaway state folder).
 * @example const report = await measureStorage({ entries: 1000 }); formatStorageTable(report)
 */
export async function measureStorage(
  options: StorageBenchOptions = {},
): Promise<StorageBenchReport> {
  const count = options.entries ?? 10_000;
  const writers = options.writers ?? 12;
  const samples = options.samples ?? 15;
  const chars = options.articleChars ?? 2_000;
  quietWrangler();
  const { getPlatformProxy } = await import("wrangler");
  const work = await mkdtemp(path.join(tmpdir(), "edgefeed-storage-bench-"));
  const configPath = path.join(work, "wrangler.toml");
  await writeFile(configPath, BENCH_TOML);
  const proxy = await getPlatformProxy<BenchEnv>({
    configPath,
    persist: { path: path.join(work, "state") },
    remoteBindings: false,
  });
  try {
    const { env } = proxy;
    const d1 = new EntryStore(env.DB, NEWEST);
    const kv = new KvEntries(env.KV);
    const r2 = new R2Entries(env.R2);
    await seed(env, d1, count, chars);
    const measures: StorageMeasure[] = [];
    const record = (m: StorageMeasure) => measures.push(m);
    /** Fresh entries for each timed save, numbered after the seeded ones. */
    let fresh = count;
    const category = CATEGORIES[1] as string;

    // Save one new entry.
    record({
      storage: "D1",
      operation: "save one entry",
      medianMs: await median(samples, async () => {
        const write = benchWrite(benchEntry(fresh++, chars));
        await d1.save(write, await d1.find(write.entry.id));
      }),
      calls: 2,
      note: "find + one batch (a transaction)",
    });
    for (const [storage, design] of [
      ["KV", kv],
      ["R2", r2],
    ] as const) {
      design.calls = 0;
      record({
        storage,
        operation: "save one entry",
        medianMs: await median(samples, () => design.save(benchEntry(fresh++, chars))),
        calls: design.calls / samples,
        note:
          storage === "KV"
            ? "put entry, get + put the index"
            : "put entry, get + conditional put of the index",
      });
    }

    // The newest 50, and the newest 50 of one category.
    for (const [operation, cat] of [
      [`read newest ${NEWEST}`, undefined],
      [`list a category (newest ${NEWEST})`, category],
    ] as const) {
      record({
        storage: "D1",
        operation,
        medianMs: await median(samples, () =>
          cat === undefined ? d1.newest(NEWEST) : d1.inCategory(cat, NEWEST),
        ),
        calls: 1,
        note: "one indexed query",
      });
      for (const [storage, design] of [
        ["KV", kv],
        ["R2", r2],
      ] as const) {
        design.calls = 0;
        record({
          storage,
          operation,
          medianMs: await median(samples, () => design.newest(NEWEST, cat)),
          calls: design.calls / samples,
          note:
            storage === "KV"
              ? `index (${count.toLocaleString("en")} rows) + one bulk get`
              : "index + one get per entry",
        });
      }
    }

    // Concurrent saves of new entries: does each one survive?
    const batch = () => Array.from({ length: writers }, () => benchEntry(fresh++, chars));
    const d1Entries = batch();
    let start = performance.now();
    await Promise.all(d1Entries.map((e) => d1.save(benchWrite(e), null)));
    const d1Ms = performance.now() - start;
    const d1Ids = new Set((await d1.newest(NEWEST)).map((row) => row.id));
    const kept = (ids: Set<string>, entries: readonly Entry[]) =>
      entries.filter((e) => ids.has(e.id)).length;
    const concurrentKept: Record<StorageKind, number> = {
      D1: kept(d1Ids, d1Entries),
      KV: 0,
      R2: 0,
    };
    record({
      storage: "D1",
      operation: `${writers} concurrent saves`,
      medianMs: Number(d1Ms.toFixed(2)),
      calls: writers,
      note: `${concurrentKept.D1} of ${writers} kept`,
    });
    for (const [storage, design] of [
      ["KV", kv],
      ["R2", r2],
    ] as const) {
      const entries = batch();
      design.calls = 0;
      start = performance.now();
      await Promise.all(entries.map((e) => design.save(e)));
      const ms = performance.now() - start;
      concurrentKept[storage] = kept(await design.ids(), entries);
      record({
        storage,
        operation: `${writers} concurrent saves`,
        medianMs: Number(ms.toFixed(2)),
        calls: design.calls,
        note: `${concurrentKept[storage]} of ${writers} kept${storage === "R2" ? ` (${(design.calls - writers * 3) / 2} retries)` : ""}`,
      });
    }
    return { entries: count, writers, measures, concurrentKept };
  } finally {
    await proxy.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The report as a Markdown table, one row per operation and storage.
 * @example formatStorageTable(report)[0] // "| operation | storage | median (local) | calls | note |"
 */
export function formatStorageTable(report: StorageBenchReport): string[] {
  const lines = [
    "| operation | storage | median ms (local) | calls per op | note |",
    "| --- | --- | ---: | ---: | --- |",
  ];
  for (const m of report.measures)
    lines.push(
      `| ${m.operation} | ${m.storage} | ${m.medianMs.toFixed(1)} | ${Number(m.calls.toFixed(1))} | ${m.note ?? ""} |`,
    );
  return lines;
}

/**
 * Measures with the defaults (or `options`) and prints the table: `npm run bench -- --storage`.
 * @example await printStorageBench({ entries: 1000 })
 */
export async function printStorageBench(
  options: StorageBenchOptions = {},
): Promise<StorageBenchReport> {
  const report = await measureStorage(options);
  console.log(
    `Entry storage on local bindings (wrangler getPlatformProxy), ${report.entries.toLocaleString("en")} entries: ` +
      "calls and kept entries carry over to Cloudflare; times are this machine's loopback and CPU, not Cloudflare's",
  );
  for (const line of formatStorageTable(report)) console.log(line);
  return report;
}
