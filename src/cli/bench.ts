/**
 * @module cli/bench — `npm run bench`: measures build speed, memory, incremental rebuilds and render
 * time on generated corpora, prints a table, writes the figures as JSON and an SVG chart. A benchmark,
 * not a test: it never fails on a slow machine.
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { load as loadCheerio } from "cheerio/slim";
import type { AnyNode, ParentNode } from "domhandler";
import { Feed } from "feed";
import { parseDocument as parseHtml } from "htmlparser2";
import { ARTICLE_PARSE_OPTIONS } from "../article/clean.js";
import { sanitizeArticle } from "../article/sanitize.js";
import { readSiteConfig } from "../config.js";
import type { Entry } from "../entry.js";
import { renderAtom, renderAtomEntry } from "../render/atom.js";
import { describeFeed } from "../render/feed-info.js";
import { renderJson, renderJsonItem } from "../render/json.js";
import { renderRss, renderRssItem } from "../render/rss.js";
import { buildSite, DEFAULT_CACHE_DIR } from "./build.js";
import { convertFile } from "./convert.js";
import { generateDocument, writeCorpus } from "./corpus.js";
import { formatD1Size, measureD1Size } from "./d1-size-bench.js";
import { measureIngestCpu, type RequestCpu } from "./ingest-bench.js";
import { hasWrk, type LoadClientName, type LoadFigures, loadUrl } from "./load-client.js";
import { startLocalStack } from "./local-stack.js";
import { formatRestart, measureRestart } from "./restart-bench.js";
import { listSeedFiles } from "./seeds.js";
import { printStorageBench } from "./storage-bench.js";

const BENCH_DIR = path.join(DEFAULT_CACHE_DIR, "bench");
const RESULTS_FILE = path.join(BENCH_DIR, "results.json");
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHART_FILE = path.join(PROJECT_ROOT, "README.bench.svg");
const config = readSiteConfig({
  SITE_URL: "https://bench.example/",
  FEED_TITLE: "Bench",
  FEED_LANGUAGE: "zh-Hans",
});
/** Documents sampled for the per-core comparison with the parse-only floor. */
const SAMPLE = 1000;

interface BuildRun {
  readonly ms: number;
  readonly maxRssMb: number;
  readonly converted: number;
  readonly threads: number;
}

interface SizeResult {
  readonly n: number;
  readonly fullBuild: BuildRun;
  readonly docsPerSecond: number;
  readonly docsPerSecondPerCore: number;
  readonly incremental: BuildRun;
  /**
   * The parse-only floor on one core, measured right before and right after the full build: the best
   * warm round of the first corpus's 1,000-document sample.
   */
  readonly floorAround: readonly [before: number, after: number];
  /**
   * The same, over the very bodies the build converts: each parsed once, in a fresh process, as the
   * build meets them (see floorInChild).
   */
  readonly passFloorAround: readonly [before: number, after: number];
}

/** Runs one build in a fresh process, so its peak memory is its own. */
function buildInChild(
  seeds: string,
  out: string,
  cache: string | undefined,
  threads?: number,
): Promise<BuildRun> {
  const args = [
    "--child-build",
    seeds,
    "--out",
    out,
    ...(cache ? ["--cache", cache] : ["--no-cache"]),
  ];
  if (threads !== undefined) args.push("--threads", String(threads));
  return runChild<BuildRun>(args, "build");
}

/**
 * The parse-only floor over a whole corpus, in a fresh process as a build runs: every body read and
 * decoded (not timed), then parsed by htmlparser2 once (timed), docs/s.
 */
async function floorInChild(seeds: string): Promise<number> {
  return (await runChild<{ docsPerSecond: number }>(["--child-floor", seeds], "floor"))
    .docsPerSecond;
}

/** This script in a child process, with its last line of output as JSON. */
function runChild<T>(args: readonly string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [...args], {
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`benchmark ${what} exited with ${code}`));
      else resolve(JSON.parse(output.trim().split("\n").pop() as string) as T);
    });
  });
}

async function childBuild(
  seeds: string,
  out: string,
  cache: string | undefined,
  threads: number | undefined,
) {
  const started = performance.now();
  const report = await buildSite({
    seedsDir: seeds,
    outDir: out,
    config,
    cacheDir: cache,
    threads,
  });
  const ms = performance.now() - started;
  const run: BuildRun = {
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    converted: report.converted,
    threads: report.threads,
  };
  console.log(JSON.stringify(run));
}

