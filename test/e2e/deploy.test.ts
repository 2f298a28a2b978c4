import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GetPlatformProxyOptions, getPlatformProxy } from "wrangler";
import { ingestDocuments } from "../../src/api/ingest.js";
import { buildSite } from "../../src/cli/build.js";
import { generateCorrection, generateDocument } from "../../src/cli/corpus.js";
import { formatBundleSize, writeRemotePublishConfig } from "../../src/cli/deploy-checks.js";
import { ROOT } from "../../src/cli/local-stack.js";
import { publishForDeploy } from "../../src/cli/publish-seeds.js";
import { readSiteConfigFile } from "../../src/cli/site-config.js";
import { convertDocument } from "../../src/pipeline.js";
import { EntryStore } from "../../src/store/entries.js";
import { liveBody } from "../helpers/live-body.js";

const run = promisify(execFile);
const SEED = "seeds/000_2cee1c3ee14bd78d.txt";
let work: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "edgefeed-deploy-"));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("npm run deploy -- --dry-run", () => {
  it("builds, bundles the worker and prints its size against Cloudflare's limits", async () => {
    const bundleDir = path.join(work, "bundle");
    const { stdout } = await run(
      "npm",
      [
        "run",
        "deploy",
        "--silent",
        "--",
        "--dry-run",
        "--out",
        path.join(work, "out"),
        "--outdir",
        bundleDir,
      ],
      { cwd: ROOT, timeout: 120_000 },
    );
    console.log(stdout.trim());
    const size = /bundle index\.js: ([\d.]+) KiB, ([\d.]+) KiB gzipped/.exec(stdout);
    expect(size).not.toBeNull();
    // The worker converts ingested documents (cheerio): about 190 KiB gzipped, kept
    // well under a third of the Workers Free limit of 3 MiB.
    expect(Number(size?.[2])).toBeLessThan(1024);
    expect(stdout).toMatch(/Workers Free: [\d.]+% of 3 MiB/);
    expect(stdout).toContain("dry run: nothing published or deployed");
    const bundle = await readFile(path.join(bundleDir, "index.js"), "utf8");
    expect(bundle).toContain("site/current");
    // The converter is in it (the ingest API), Node's file system is not (the CLI's alone).
    expect(bundle).toContain("referrerpolicy");
    expect(bundle).not.toMatch(/node:fs/);
  });
});

