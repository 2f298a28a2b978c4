/**
 * @module cli/build — builds an archive folder into feeds: reads every document, converts the good
 * ones, reports the bad ones by file and line, and writes the feeds of what is good.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SiteConfig } from "../config.js";
import type { Entry } from "../entry.js";
import { DocumentError } from "../errors.js";
import { type Collision, convertDocument, mergeEntries } from "../pipeline.js";
import { renderSite, type SiteDocument } from "../publish.js";
import { listSeedFiles } from "./seeds.js";

export interface BuildOptions {
  /** Folder of seed documents. */
  readonly seedsDir: string;
  /** Folder the feeds are written to; created when missing. */
  readonly outDir: string;
  readonly config: SiteConfig;
  /** Called after each document, with the count done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BuildReport {
  readonly read: number;
  readonly published: number;
  readonly rejected: readonly DocumentError[];
  readonly collisions: readonly Collision[];
  readonly entries: readonly Entry[];
  readonly documents: readonly SiteDocument[];
  /** Paths of the files written. */
  readonly written: readonly string[];
}

/** How a document is named in messages: its path as the user would type it. */
function displayPath(seedsDir: string, relative: string): string {
  return path.join(seedsDir, relative).split(path.sep).join("/");
}

/** Writes a file so that a reader never sees it half-written: a temporary file, then a rename. */
async function writeFileAtomic(file: string, body: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, file);
}

/**
 * Builds the feeds of a seeds folder into an output folder.
 * @example const report = await buildSite({ seedsDir: "seeds", outDir: "out", config });
 */
export async function buildSite(options: BuildOptions): Promise<BuildReport> {
  const files = await listSeedFiles(options.seedsDir);
  const entries: Entry[] = [];
  const rejected: DocumentError[] = [];
  let done = 0;
  for (const relative of files) {
    const file = displayPath(options.seedsDir, relative);
    try {
      entries.push(convertDocument(await readFile(path.join(options.seedsDir, relative)), file));
    } catch (error) {
      if (error instanceof DocumentError) rejected.push(error);
      else {
        // A bug of ours must not cost the other documents their place in the feed.
        const reason = `could not be converted (${(error as Error).message}); please report this with the file attached`;
        rejected.push(new DocumentError(file, 1, reason, { cause: error }));
      }
    }
    options.onProgress?.(++done, files.length);
  }
  const archive = mergeEntries(entries);
  const documents = renderSite(archive.entries, options.config);
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
    rejected,
    collisions: archive.collisions,
    entries: archive.entries,
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
    `duplicates ${report.collisions.reduce((n, c) => n + c.dropped.length, 0)} → ${report.written.join(", ")}`;
  return { problems, summary };
}