async function sampleBodies(seeds: string, count: number): Promise<Uint8Array[]> {
  const files = (await listSeedFiles(seeds)).slice(0, count);
  return Promise.all(files.map((f) => readFile(path.join(seeds, f))));
}

function ratePerSecond(count: number, ms: number): number {
  return (count / ms) * 1000;
}

/**
 * Docs per second of each stage over its inputs: the stages take turns, round after round, and each
 * keeps its best timed round after one untimed one (the JIT warm, the garbage of one stage not
 * billed to another; a busy machine only slows, so the best round is the fairest).
 */
function bestRates(stages: ReadonlyArray<readonly [count: number, run: (i: number) => unknown]>) {
  const best = stages.map(() => 0);
  for (let round = 0; round < 5; round++) {
    for (const [s, [count, run]] of stages.entries()) {
      const started = performance.now();
      for (let i = 0; i < count; i++) run(i);
      const rate = ratePerSecond(count, performance.now() - started);
      if (round > 0) best[s] = Math.max(best[s] as number, rate);
    }
  }
  return best;
}

/** The HTML body of a seed document: what the parse-only floor parses. */
function bodyOf(doc: Uint8Array): string {
  const text = new TextDecoder().decode(doc);
  return text.slice(text.indexOf("------") + 7);
}

function bodiesOf(docs: readonly Uint8Array[]): string[] {
  return docs.map(bodyOf);
}

/** floorInChild's side: prints `{ docsPerSecond }` of parsing every body of the corpus once. */
async function childFloor(seeds: string): Promise<void> {
  const files = await listSeedFiles(seeds);
  let parseMs = 0;
  for (const file of files) {
    // Synchronous, as the build reads seeds (see cli/build).
    const body = bodyOf(readFileSync(path.join(seeds, file)));
    const started = performance.now();
    parseHtml(body);
    parseMs += performance.now() - started;
  }
  console.log(JSON.stringify({ docsPerSecond: ratePerSecond(files.length, parseMs) }));
}

/** The parse-only floor alone: htmlparser2 parsing the sample's bodies on this thread, docs/s. */
function measureFloorOnly(docs: readonly Uint8Array[]): number {
  const bodies = bodiesOf(docs);
  const [floor = 0] = bestRates([[bodies.length, (i) => parseHtml(bodies[i] as string)]]);
  return floor;
}

/** A build's docs/s over the mean of the floor measured around it. */
function vsFloor(result: SizeResult, around = result.floorAround): number {
  const [before, after] = around;
  return result.docsPerSecond / ((before + after) / 2);
}

/**
 * Single-thread conversion rate against the rate of parsing the same bodies with htmlparser2 alone
 * (the floor), and two stages of the conversion timed alone: cheerio's parse (the DOM the structural
 * work and the allowlist walk) and the allowlist serializing a parsed tree.
 */
function measureFloor(docs: readonly Uint8Array[]) {
  const bodies = bodiesOf(docs);
  const trees = bodies.map(
    (b) => (loadCheerio(b, ARTICLE_PARSE_OPTIONS, false).root().get(0) as ParentNode).children,
  );
  const n = docs.length;
  const [floor = 0, convert = 0, cheerioParse = 0, sanitizer = 0] = bestRates([
    [n, (i) => parseHtml(bodies[i] as string)],
    [n, (i) => convertFile(docs[i] as Uint8Array, `sample-${i}`)],
    [n, (i) => loadCheerio(bodies[i] as string, ARTICLE_PARSE_OPTIONS, false)],
    [n, (i) => sanitizeArticle(trees[i] as AnyNode[])],
  ]);
  return {
    floorDocsPerSecond: floor,
    convertDocsPerSecond: convert,
    ratio: convert / floor,
    cheerioParseDocsPerSecond: cheerioParse,
    sanitizerDocsPerSecond: sanitizer,
  };
}

function timeMs(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(20, iterations); i++) fn();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (performance.now() - started) / iterations;
}