describe("writeRemotePublishConfig", () => {
  const D1_ID = "3f2e1d0c-4b5a-6978-8796-a5b4c3d2e1f0";
  const wranglerToml = (id: string, databaseId = D1_ID) =>
    `name = "edgefeed"\nmain = "src/worker/index.ts"\n\n[[kv_namespaces]]\nbinding = "FEEDS"\nid = "${id}"\n\n` +
    `[[d1_databases]]\nbinding = "ENTRIES"\ndatabase_name = "edgefeed-entries"\ndatabase_id = "${databaseId}"\n`;

  it("refuses the placeholder namespace id, saying how to get a real one", async () => {
    const config = path.join(work, "wrangler.toml");
    await writeFile(config, wranglerToml("00000000000000000000000000000000"));
    await expect(writeRemotePublishConfig(config, work)).rejects.toThrow(
      /set \[\[kv_namespaces\]\] id for FEEDS.*wrangler kv namespace create FEEDS/,
    );
  });

  it("refuses the placeholder D1 database id, saying how to get a real one", async () => {
    const config = path.join(work, "wrangler.toml");
    await writeFile(
      config,
      wranglerToml("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "00000000-0000-0000-0000-000000000000"),
    );
    await expect(writeRemotePublishConfig(config, work)).rejects.toThrow(
      /set \[\[d1_databases\]\] database_id for ENTRIES.*wrangler d1 create edgefeed-entries/,
    );
  });

  it("points FEEDS and ENTRIES at the account's, keeping the ids and an absolute main", async () => {
    const config = path.join(work, "wrangler.toml");
    await writeFile(config, wranglerToml("0f1e2d3c4b5a69788796a5b4c3d2e1f0"));
    const written = JSON.parse(
      await readFile(await writeRemotePublishConfig(config, work), "utf8"),
    );
    expect(written.kv_namespaces).toEqual([
      { binding: "FEEDS", id: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", remote: true },
    ]);
    // The seeds are loaded into the account's database, whose entries the worker publishes from.
    expect(written.d1_databases).toEqual([
      {
        binding: "ENTRIES",
        database_name: "edgefeed-entries",
        database_id: D1_ID,
        remote: true,
      },
    ]);
    expect(written.main).toBe(path.join(work, "src/worker/index.ts"));
  });
});

/**
 * What a deploy's publish takes, for local bindings in this test's folder: the proxy's options, the
 * site's settings, and a build that found nothing (every seed is converted).
 */
async function localDeploy() {
  const configPath = path.join(ROOT, "wrangler.toml");
  const proxyOptions: GetPlatformProxyOptions = {
    configPath,
    persist: { path: path.join(work, "state") },
    remoteBindings: false,
  };
  const build = { entries: [], collisions: [], rejected: [] };
  return { proxyOptions, config: await readSiteConfigFile(configPath), build };
}

/** The live feed.json's item ids and stored codings, read from the namespace as the worker reads it. */
async function liveFeed(
  proxyOptions: GetPlatformProxyOptions,
): Promise<{ ids: string[]; encodings: string[] }> {
  const proxy = await getPlatformProxy<Env>(proxyOptions);
  try {
    const { body, encodings } = await liveBody(proxy.env.FEEDS, "feed.json");
    const feed = JSON.parse(gunzipSync(body).toString("utf8"));
    return { ids: feed.items.map((item: { id: string }) => item.id), encodings };
  } finally {
    await proxy.dispose();
  }
}

describe("publishForDeploy, the deploy's publish, on local bindings", () => {
  it("publishes the seeds from the entry database, so a deploy keeps what the ingest API added", async () => {
    const seeds = path.join(work, "seeds");
    await mkdir(seeds);
    await copyFile(path.join(ROOT, SEED), path.join(seeds, path.basename(SEED)));
    const { proxyOptions, config, build } = await localDeploy();
    const seedId = convertDocument(await readFile(path.join(ROOT, SEED)), SEED).id;
    await publishForDeploy(seeds, config, build, proxyOptions, { where: "first deploy" });

    // An article sent to the deployed worker's ingest API (the same code, on the same bindings).
    const added = generateDocument(7);
    const addedId = convertDocument(added, "added.txt").id;
    const proxy = await getPlatformProxy<Env>(proxyOptions);
    try {
      const store = new EntryStore(proxy.env.ENTRIES, config.entriesPerFeed);
      const report = await ingestDocuments(store, proxy.env.FEEDS, config, [
        { name: "added.txt", bytes: new TextEncoder().encode(added) },
      ]);
      expect(report.results.map((r) => r.status)).toEqual(["created"]);
    } finally {
      await proxy.dispose();
    }
    expect((await liveFeed(proxyOptions)).ids).toEqual(expect.arrayContaining([seedId, addedId]));

    // The next deploy publishes the seeds again: the added article stays in the feeds.
    await publishForDeploy(seeds, config, build, proxyOptions, { where: "second deploy" });
    const { ids, encodings } = await liveFeed(proxyOptions);
    expect(ids).toEqual(expect.arrayContaining([seedId, addedId]));
    expect(ids).toHaveLength(2);
    // A small folder's deploy stores brotli too (a large one's only when asked: --brotli).
    expect(encodings).toContain("br");
  }, 120_000);
});

describe("publishForDeploy on a folder of more than 100 documents", () => {
  const T0 = Date.UTC(2021, 11, 15);
  const seedText = (n: number) =>
    `<!--${T0 + n * 60_000}-->\n[Article ${n}](https://news.example/${n}.html)\n------\n<p>Body of article ${n}.</p>\n`;
  const writeSeed = (seeds: string, n: number) =>
    writeFile(path.join(seeds, `${String(n).padStart(3, "0")}.txt`), seedText(n));

  it("stores no brotli copies unless asked, and publishes again only what a new seed changed; --full renders everything", async () => {
    const seeds = path.join(work, "seeds");
    await mkdir(seeds);
    for (let n = 1; n <= 101; n++) await writeSeed(seeds, n);
    const { proxyOptions, config, build } = await localDeploy();
    const first = await publishForDeploy(seeds, config, build, proxyOptions, { where: "deploy" });
    expect(first.counts.created).toBe(101);
    // Quality 11 would take hours on a large archive.
    expect(first.brotli).toBe(false);
    expect((await liveFeed(proxyOptions)).encodings).toEqual(["identity", "gzip"]);
    expect(first.published?.full).toBe(true);
    const everything = first.published?.rendered ?? 0;

    await writeSeed(seeds, 102);
    const next = await publishForDeploy(seeds, config, build, proxyOptions, { where: "deploy" });
    expect(next.counts).toMatchObject({ created: 1, unchanged: 101 });
    expect(next.published?.full).toBe(false);
    // The subscription feeds, the page and the list: not the archive pages of 101 articles.
    expect(next.published?.rendered).toBeLessThan(everything / 2);
    const { ids } = await liveFeed(proxyOptions);
    expect(ids[0]).toBe(convertDocument(seedText(102), "102.txt").id);

    const forced = await publishForDeploy(seeds, config, build, proxyOptions, {
      where: "deploy",
      full: true,
    });
    expect(forced.published?.full).toBe(true);
    expect(forced.published?.rendered).toBeGreaterThanOrEqual(everything);
  }, 120_000);
});

describe("publishForDeploy after a build of the same folder", () => {
  it("loads what the build saw change and takes the build's word for the rest, without reading it", async () => {
    const seeds = path.join(work, "seeds");
    await mkdir(seeds);
    const name = (n: number) => path.join(seeds, `${n}.txt`);
    for (const n of [1, 2, 3]) await writeFile(name(n), generateDocument(n));
    const { proxyOptions, config } = await localDeploy();
    const build = () =>
      buildSite({
        seedsDir: seeds,
        outDir: path.join(work, "out"),
        config,
        cacheDir: path.join(work, "cache"),
      });
    const first = await publishForDeploy(seeds, config, await build(), proxyOptions);
    expect(first.counts).toMatchObject({ created: 3 });

    // A corrected article, built again: only it is loaded.
    await writeFile(name(2), generateCorrection(2));
    const rebuilt = await build();
    const second = await publishForDeploy(seeds, config, rebuilt, proxyOptions);
    expect(second.counts).toMatchObject({ created: 0, updated: 1, unchanged: 2 });

    // Changed after that build: the stale build says it is stored as it was, and it is not read (the
    // build's word is what npm start and deploy act on, for out/ as for the store).
    await writeFile(name(3), generateCorrection(3));
    const third = await publishForDeploy(seeds, config, rebuilt, proxyOptions);
    expect(third.counts).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    // --full reads every seed, whatever the build said: the change is found.
    const forced = await publishForDeploy(seeds, config, rebuilt, proxyOptions, { full: true });
    expect(forced.counts).toMatchObject({ updated: 1, unchanged: 2 });
    // So does a deploy without a build, which reads and hashes every seed (a second correction).
    await writeFile(
      name(3),
      generateCorrection(3).replace(/^<!--(\d+)-->/, (_, ms) => `<!--${Number(ms) + 3_600_000}-->`),
    );
    const unbuilt = await publishForDeploy(
      seeds,
      config,
      { entries: [], collisions: [], rejected: [] },
      proxyOptions,
    );
    expect(unbuilt.counts).toMatchObject({ updated: 1, unchanged: 2 });
  }, 120_000);
});

describe("formatBundleSize", () => {
  it("states the share of each plan's compressed limit", () => {
    expect(
      formatBundleSize({ file: "index.js", bytes: 300_000, gzipBytes: 3 * 1024 * 1024 }),
    ).toEqual([
      "bundle index.js: 293.0 KiB, 3072.0 KiB gzipped",
      "  Workers Free: 100.00% of 3 MiB (compressed)",
      "  Workers Paid: 30.00% of 10 MiB (compressed)",
    ]);
  });
});
