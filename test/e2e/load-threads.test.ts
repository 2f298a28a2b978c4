/**
 * Loading a folder into the entry store with threads (npm start and deploy do, for folders over 1,000
 * documents): the threads convert a batch and compress its pieces while the batch before it is
 * stored. What a subscriber gets must not depend on it.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getPlatformProxy } from "wrangler";
import { ConvertPool } from "../../src/cli/convert.js";
import { generateCorrection, generateDocument } from "../../src/cli/corpus.js";
import { ROOT } from "../../src/cli/local-stack.js";
import { publishSeeds, type SeedPublishReport } from "../../src/cli/publish-seeds.js";
import { readSiteConfigFile } from "../../src/cli/site-config.js";
import { convertDocument } from "../../src/pipeline.js";
import { contentHash } from "../../src/publish.js";
import { EntryStore } from "../../src/store/entries.js";
import { liveBody } from "../helpers/live-body.js";

let work: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "edgefeed-load-threads-"));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(work, { recursive: true, force: true });
});

const FEEDS = ["feed.atom", "feed.rss", "feed.json", "index.html"];
/** The oldest archive page, which holds articles 10 and 20 of the second test. */
const FIRST_PAGE = ["archive/1.atom", "archive/1.rss", "archive/1.json"];

/** Where two bodies first differ, -1 when they are the same (a diff of 100 KB arrays takes minutes). */
function firstDifference(a: Uint8Array | undefined, b: Uint8Array | undefined): number {
  if (a === undefined || b === undefined) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : length;
}

/**
 * Loads and publishes `seeds` into fresh local bindings; the report, the live bodies (gzipped) and
 * the stored document hashes of bench documents 0…articles-1, in their order.
 */
async function load(
  seeds: string,
  threads: number,
  articles: number,
  documents: readonly string[] = FEEDS,
): Promise<{ report: SeedPublishReport; bodies: Map<string, Uint8Array>; hashes: string[] }> {
  const configPath = path.join(ROOT, "wrangler.toml");
  const config = await readSiteConfigFile(configPath);
  const proxy = await getPlatformProxy<Env>({
    configPath,
    persist: { path: path.join(work, `state-${threads}`) },
    remoteBindings: false,
  });
  try {
    const store = new EntryStore(proxy.env.ENTRIES, config.entriesPerFeed);
    const report = await publishSeeds(seeds, config, store, proxy.env.FEEDS, {
      threads,
      sourceKey: "load-threads-test",
      // Brotli at quality 11 (a small folder's default) would take most of this test's time.
      brotli: false,
    });
    const bodies = new Map<string, Uint8Array>();
    for (const name of documents) bodies.set(name, (await liveBody(proxy.env.FEEDS, name)).body);
    const ids = Array.from(
      { length: articles },
      (_, i) => convertDocument(generateDocument(i), `${i}.txt`).id,
    );
    const stored = await store.findMany(ids);
    return { report, bodies, hashes: ids.map((id) => stored.get(id)?.documentHash ?? "missing") };
  } finally {
    await proxy.dispose();
  }
}

/** The live bodies of two loads are the same bytes, named by where they first differ if not. */
function expectSameBodies(
  a: { bodies: Map<string, Uint8Array> },
  b: { bodies: Map<string, Uint8Array> },
): void {
  expect([...a.bodies.keys()]).toEqual([...b.bodies.keys()]);
  for (const name of a.bodies.keys())
    expect({ name, at: firstDifference(a.bodies.get(name), b.bodies.get(name)) }).toEqual({
      name,
      at: -1,
    });
}

describe("publishSeeds with threads", () => {
  it("stores and publishes what the inline load does, byte for byte, rejections included", async () => {
    const seeds = path.join(work, "seeds");
    await mkdir(seeds);
    for (let i = 0; i < 60; i++)
      await writeFile(path.join(seeds, `${String(i).padStart(3, "0")}.txt`), generateDocument(i));
    // Seconds, not milliseconds: rejected by the threads as by the inline conversion.
    await writeFile(
      path.join(seeds, "bad.txt"),
      "<!--1639594666-->\n[Bad](https://news.example/bad)\n------\n<p>Body</p>\n",
    );
    const prepare = vi.spyOn(ConvertPool.prototype, "prepare");

    const inline = await load(seeds, 0, 60);
    expect(prepare).not.toHaveBeenCalled();
    const threaded = await load(seeds, 2, 60);
    // No build findings: every document, the bad one too, went to the threads.
    expect(prepare).toHaveBeenCalledTimes(61);

    expect(inline.report.counts).toEqual({ created: 60, updated: 0, unchanged: 0, rejected: 1 });
    expect(threaded.report.counts).toEqual(inline.report.counts);
    expect(threaded.hashes).toEqual(inline.hashes);
    expect(threaded.hashes).not.toContain("missing");
    expectSameBodies(threaded, inline);
  }, 120_000);

  it("settles an article met in two batches as the inline load does: the newer version wins", async () => {
    // 250 files are two batches (200 + 50); the second is looked up and converted while the first
    // is stored, so its look-up cannot have seen the first batch's entries.
    const seeds = path.join(work, "seeds");
    await mkdir(seeds);
    const name = (i: number) => path.join(seeds, `${String(i).padStart(3, "0")}.txt`);
    for (let i = 0; i < 248; i++) await writeFile(name(i), generateDocument(i));
    // In the second batch: a correction of article 10, an hour later; and an older version of
    // article 20, an hour before the stored one, which must not replace it.
    const correction = generateCorrection(10);
    await writeFile(name(248), correction);
    const older = generateDocument(20)
      .replace(/^<!--(\d+)-->/, (_, ms: string) => `<!--${Number(ms) - 3_600_000}-->`)
      .replace("<p>", "<p>An early draft. ");
    await writeFile(name(249), older);
    const prepare = vi.spyOn(ConvertPool.prototype, "prepare");

    const inline = await load(seeds, 0, 248, [...FEEDS, ...FIRST_PAGE]);
    const threaded = await load(seeds, 2, 248, [...FEEDS, ...FIRST_PAGE]);
    // Both batches went to the threads.
    expect(prepare).toHaveBeenCalledTimes(250);

    expect(inline.report.counts).toEqual({ created: 248, updated: 1, unchanged: 1, rejected: 0 });
    expect(threaded.report.counts).toEqual(inline.report.counts);
    expect(threaded.hashes).toEqual(inline.hashes);
    expect(threaded.hashes[10]).toBe(await contentHash(correction));
    expect(threaded.hashes[20]).toBe(await contentHash(generateDocument(20)));
    expectSameBodies(threaded, inline);
  }, 180_000);
});