/** Milliseconds to render a 50-entry feed: from entries, from pre-rendered entries, and with `feed`. */
function measureRender(entries: readonly Entry[]) {
  const info = describeFeed(config, entries);
  const atomParts = entries.map(renderAtomEntry);
  const rssParts = entries.map((e) => renderRssItem(e, config.author));
  const jsonParts = entries.map(renderJsonItem);
  const withFeedPackage = () => {
    const feed = new Feed({
      id: config.siteUrl,
      title: config.title,
      link: config.siteUrl,
      updated: new Date(info.updatedMs),
    });
    for (const e of entries) {
      feed.addItem({
        id: e.id,
        title: e.title,
        link: e.link,
        date: new Date(e.updatedMs),
        description: e.summary,
        content: e.contentHtml,
      });
    }
    return feed;
  };
  const iterations = 200;
  return {
    atom: timeMs(iterations, () => renderAtom(entries.map(renderAtomEntry), info)),
    rss: timeMs(iterations, () =>
      renderRss(
        entries.map((e) => renderRssItem(e, config.author)),
        info,
      ),
    ),
    json: timeMs(iterations, () => renderJson(entries.map(renderJsonItem), info)),
    atomFromPieces: timeMs(iterations, () => renderAtom(atomParts, info)),
    rssFromPieces: timeMs(iterations, () => renderRss(rssParts, info)),
    jsonFromPieces: timeMs(iterations, () => renderJson(jsonParts, info)),
    feedPackageAtom: timeMs(50, () => withFeedPackage().atom1()),
    feedPackageRss: timeMs(50, () => withFeedPackage().rss2()),
  };
}

/** Load rounds per route; the routes take turns, so a busy moment weighs on all of them alike. */
const SERVE_ROUNDS = 5;

