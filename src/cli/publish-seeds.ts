/**
 * @module cli/publish-seeds — loads a seeds folder into the worker's entry store (D1) and publishes the
 * site from it, through wrangler's getPlatformProxy: what `npm start` serves is then exactly what the
 * worker's own ingests update, never a build they would overwrite.
 */
import { randomBytes } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { GetPlatformProxyOptions } from "wrangler";
import { type IncomingDocument, ingestDocuments } from "../api/ingest.js";
import type { SiteConfig } from "../config.js";
import { publishChanges, type SitePublishReport } from "../site.js";
import { EntryStore } from "../store/entries.js";
import { listSeedFiles } from "./seeds.js";

/** Documents per ingest call: bounds memory for large archives. */
const BATCH = 200;

/** Every seed document, named as the build names it (`seeds/…`). */
export async function readSeedDocuments(seedsDir: string): Promise<IncomingDocument[]> {
  const files = await listSeedFiles(seedsDir);
  return Promise.all(
    files.map(async (relative) => ({
      name: path.join(seedsDir, relative).split(path.sep).join("/"),
      bytes: new Uint8Array(await readFile(path.join(seedsDir, relative))),
    })),
  );
}

/**
 * Ingests the seeds into the proxy's ENTRIES database (unchanged documents change nothing) and
 * publishes every document of the site into its FEEDS namespace.
 */
export async function publishSeedsThroughProxy(
  seedsDir: string,
  config: SiteConfig,
  options: GetPlatformProxyOptions,
  where: string,
): Promise<SitePublishReport | null> {
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<Env>(options);
  try {
    const store = new EntryStore(proxy.env.ENTRIES, config.entriesPerFeed);
    const documents = await readSeedDocuments(seedsDir);
    const counts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
    for (let i = 0; i < documents.length; i += BATCH) {
      const report = await ingestDocuments(
        store,
        proxy.env.FEEDS,
        config,
        documents.slice(i, i + BATCH),
        // One full publish follows: a publish per batch would render the growing site again and again.
        { publish: false },
      );
      for (const result of report.results) counts[result.status]++;
    }
    const { seq } = await store.state();
    const report = await publishChanges(store, proxy.env.FEEDS, config, {
      now: Date.now(),
      seq,
      full: true,
    });
    console.log(
      `${where}: entries created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}, rejected ${counts.rejected}` +
        (report ? `; published version ${report.version} (${report.written} keys)` : ""),
    );
    return report;
  } finally {
    await proxy.dispose();
  }
}

/**
 * Makes `.dev.vars` with a random INGEST_TOKEN when there is none, so the local ingest API works
 * at once. Returns whether it wrote one. The file is git-ignored: never commit it.
 */
export async function ensureDevVars(dir: string): Promise<boolean> {
  const file = path.join(dir, ".dev.vars");
  try {
    await access(file);
    return false;
  } catch {
    const token = randomBytes(24).toString("base64url");
    await writeFile(
      file,
      `# Local secrets for wrangler dev; never commit.\nINGEST_TOKEN=${token}\n`,
      {
        mode: 0o600,
      },
    );
    return true;
  }
}
