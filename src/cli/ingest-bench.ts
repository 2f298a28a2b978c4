/**
 * @module cli/ingest-bench — CPU time of one ingest, for `npm run bench`: each document is ingested
 * (convert, store, re-render what is stale, compress, publish) into a fresh local D1 and KV through
 * getPlatformProxy. Only this process's CPU is counted: D1 and KV run in workerd, as on Cloudflare
 * their time is not the worker's CPU time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ingestDocuments } from "../api/ingest.js";
import type { SiteConfig } from "../config.js";
import { EntryStore } from "../store/entries.js";
import { readSeedDocuments } from "./publish-seeds.js";
import { quietWrangler } from "./wrangler.js";

export interface IngestCpuReport {
  /** CPU milliseconds of each ingest, in order. */
  readonly cpuMs: readonly number[];
  readonly medianMs: number;
  readonly maxMs: number;
}

/**
 * Ingests up to `limit` seed documents one request at a time and measures each one's CPU time.
 * @example const { medianMs } = await measureIngestCpu("seeds", config, { limit: 100 })
 */
export async function measureIngestCpu(
  seedsDir: string,
  config: SiteConfig,
  options: { limit?: number; configPath?: string } = {},
): Promise<IngestCpuReport> {
  quietWrangler();
  const { getPlatformProxy } = await import("wrangler");
  const state = await mkdtemp(path.join(tmpdir(), "edgefeed-ingest-bench-"));
  const proxy = await getPlatformProxy<Env>({
    configPath: options.configPath ?? "wrangler.toml",
    persist: { path: state },
    remoteBindings: false,
  });
  try {
    const store = new EntryStore(proxy.env.ENTRIES, config.entriesPerFeed);
    const documents = (await readSeedDocuments(seedsDir)).slice(0, options.limit ?? 200);
    const cpuMs: number[] = [];
    for (const doc of documents) {
      const start = process.cpuUsage();
      await ingestDocuments(store, proxy.env.FEEDS, config, [doc]);
      const used = process.cpuUsage(start);
      cpuMs.push((used.user + used.system) / 1000);
    }
    const sorted = [...cpuMs].sort((a, b) => a - b);
    return {
      cpuMs,
      medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
      maxMs: sorted.at(-1) ?? 0,
    };
  } finally {
    await proxy.dispose();
    await rm(state, { recursive: true, force: true });
  }
}