/** The round with the median p50 of each route, and the median of the rounds' feed/health ratios. */
interface ServingFigures {
  readonly client: LoadClientName;
  readonly rounds: number;
  readonly health: LoadFigures;
  readonly atom: LoadFigures;
  readonly notModified: LoadFigures;
  /** Median over rounds of /feed.atom's p50 over /health's in the same round. */
  readonly atomRatio: number;
  readonly notModifiedRatio: number;
  readonly startupMs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function medianRound(rounds: readonly LoadFigures[]): LoadFigures {
  const p50 = median(rounds.map((r) => r.p50Ms));
  return rounds.find((r) => r.p50Ms === p50) ?? (rounds[0] as LoadFigures);
}

/**
 * Serves the first corpus with `npm start` (wrangler dev on 127.0.0.1) and loads /health, /feed.atom
 * (gzip) and /feed.atom (304) in turn, SERVE_ROUNDS times, 10 connections each.
 */
async function measureServing(seeds: string, seconds: number): Promise<ServingFigures> {
  const stack = await startLocalStack(180_000, { seeds });
  try {
    const head = await fetch(`${stack.origin}/feed.atom`, { method: "HEAD" });
    const etag = head.headers.get("etag") ?? "";
    const client: LoadClientName = hasWrk() ? "wrk" : "autocannon";
    const run = (route: string, headers: Record<string, string>, status: number) =>
      loadUrl(`${stack.origin}${route}`, { seconds, connections: 10, headers, status }, client);
    const health: LoadFigures[] = [];
    const atom: LoadFigures[] = [];
    const notModified: LoadFigures[] = [];
    for (let round = 0; round < SERVE_ROUNDS; round++) {
      health.push(await run("/health", {}, 200));
      atom.push(await run("/feed.atom", { "accept-encoding": "gzip" }, 200));
      notModified.push(await run("/feed.atom", { "if-none-match": etag }, 304));
    }
    const ratio = (of: readonly LoadFigures[]) =>
      median(of.map((r, i) => r.p50Ms / (health[i]?.p50Ms ?? Number.NaN)));
    return {
      client,
      rounds: SERVE_ROUNDS,
      health: medianRound(health),
      atom: medianRound(atom),
      notModified: medianRound(notModified),
      atomRatio: ratio(atom),
      notModifiedRatio: ratio(notModified),
      startupMs: stack.startupMs,
    };
  } finally {
    await stack.stop();
  }
}

/** A small SVG line chart of build time and peak memory against N. */
function renderChart(sizes: readonly SizeResult[], machine: string, date: string): string {
  const width = 640;
  const height = 320;
  const pad = { left: 60, right: 60, top: 40, bottom: 50 };
  const maxN = Math.max(...sizes.map((s) => s.n));
  const maxSeconds = Math.max(...sizes.map((s) => s.fullBuild.ms / 1000)) * 1.1;
  const maxMb = Math.max(...sizes.map((s) => s.fullBuild.maxRssMb), 512) * 1.1;
  const minN = Math.min(...sizes.map((s) => s.n));
  const span = Math.log10(maxN) - Math.log10(minN);
  const x = (n: number) =>
    pad.left +
    (span > 0 ? (Math.log10(n) - Math.log10(minN)) / span : 0.5) * (width - pad.left - pad.right);
  const ySeconds = (s: number) =>
    height - pad.bottom - (s / maxSeconds) * (height - pad.top - pad.bottom);
  const yMb = (mb: number) => height - pad.bottom - (mb / maxMb) * (height - pad.top - pad.bottom);
  const line = (points: Array<[number, number]>, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")}"/>` +
    points
      .map(([a, b]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${color}"/>`)
      .join("");
  const time = line(
    sizes.map((s) => [x(s.n), ySeconds(s.fullBuild.ms / 1000)]),
    "#1f6feb",
  );
  const memory = line(
    sizes.map((s) => [x(s.n), yMb(s.fullBuild.maxRssMb)]),
    "#d1242f",
  );
  const ticks = sizes
    .map(
      (s) =>
        `<text x="${x(s.n).toFixed(1)}" y="${height - pad.bottom + 18}" text-anchor="middle">${s.n.toLocaleString("en")}</text>`,
    )
    .join("");
  const limit = `<line x1="${pad.left}" x2="${width - pad.right}" y1="${yMb(512).toFixed(1)}" y2="${yMb(512).toFixed(1)}" stroke="#d1242f" stroke-dasharray="4 4"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<title>edgefeed build time and peak memory against archive size, ${machine}, ${date}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${pad.left}" y="20" font-size="14" font-weight="bold">edgefeed full build: time and peak memory against documents</text>
<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#888"/>
${ticks}${limit}${time}${memory}
<text x="${pad.left - 8}" y="${pad.top}" text-anchor="end" fill="#1f6feb">${maxSeconds.toFixed(0)} s</text>
<text x="${width - pad.right + 8}" y="${pad.top}" fill="#d1242f">${maxMb.toFixed(0)} MB</text>
<text x="${width - pad.right + 8}" y="${(yMb(512) + 4).toFixed(1)}" fill="#d1242f">512 MB</text>
<text x="${pad.left}" y="${height - 12}" fill="#555">blue: build seconds · red: peak RSS (MB) · documents on a log scale · ${machine} · ${date}</text>
</svg>
`;
}

function pad(value: string, width: number): string {
  return value.padStart(width);
}

const USAGE = `npm run bench -- [options]   (a benchmark: prints figures, never fails on a slow machine)

  --sizes 1000,10000     corpus sizes to build (default 1,000 and 10,000)
  --large                add 100,000 documents (about 2.5 GB of corpus)
  --no-serve             skip serving /health and /feed.atom under wrangler dev
  --serve-seconds N      load per route and round when serving (default 5; 5 rounds)
  --ingests N            worker CPU: ingests, then as many corrections, profiled in workerd (0 skips; default 20)
  --site-entries N       entries loaded into the site before those ingests (default 10,000)
  --storage              measure D1, KV and R2 as entry storage instead
  --d1-size              measure how big D1 grows, and the rows it bills, instead
  --d1-entries N         articles loaded for --d1-size (default 1,000)
  --restart              measure npm start's load and publish of a stored folder, instead
  --restart-entries N    generated documents for --restart (default 2,000)
  --chart-only           redraw README.bench.svg from the last results
  -h, --help             this text`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      "child-build": { type: "string" },
      "child-floor": { type: "string" },
      out: { type: "string" },
      cache: { type: "string" },
      "no-cache": { type: "boolean", default: false },
      threads: { type: "string" },
      large: { type: "boolean", default: false },
      sizes: { type: "string" },
      "serve-seconds": { type: "string", default: "5" },
      "no-serve": { type: "boolean", default: false },
      "chart-only": { type: "boolean", default: false },
      ingests: { type: "string", default: "20" },
      "site-entries": { type: "string", default: "10000" },
      storage: { type: "boolean", default: false },
      "d1-size": { type: "boolean", default: false },
      "d1-entries": { type: "string", default: "1000" },
      restart: { type: "boolean", default: false },
      "restart-entries": { type: "string", default: "2000" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values["child-build"]) {
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    await childBuild(
      values["child-build"],
      values.out as string,
      values["no-cache"] ? undefined : values.cache,
      threads,
    );
    return;
  }
  if (values["child-floor"]) {
    await childFloor(values["child-floor"]);
    return;
  }
  if (positionals.length > 0) throw new Error(`unexpected arguments: ${positionals.join(" ")}`);
  if (values["chart-only"]) {
    // Redraw the chart from the last figures, without measuring again.
    const last = JSON.parse(await readFile(RESULTS_FILE, "utf8"));
    await writeFile(CHART_FILE, renderChart(last.sizes, last.machine, last.date));
    console.log(`chart: ${CHART_FILE}`);
    return;
  }
  if (values["d1-size"]) {
    // The entry database's size and rows written per article: see d1-size-bench.ts.
    for (const line of formatD1Size(await measureD1Size(Number(values["d1-entries"]))))
      console.log(line);
    return;
  }
  if (values.restart) {
    // What a restart of npm start (and a deploy) spends loading and publishing: see restart-bench.ts.
    for (const line of formatRestart(await measureRestart(Number(values["restart-entries"]))))
      console.log(line);
    return;
  }
  if (values.storage) {
    // Entry storage alone (D1 vs KV vs R2 on local bindings): see storage-bench.ts.
    await printStorageBench();
    return;
  }
  const sizes = values.sizes
    ? values.sizes.split(",").map(Number)
    : values.large
      ? [1000, 10000, 100000]
      : [1000, 10000];
  await mkdir(BENCH_DIR, { recursive: true });
  const machine = `${cpus()[0]?.model.trim() ?? "cpu"}, ${availableParallelism()} cores`;
  console.log(`edgefeed benchmark: ${machine}, Node ${process.version}`);

