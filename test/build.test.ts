import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildSite } from "../src/cli/build.js";
import { generateDocument } from "../src/cli/corpus.js";
import { readSiteConfig } from "../src/config.js";
import { digestOf } from "../src/pieces.js";
import { parseWithFeedsmith } from "./helpers/feeds.js";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const CLI = path.join(ROOT, "src/cli/edgefeed.ts");

const CONFIG = `[vars]
SITE_URL = "https://news.example/"
FEED_TITLE = "Test archive"
FEED_LANGUAGE = "en"
FEED_ENTRIES = "3"
`;

function seed(ms: number, title: string, url: string, body = `<p>${title} body.</p>`): string {
  return `<!--${ms}-->\n[${title}](${url})\n------\n${body}\n`;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function build(args: string[], cwd: string): Promise<CliResult> {
  try {
    // Each test's cache lives in its own folder, removed with it.
    const cache =
      args.includes("--no-cache") || args.includes("--cache") ? [] : ["--cache", "cache"];
    const { stdout, stderr } = await run(TSX, [CLI, "build", ...cache, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;

/** Writes a seed document below the test's seeds folder. */
function writeSeed(name: string, ...args: Parameters<typeof seed>): Promise<void> {
  return writeFile(path.join(dir, "seeds", name), seed(...args));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "edgefeed-build-"));
  await writeFile(path.join(dir, "wrangler.toml"), CONFIG);
  await mkdir(path.join(dir, "seeds/2021/12"), { recursive: true });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("npm run build", () => {
  it("publishes good documents from subfolders, reports each bad one by file and line, and exits 1", async () => {
    await writeSeed("a.txt", 1639594666000, "Alpha", "https://news.example/a");
    await writeSeed("2021/12/b.txt", 1639594667000, "Beta", "https://news.example/b");
    await writeSeed("2021/bad-seconds.txt", 1639594666, "Bad", "https://news.example/c");
    await writeSeed("2021/bad-url.txt", 1639594666000, "Bad", "/relative");
    await writeFile(path.join(dir, "seeds/notes.md"), "not a document");

    const result = await build([], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "rejected seeds/2021/bad-seconds.txt:1: the timestamp 1639594666 looks like seconds",
    );
    expect(result.stderr).toContain(
      'rejected seeds/2021/bad-url.txt:2: expected an absolute http(s) URL in the title line, got "/relative"',
    );
    expect(result.stdout).toContain(
      "read 4, published 2, rejected 2, duplicates 0 → out/feed.atom, out/feed.rss, out/feed.json",
    );

    const atom = await readFile(path.join(dir, "out/feed.atom"), "utf8");
    const parsed = parseWithFeedsmith(atom);
    expect(parsed.format).toBe("atom");
    if (parsed.format === "atom") {
      expect(parsed.feed.entries?.map((e) => e.id)).toEqual([
        "https://news.example/b",
        "https://news.example/a",
      ]);
    }
  });

  it("exits 0 and prints a summary when every document is published", async () => {
    await writeSeed("a.txt", 1639594666000, "Alpha", "https://news.example/a");
    const result = await build([], dir);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("read 1, published 1, rejected 0, duplicates 0");
  });

  it("keeps the newest of two documents with the same URL and names the files that collided", async () => {
    await writeSeed("old.txt", 1639594666000, "Old title", "https://news.example/a#top");
    await writeSeed("new.txt", 1639594999000, "New title", "https://news.example/a?utm_source=rss");
    const result = await build([], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "duplicate https://news.example/a: seeds/new.txt, seeds/old.txt name the same article; kept seeds/new.txt (newest)",
    );
    expect(result.stdout).toContain("read 2, published 1, rejected 0, duplicates 1");
    const json = JSON.parse(await readFile(path.join(dir, "out/feed.json"), "utf8"));
    expect(json.items.map((i: { title: string }) => i.title)).toEqual(["New title"]);
  });

  it("carries only the newest FEED_ENTRIES entries, newest first", async () => {
    for (let i = 0; i < 5; i++) {
      await writeFile(
        path.join(dir, `seeds/${i}.txt`),
        seed(1639594666000 + i * 1000, `T${i}`, `https://news.example/${i}`),
      );
    }
    await build([], dir);
    const json = JSON.parse(await readFile(path.join(dir, "out/feed.json"), "utf8"));
    expect(json.items.map((i: { title: string }) => i.title)).toEqual(["T4", "T3", "T2"]);
  });

  it("writes byte-identical feeds for the same seeds, whatever the order files were written in", async () => {
    const docs = [0, 1, 2].map((i) =>
      seed(1639594666000, `Same time ${i}`, `https://news.example/${i}`),
    );
    for (const [i, doc] of docs.entries()) await writeFile(path.join(dir, `seeds/${i}.txt`), doc);
    await build(["--out", "out1"], dir);
    await rm(path.join(dir, "seeds"), { recursive: true });
    await mkdir(path.join(dir, "seeds"));
    for (const i of [2, 0, 1]) await writeFile(path.join(dir, `seeds/${i}.txt`), docs[i] as string);
    await build(["--out", "out2"], dir);
    for (const name of await readdir(path.join(dir, "out1"))) {
      const a = await readFile(path.join(dir, "out1", name));
      const b = await readFile(path.join(dir, "out2", name));
      expect(a.equals(b), name).toBe(true);
    }
  });

  it("fails with exit 2 and a clear message when the seeds folder or config is missing", async () => {
    const noSeeds = await build(["--seeds", "nowhere"], dir);
    expect(noSeeds.code).toBe(2);
    expect(noSeeds.stderr).toMatch(/cannot read the seeds folder "nowhere"/);
    const noConfig = await build(["--config", "missing.toml"], dir);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/config missing.toml: cannot be read/);
  });
});

describe("large and repeated builds", () => {
  const corpus = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await writeFile(path.join(dir, `seeds/2021/12/${i}.txt`), generateDocument(i));
    }
  };

  it("gives byte-identical feeds on one thread and on several", async () => {
    await corpus(40);
    const one = await build(["--threads", "1", "--out", "out1", "--no-cache"], dir);
    const two = await build(["--threads", "2", "--out", "out2", "--no-cache"], dir);
    expect(one.stdout).toContain("read 40, published 40, rejected 0");
    expect(two.stdout).toContain("(converted 40 on 2 threads, 0 from cache)");
    for (const name of await readdir(path.join(dir, "out1"))) {
      const a = await readFile(path.join(dir, "out1", name));
      const b = await readFile(path.join(dir, "out2", name));
      expect(a.equals(b), name).toBe(true);
    }
  });

  const config = (entries: number) =>
    readSiteConfig({
      SITE_URL: "https://news.example/",
      FEED_TITLE: "Test archive",
      FEED_ENTRIES: String(entries),
    });

  it("renders a threaded build's feeds from entries its threads converted whole: the same bytes, none converted on the main thread", async () => {
    await corpus(40);
    const options = { seedsDir: path.join(dir, "seeds"), config: config(3), cacheDir: undefined };
    const one = await buildSite({ ...options, outDir: path.join(dir, "out1"), threads: 1 });
    const two = await buildSite({ ...options, outDir: path.join(dir, "out2"), threads: 2 });
    expect([one.reconverted, two.reconverted]).toEqual([3, 0]);
    expect(two.documents.map((d) => d.body)).toEqual(one.documents.map((d) => d.body));
  });

  it("converts a feed's entry on the main thread when older versions of another article crowded it out of the threads' share", async () => {
    // Feeds of two entries: the threads convert the three newest documents whole, all versions of A.
    for (let v = 1; v <= 5; v++)
      await writeSeed(
        `a-${v}.txt`,
        1_700_000_000_000 + v * 1000,
        `A v${v}`,
        "https://news.example/a",
      );
    await writeSeed("b.txt", 1_600_000_000_000, "B", "https://news.example/b");
    const report = await buildSite({
      seedsDir: path.join(dir, "seeds"),
      outDir: path.join(dir, "out"),
      config: config(2),
      cacheDir: undefined,
      threads: 2,
    });
    expect(report.reconverted).toBe(1);
    const json = JSON.parse(await readFile(path.join(dir, "out/feed.json"), "utf8"));
    expect(json.items.map((i: { title: string }) => i.title)).toEqual(["A v5", "B"]);
  });

  it("converts only what changed since the last build, and forgets deleted documents", async () => {
    await corpus(20);
    expect((await build([], dir)).stdout).toContain("(converted 20, 0 from cache)");
    await writeSeed("new.txt", 1900000000000, "Newest", "https://news.example/newest");
    const second = await build([], dir);
    expect(second.stdout).toContain("read 21, published 21, rejected 0, duplicates 0");
    expect(second.stdout).toContain("(converted 1, 20 from cache)");
    const json = JSON.parse(await readFile(path.join(dir, "out/feed.json"), "utf8"));
    expect(json.items[0].title).toBe("Newest");

    await rm(path.join(dir, "seeds/new.txt"));
    const third = await build([], dir);
    expect(third.stdout).toContain("read 20, published 20");
    const after = JSON.parse(await readFile(path.join(dir, "out/feed.json"), "utf8"));
    expect(after.items.map((i: { title: string }) => i.title)).not.toContain("Newest");
  });

  it("renders a rebuild from the newest entries it kept: the same bytes, and an edited article shows its edit", async () => {
    await corpus(12);
    await writeSeed("lead.txt", 1900000000000, "Before the edit", "https://news.example/lead");
    await build([], dir);
    const again = await build(["--out", "again"], dir);
    expect(again.stdout).toContain("(converted 0, 13 from cache)");
    await build(["--out", "fresh", "--no-cache"], dir);
    for (const name of await readdir(path.join(dir, "fresh"))) {
      const fresh = await readFile(path.join(dir, "fresh", name));
      expect(fresh.equals(await readFile(path.join(dir, "again", name))), name).toBe(true);
    }

    await writeSeed("lead.txt", 1900000000000, "After", "https://news.example/lead", "<p>New.</p>");
    expect((await build([], dir)).stdout).toContain("(converted 1, 12 from cache)");
    const json = JSON.parse(await readFile(path.join(dir, "out/feed.json"), "utf8"));
    expect(json.items[0]).toMatchObject({ title: "After", content_html: "<p>New.</p>" });
  });

  it("converts everything again when the site's settings change", async () => {
    await corpus(5);
    await build([], dir);
    await writeFile(
      path.join(dir, "wrangler.toml"),
      CONFIG.replace("Test archive", "Renamed archive"),
    );
    expect((await build([], dir)).stdout).toContain("(converted 5, 0 from cache)");
  });
});

describe("the build's content hashes", () => {
  it("are the entry store's document hashes, cached or not, so a loading npm start can skip stored seeds unread", async () => {
    const config = readSiteConfig({ SITE_URL: "https://news.example/", FEED_TITLE: "T" });
    const texts = [generateDocument(1), generateDocument(2)];
    for (const [i, text] of texts.entries())
      await writeFile(path.join(dir, `seeds/2021/12/${i}.txt`), text);
    const expected = await Promise.all(
      texts.map((text) => digestOf(new TextEncoder().encode(text))),
    );
    const options = { seedsDir: path.join(dir, "seeds"), outDir: path.join(dir, "out"), config };
    const cold = await buildSite({ ...options, cacheDir: path.join(dir, "cache") });
    const warm = await buildSite({ ...options, cacheDir: path.join(dir, "cache") });
    expect(warm.converted).toBe(0);
    for (const report of [cold, warm])
      expect([...report.hashes.values()].sort()).toEqual([...expected].sort());
  });
});

describe("the committed out/", () => {
  it("is exactly what `npm run build` makes of seeds/ (rebuild and commit out/ when this fails)", async () => {
    const result = await build(
      [
        "--seeds",
        path.join(ROOT, "seeds"),
        "--out",
        path.join(dir, "out"),
        "--config",
        path.join(ROOT, "wrangler.toml"),
      ],
      dir,
    );
    expect(result.code).toBe(0);
    const committed = (await readdir(path.join(ROOT, "out"))).sort();
    expect((await readdir(path.join(dir, "out"))).sort()).toEqual(committed);
    for (const name of committed) {
      const fresh = await readFile(path.join(dir, "out", name));
      const saved = await readFile(path.join(ROOT, "out", name));
      expect(fresh.equals(saved), `out/${name} differs from a fresh build`).toBe(true);
    }
  });
});
