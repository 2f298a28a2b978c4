/**
 * @module cli/restart-bench — what `npm start` and `npm run deploy` spend loading a folder into the
 * entry store and publishing it, when the store has it already: the steps of `npm start` before
 * wrangler dev (build, load, publish), in this process, on wrangler's local bindings in a temporary
 * folder. A generated corpus is loaded and published once; then the same folder again (a restart),
 * the folder with one more document, and that folder published in full (`--full`, what every
 * restart did before publishes followed the live version's source key).
 *
 * usage: npm run bench -- --restart [--restart-entries N]
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SiteConfig } from "../config.js";
import { EntryStore } from "../store/entries.js";
import { buildSite } from "./build.js";
import { generateDocument, writeCorpus } from "./corpus.js";
import { PROJECT_ROOT, publishFingerprint } from "./fingerprint.js";
import { ROOT } from "./local-stack.js";
import { publishSeeds, type SeedPublishOptions } from "./publish-seeds.js";
import { readSiteConfigFile } from "./site-config.js";
import { quietWrangler } from "./wrangler.js";

/** One load-and-publish of the folder, as `npm start` makes it before serving. */
export interface RestartRound {
  readonly name: string;
  /** Build of the folder (the incremental cache of this bench's own folder). */
  readonly buildMs: number;
  /** Reading, hashing and looking up the seeds; converting and storing the new ones. */
  readonly loadMs: number;
  readonly publishMs: number;
  /** Documents the publish rendered, and whether it rendered every one. */
  readonly rendered: number;
  readonly full: boolean;
  readonly created: number;
  readonly unchanged: number;
}

export interface RestartReport {
  readonly entries: number;
  readonly rounds: readonly RestartRound[];
}

/** Builds the folder, then loads and publishes it through `store`, timing each step. */
async function round(
  name: string,
  folders: { seeds: string; out: string; cache: string },
  config: SiteConfig,
  bindings: { store: EntryStore; kv: KVNamespace },
  options: Pick<SeedPublishOptions, "full" | "sourceKey"> = {},
): Promise<RestartRound> {
  const started = performance.now();
  const build = await buildSite({
    seedsDir: folders.seeds,
    outDir: folders.out,
    config,
    cacheDir: folders.cache,
  });
  const built = performance.now();
  let loaded = built;
  const report = await publishSeeds(folders.seeds, config, bindings.store, bindings.kv, {
    build,
    // Gzip alone, as for any folder over 100 documents: brotli would make every publish a full one.
    brotli: false,
    ...options,
    onPublishing: () => {
      loaded = performance.now();
    },
  });
  const published = performance.now();
  return {
    name,
    buildMs: built - started,
    loadMs: loaded - built,
    publishMs: published - loaded,
    rendered: report.published?.rendered ?? 0,
    full: report.published?.full ?? false,
    created: report.counts.created,
    unchanged: report.counts.unchanged,
  };
}

/**
 * Loads `entries` generated documents as `npm start` would, then restarts three ways.
 * @example (await measureRestart(2000)).rounds[1].publishMs // a restart's publish
 */
export async function measureRestart(entries = 2_000): Promise<RestartReport> {
  quietWrangler();
  const work = await mkdtemp(path.join(tmpdir(), "edgefeed-restart-bench-"));
  try {
    const folders = {
      seeds: path.join(work, "seeds"),
      out: path.join(work, "out"),
      cache: path.join(work, "cache"),
    };
    await writeCorpus(folders.seeds, entries);
    const { getPlatformProxy } = await import("wrangler");
    const configPath = path.join(ROOT, "wrangler.toml");
    const config = await readSiteConfigFile(configPath);
    const proxy = await getPlatformProxy<Env>({
      configPath,
      persist: { path: path.join(work, "state") },
    });
    try {
      const bindings = {
        store: new EntryStore(proxy.env.ENTRIES, config.entriesPerFeed),
        kv: proxy.env.FEEDS,
      };
      // Every round as by this checkout, even if its source is edited while the bench runs.
      const sourceKey = await publishFingerprint(config, PROJECT_ROOT);
      const run = (name: string, full = false) =>
        round(name, folders, config, bindings, { full, sourceKey });
      const rounds = [await run("first start"), await run("restart, same folder")];
      await writeFile(path.join(folders.seeds, "one-more.txt"), generateDocument(entries));
      rounds.push(await run("restart, one more document"), await run("restart with --full", true));
      return { entries, rounds };
    } finally {
      await proxy.dispose();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The report as the bench prints it. */
export function formatRestart(report: RestartReport): string[] {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
  return [
    `npm start's steps before serving, ${report.entries.toLocaleString("en")} generated documents, local D1 and KV (this process):`,
    `${"".padEnd(28)}${"build".padStart(8)}${"load".padStart(8)}${"publish".padStart(8)}  rendered`,
    ...report.rounds.map(
      (r) =>
        `${r.name.padEnd(28)}${seconds(r.buildMs)}${seconds(r.loadMs)}${seconds(r.publishMs)}  ${r.rendered}${r.full ? " (every document)" : ""}; ${r.created} new, ${r.unchanged} unchanged`,
    ),
  ];
}