  const results: SizeResult[] = [];
  const sampleDir = path.join(BENCH_DIR, `corpus-${sizes[0]}`, "seeds");
  await writeCorpus(sampleDir, sizes[0] as number);
  const sample = await sampleBodies(sampleDir, SAMPLE);
  for (const n of sizes) {
    const corpus = path.join(BENCH_DIR, `corpus-${n}`);
    process.stderr.write(`generating ${n} documents (once; cached in ${corpus})…\n`);
    await writeCorpus(path.join(corpus, "seeds"), n);
    const out = path.join(BENCH_DIR, `out-${n}`);
    const cache = path.join(BENCH_DIR, `cache-${n}`);
    await rm(cache, { recursive: true, force: true });
    process.stderr.write(`building ${n} documents…\n`);
    // This machine's speed drifts within minutes: the floor a build is compared with is measured
    // around that build, not once for the whole run.
    const passFloorBefore = await floorInChild(path.join(corpus, "seeds"));
    const floorBefore = measureFloorOnly(sample);
    const fullBuild = await buildInChild(path.join(corpus, "seeds"), out, cache);
    const floorAfter = measureFloorOnly(sample);
    const passFloorAfter = await floorInChild(path.join(corpus, "seeds"));
    // One more document, then an incremental rebuild with the cache the full build left.
    const extra = path.join(corpus, "seeds", "extra.txt");
    await writeFile(extra, generateDocument(n + 1, 2));
    const incremental = await buildInChild(path.join(corpus, "seeds"), out, cache);
    await rm(extra);
    const docsPerSecond = ratePerSecond(n, fullBuild.ms);
    results.push({
      n,
      fullBuild,
      docsPerSecond,
      docsPerSecondPerCore: docsPerSecond / fullBuild.threads,
      incremental,
      floorAround: [floorBefore, floorAfter],
      passFloorAround: [passFloorBefore, passFloorAfter],
    });
  }

