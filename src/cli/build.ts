/**
 * @module cli/build — builds an archive folder into feeds: reads every document, converts the good
 * ones, reports the bad ones by file and line, and writes the feeds of what is good.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { SiteConfig } from "../config.js";
import type { Entry, EntryKey } from "../entry.js";
import { DocumentError } from "../errors.js";
import { type Collision, mergeEntries } from "../pipeline.js";
import { renderSite, type SiteDocument } from "../publish.js";
import { BuildCache, type CachedFile, type ConvertResult, contentHash } from "./build-cache.js";
import {
  ConvertPool,
  convertFile,
  convertToResult,
  defaultThreads,
  THREADS_FROM,
} from "./convert.js";
import { buildFingerprint, PROJECT_ROOT } from "./fingerprint.js";
import { NewestEntries } from "./newest-entries.js";
import { listSeedFiles } from "./seeds.js";
import { writeFileAtomic } from "./write-atomic.js";

export interface BuildOptions {
  /** Folder of seed documents. */
  readonly seedsDir: string;
  /** Folder the feeds are written to; created when missing. */
  readonly outDir: string;
  readonly config: SiteConfig;
  /** Folder of the incremental build cache; undefined turns the cache off. Default: node_modules/.cache/edgefeed. */
  readonly cacheDir?: string | undefined;
  /** Worker threads converting documents. Default: one per core when over 1,000 documents change, else 1. */
  readonly threads?: number | undefined;
  /** With threads: how long one document may take before it is stopped and rejected. */
  readonly timeBudgetMs?: number | undefined;
  /** Called after each document, with the count done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BuildReport {
  readonly read: number;
  readonly published: number;
  /** Documents converted in this build (the others came from the cache). */
  readonly converted: number;
  /**
   * Of the newest entries the feeds carry, those converted a second time on the main thread after
   * the merge: neither the cache nor the converting threads had them whole.
   */
  readonly reconverted: number;
  readonly threads: number;
  readonly rejected: readonly DocumentError[];
  readonly collisions: readonly Collision[];
  /** Every entry of the archive, newest first: keys only, the articles are not held. */
  readonly entries: readonly EntryKey[];
  /** Every document's content hash (the entry store's document hash), by source. */
  readonly hashes: ReadonlyMap<string, string>;
  readonly documents: readonly SiteDocument[];
  /** Paths of the files written. */
  readonly written: readonly string[];
}

export const DEFAULT_CACHE_DIR = path.join(PROJECT_ROOT, "node_modules/.cache/edgefeed");
/** Documents queued per thread, so reading files keeps ahead of converting them without holding them all. */
const QUEUE_PER_THREAD = 16;

/**
 * How the documents of a seeds folder are named in messages: their paths as the user would type them.
 * Made once per folder: a build names every document of the archive.
 */
function displayPaths(seedsDir: string): (relative: string) => string {
  const base = seedsDir.split(path.sep).join("/").replace(/\/+$/, "");
  return base === "" || base === "." ? (relative) => relative : (relative) => `${base}/${relative}`;
}

/** Size and modification time of every file; synchronous calls are 3× faster than promises here. */
function statAll(dir: string, files: readonly string[]): Array<{ size: number; mtimeMs: number }> {
  const base = dir.endsWith("/") ? dir : `${dir}/`;
  return files.map((f) => {
    const s = statSync(`${base}${f}`);
    return { size: s.size, mtimeMs: s.mtimeMs };
  });
}

/**
 * Converts what changed since the last build (all of it the first time, across threads when there is
 * much) and returns every file's result, in file order, with the cache and every file's record.
 */