  const floor = measureFloor(sample);
  const entries = sample.slice(0, 50).map((d, i) => convertFile(d, `render-${i}`));
  const render = measureRender(entries);
  const serveSeconds = Number(values["serve-seconds"]);
  process.stderr.write(
    values["no-serve"]
      ? ""
      : `serving ${sizes[0]} documents with npm start, ${serveSeconds} s of load per route…\n`,
  );
  let serving: Awaited<ReturnType<typeof measureServing>> | undefined;
  let servingError: string | undefined;
  if (!values["no-serve"]) {
    try {
      serving = await measureServing(
        path.join(BENCH_DIR, `corpus-${sizes[0]}`, "seeds"),
        serveSeconds,
      );
    } catch (error) {
      // The build figures stand on their own; say why the serving ones are missing.
      servingError = (error as Error).message.split("\n").slice(0, 6).join("\n");
    }
  }

  console.log(
    "\nBuild (full build in a fresh process, no cache; incremental = one new document, cache warm)",
  );
  console.log(
    `${pad("N", 8)} ${pad("seconds", 8)} ${pad("docs/s", 8)} ${pad("floor", 11)} ${pad("vs floor", 9)} ${pad("1-pass floor", 13)} ${pad("vs 1-pass", 10)} ${pad("per core", 9)} ${pad("threads", 8)} ${pad("peak MB", 8)} ${pad("incr. s", 8)} ${pad("incr. MB", 9)}`,
  );
  for (const r of results) {
    console.log(
      `${pad(r.n.toLocaleString("en"), 8)} ${pad((r.fullBuild.ms / 1000).toFixed(1), 8)} ${pad(r.docsPerSecond.toFixed(0), 8)} ${pad(r.floorAround.map((f) => f.toFixed(0)).join("/"), 11)} ${pad(`${(vsFloor(r) * 100).toFixed(1)}%`, 9)} ${pad(r.passFloorAround.map((f) => f.toFixed(0)).join("/"), 13)} ${pad(`${(vsFloor(r, r.passFloorAround) * 100).toFixed(1)}%`, 10)} ${pad(r.docsPerSecondPerCore.toFixed(0), 9)} ${pad(String(r.fullBuild.threads), 8)} ${pad(r.fullBuild.maxRssMb.toFixed(0), 8)} ${pad((r.incremental.ms / 1000).toFixed(2), 8)} ${pad(r.incremental.maxRssMb.toFixed(0), 9)}`,
    );
  }
  console.log(
    "  vs floor: the whole build's docs/s over the parse-only floor's on one core, the floor measured right before and after that build (docs/s, before/after) and averaged (target ≥ 40 %, using both cores above 1,000 documents)",
  );
  console.log(
    `  floor: the best of four warm rounds over the first ${SAMPLE.toLocaleString("en")} documents; 1-pass floor: every document of that corpus parsed once in a fresh process, as the build meets them (reading and decoding not timed)`,
  );
  console.log(`\nOne core, ${sample.length} seed-shaped documents`);
  console.log(
    `  parse-only floor (htmlparser2 parseDocument): ${floor.floorDocsPerSecond.toFixed(0)} docs/s`,
  );
  console.log(
    `  full conversion (parse, clean, sanitize, model): ${floor.convertDocsPerSecond.toFixed(0)} docs/s`,
  );
  console.log(`  ratio: ${(floor.ratio * 100).toFixed(1)}% of the floor on one core`);
  console.log(
    `  stages alone: cheerio's parse ${floor.cheerioParseDocsPerSecond.toFixed(0)} docs/s (${((floor.cheerioParseDocsPerSecond / floor.floorDocsPerSecond) * 100).toFixed(0)}% of the floor), the allowlist serializing a parsed tree ${floor.sanitizerDocsPerSecond.toFixed(0)} docs/s`,
  );
  console.log("\nRender a 50-entry feed (ms; target ≤ 3)");
  console.log(
    `  from entries:            Atom ${render.atom.toFixed(2)}  RSS ${render.rss.toFixed(2)}  JSON ${render.json.toFixed(2)}`,
  );
  console.log(
    `  from pre-rendered entries: Atom ${render.atomFromPieces.toFixed(2)}  RSS ${render.rssFromPieces.toFixed(2)}  JSON ${render.jsonFromPieces.toFixed(2)}`,
  );
  console.log(
    `  feed package, for scale: Atom ${render.feedPackageAtom.toFixed(2)}  RSS ${render.feedPackageRss.toFixed(2)}`,
  );

  const ingestCount = Number(values.ingests);
  let ingest: Awaited<ReturnType<typeof measureIngestCpu>> | undefined;
  if (ingestCount > 0) {
    const siteEntries = Number(values["site-entries"]);
    process.stderr.write(
      `loading ${siteEntries} entries into wrangler dev, then profiling ${ingestCount} ingests and /feed.atom in workerd…\n`,
    );
    ingest = await measureIngestCpu({
      ingests: ingestCount,
      siteEntries,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const row = (name: string, f: RequestCpu) =>
      console.log(
        `${name.padEnd(36)} ${pad(f.medianMs.toFixed(1), 7)} ${pad(f.p90Ms.toFixed(1), 7)} ${pad(f.maxMs.toFixed(1), 7)} ${pad(String(f.cpuMs.length), 9)}`,
      );
    console.log(
      `\nWorker CPU per request, measured in workerd (wrangler dev, V8 profiler of the worker's isolate; D1 and KV not counted), site of ${ingest.siteEntries.toLocaleString("en")} entries (loaded in ${ingest.loadSeconds.toFixed(0)} s)`,
    );
    console.log(
      `${"request".padEnd(36)} ${pad("median", 7)} ${pad("p90", 7)} ${pad("max", 7)} ${pad("requests", 9)}  (ms CPU; target ≤ 10)`,
    );
    row("POST one new document (ingest)", ingest.ingest);
    row("POST a correction of a new one", ingest.correction);
    row("GET /feed.atom 200 gzip", ingest.feed200);
    row("GET /feed.atom 304", ingest.feed304);
    console.log(
      `  ingest CPU by function (self ms over ${ingest.ingest.cpuMs.length}): ${ingest.ingest.top
        .slice(0, 6)
        .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
        .join(", ")}`,
    );
  }
  if (servingError) console.log(`\nServing: not measured, npm start failed:\n${servingError}`);
  if (serving) {
    console.log(
      `\nnpm start with the ${sizes[0]?.toLocaleString("en")}-document corpus answered in ${(serving.startupMs / 1000).toFixed(0)} s (build, load into local D1, publish, wrangler dev)`,
    );
    console.log(
      `\nServing with wrangler dev on 127.0.0.1 (${serving.client}, 10 connections, ${serving.rounds} rounds of ${serveSeconds} s per route, routes taking turns; median round shown; feed.atom ${(serving.atom.bytesPerResponse / 1024).toFixed(0)} KiB on the wire with gzip)`,
    );
    console.log(
      `${"route".padEnd(28)} ${pad("req/s", 8)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("requests", 9)} ${pad("errors", 7)} ${pad("wrong status", 13)}`,
    );
    for (const [name, f] of [
      ["/health (floor)", serving.health],
      ["/feed.atom 200 gzip", serving.atom],
      ["/feed.atom 304", serving.notModified],
    ] as const) {
      console.log(
        `${name.padEnd(28)} ${pad(f.requestsPerSecond.toFixed(0), 8)} ${pad(f.p50Ms.toFixed(1), 7)} ${pad(f.p99Ms.toFixed(1), 7)} ${pad(String(f.requests), 9)} ${pad(String(f.errors), 7)} ${pad(String(f.unexpectedStatus), 13)}`,
      );
    }
    console.log(
      `  /feed.atom p50 is ${serving.atomRatio.toFixed(2)}× /health's (median of the rounds' ratios; target ≤ 1.2×); 304: ${serving.notModifiedRatio.toFixed(2)}×`,
    );
    if (serving.client === "autocannon")
      console.log(
        "  autocannon (no wrk on the PATH) spends ~4 ms of this machine's CPU taking in each feed body, which inflates /feed.atom's latency on 2 cores; `apt-get install wrk` for the fair figure",
      );
  }

  const date = new Date().toISOString().slice(0, 10);
  const json = {
    date,
    machine,
    node: process.version,
    sizes: results,
    floor,
    render,
    serving,
    servingError,
    ingest,
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(CHART_FILE, renderChart(results, machine, date));
  await appendFile(path.join(BENCH_DIR, "history.jsonl"), `${JSON.stringify(json)}\n`);
  console.log(`\nfigures: ${RESULTS_FILE}\nchart:   ${CHART_FILE}`);
}

await main();