async function convertAll(options: BuildOptions, files: readonly string[]) {
  const cacheDir = "cacheDir" in options ? options.cacheDir : DEFAULT_CACHE_DIR;
  const seedsKey = createHash("sha1")
    .update(path.resolve(options.seedsDir))
    .digest("hex")
    .slice(0, 16);
  const cache = await BuildCache.open(
    cacheDir === undefined ? undefined : path.join(cacheDir, seedsKey),
    await buildFingerprint(options.config, PROJECT_ROOT),
  );
  const stats = statAll(options.seedsDir, files);
  const records = new Map<string, CachedFile>();
  const results: ConvertResult[] = new Array(files.length);
  const changed: number[] = [];
  files.forEach((relative, i) => {
    const { size, mtimeMs } = stats[i] as { size: number; mtimeMs: number };
    const cached = cache.unchanged(relative, size, mtimeMs);
    if (cached) {
      records.set(relative, cached);
      results[i] = cached.result;
    } else changed.push(i);
  });

  const threads = options.threads ?? (changed.length > THREADS_FROM ? defaultThreads() : 1);
  const pool = threads > 1 ? await ConvertPool.start(threads, options.timeBudgetMs) : undefined;
  // The newest documents the threads converted, a quarter more than the feeds carry (older versions
  // of an article can crowd one out). Once every document is converted, the warm threads convert
  // these again whole for the feeds, instead of this thread, whose converting code has never run
  // (about 4 ms a document). Only their keys are held meanwhile: entries kept whole during the run
  // would outlive young-generation collections, which cost an archive read oldest-first (each
  // document then the newest so far) a few percent of its build.
  const newestConverted = new NewestEntries<{ id: string; publishedMs: number; index: number }>(
    Math.ceil(1.25 * options.config.entriesPerFeed),
  );
  let done = files.length - changed.length;
  const finish = (i: number, hash: string, result: ConvertResult) => {
    const relative = files[i] as string;
    const { size, mtimeMs } = stats[i] as { size: number; mtimeMs: number };
    records.set(relative, { size, mtimeMs, hash, result });
    results[i] = result;
    options.onProgress?.(++done, files.length);
  };
  const inFlight = new Set<Promise<void>>();
  const displayPath = displayPaths(options.seedsDir);
  let converted = 0;
  /** The entries the threads converted whole, by source. */
  const wholeEntries = new Map<string, Entry>();
  try {
    for (const i of changed) {
      const relative = files[i] as string;
      const file = displayPath(relative);
      // Synchronous: a page-cached seed reads in microseconds, while a promise read takes four
      // thread-pool round trips (open, stat, read, close) of the main thread's time, time the
      // converting threads then lack on a two-core machine.
      const bytes = readFileSync(path.join(options.seedsDir, relative));
      const hash = contentHash(bytes);
      const known = cache.byContent(hash);
      if (known) {
        finish(i, hash, known);
        continue;
      }
      converted++;
      if (!pool) {
        finish(i, hash, convertToResult(bytes, file));
        continue;
      }
      const job = pool.convert({ file, bytes }).then((result) => {
        finish(i, hash, result);
        if (result.ok) newestConverted.offer({ ...result, index: i });
        inFlight.delete(job);
      });
      inFlight.add(job);
      if (inFlight.size >= threads * QUEUE_PER_THREAD) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (pool) {
      const wholes = await Promise.all(
        newestConverted.entries.map(({ index }) => {
          const relative = files[index] as string;
          const bytes = readFileSync(path.join(options.seedsDir, relative));
          return pool.convertWhole({ file: displayPath(relative), bytes });
        }),
      );
      for (const entry of wholes) if (entry) wholeEntries.set(entry.source, entry);
    }
  } finally {
    await pool?.close();
  }
  await cache.save(records);
  return { results, converted, threads, cache, records, wholeEntries };
}

/**
 * Builds the feeds of a seeds folder into an output folder. Only the newest entries' articles are
 * ever held in memory: the archive is merged from small entry keys, then the entries the feeds carry
 * are taken whole from the cache or from the converting threads, or converted again.
 * @example const report = await buildSite({ seedsDir: "seeds", outDir: "out", config });
 */
export async function buildSite(options: BuildOptions): Promise<BuildReport> {
  const files = await listSeedFiles(options.seedsDir);
  const { results, converted, threads, cache, records, wholeEntries } = await convertAll(
    options,
    files,
  );
  const keys: EntryKey[] = [];
  const rejected: DocumentError[] = [];
  /** Each source's path below the seeds folder, to read the newest entries again. */
  const relativeOf = new Map<string, string>();
  const displayPath = displayPaths(options.seedsDir);
  const hashes = new Map<string, string>();
  results.forEach((result, i) => {
    const relative = files[i] as string;
    const source = displayPath(relative);
    relativeOf.set(source, relative);
    hashes.set(source, (records.get(relative) as CachedFile).hash);
    if (result.ok)
      keys.push({
        id: result.id,
        publishedMs: result.publishedMs,
        updatedMs: result.updatedMs,
        source,
      });
    else rejected.push(new DocumentError(source, result.line, result.reason));
  });
  const archive = mergeEntries(keys);
  const newest: Array<readonly [string, Entry]> = [];
  let reconverted = 0;
  for (const key of archive.entries.slice(0, options.config.entriesPerFeed)) {
    const relative = relativeOf.get(key.source) as string;
    const { hash } = records.get(relative) as CachedFile;
    let entry = cache.newestEntry(hash, key.source) ?? wholeEntries.get(key.source);
    if (entry === undefined) {
      entry = convertFile(await readFile(path.join(options.seedsDir, relative)), key.source);
      reconverted++;
    }
    newest.push([hash, entry]);
  }
  await cache.saveNewest(newest);
  const documents = renderSite(
    newest.map(([, entry]) => entry),
    options.config,
  );
  await mkdir(options.outDir, { recursive: true });
  const written: string[] = [];
  for (const doc of documents) {
    const target = path.join(options.outDir, doc.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, doc.body);
    written.push(target.split(path.sep).join("/"));
  }
  return {
    read: files.length,
    published: archive.entries.length,
    converted,
    reconverted,
    threads,
    rejected,
    collisions: archive.collisions,
    entries: archive.entries,
    hashes,
    documents,
    written,
  };
}

/** The lines a build prints: one per rejected document and per collision, then a summary. */
export function formatBuildReport(report: BuildReport): { problems: string[]; summary: string } {
  const problems = [
    ...report.rejected.map((error) => `rejected ${error.message}`),
    ...report.collisions.map(
      (c) =>
        `duplicate ${c.id}: ${[c.kept, ...c.dropped].join(", ")} name the same article; kept ${c.kept} (newest)`,
    ),
  ];
  const summary =
    `read ${report.read}, published ${report.published}, rejected ${report.rejected.length}, ` +
    `duplicates ${report.collisions.reduce((n, c) => n + c.dropped.length, 0)} → ${report.written.join(", ")}` +
    ` (converted ${report.converted}${report.threads > 1 ? ` on ${report.threads} threads` : ""}, ${report.read - report.converted} from cache)`;
  return { problems, summary };
}
