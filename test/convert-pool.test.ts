import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConvertPool, convertFile, convertToResult } from "../src/cli/convert.js";
import { bundleWorker, removeStaleBundles } from "../src/cli/worker-bundle.js";

const HANGING_WORKER = new URL("./fixtures/hanging-convert-worker.mjs", import.meta.url);
let pool: ConvertPool | undefined;

afterEach(async () => {
  await pool?.close();
});

const job = (file: string) => ({ file, bytes: new TextEncoder().encode(file) });

describe("ConvertPool", () => {
  it("stops a document that outlives the time budget, rejects it, and converts the others queued behind it", async () => {
    pool = new ConvertPool(1, 1000, HANGING_WORKER);
    const results = await Promise.all(
      [job("a.txt"), job("hang.txt"), job("b.txt"), job("c.txt")].map((j) => pool?.convert(j)),
    );
    expect(results[1]).toEqual({
      ok: false,
      line: 1,
      reason: "took longer than 1000 ms to convert and was stopped; simplify or split the document",
    });
    expect(results.filter((r) => r?.ok).map((r) => (r?.ok ? r.id : ""))).toEqual([
      "https://x.example/a.txt",
      "https://x.example/b.txt",
      "https://x.example/c.txt",
    ]);
  });

  it("keeps working after a thread was replaced", async () => {
    pool = new ConvertPool(2, 1000, HANGING_WORKER);
    await pool.convert(job("hang-1.txt"));
    const after = await Promise.all(
      [job("d.txt"), job("e.txt"), job("f.txt")].map((j) => pool?.convert(j)),
    );
    expect(after.every((r) => r?.ok)).toBe(true);
  });

  it("started on the bundled worker, converts as the sources do: entries and rejections alike", async () => {
    const hostile = new URL("./fixtures/hostile/", import.meta.url);
    const files = [
      ["seeds/000_2cee1c3ee14bd78d.txt", readFileSync("seeds/000_2cee1c3ee14bd78d.txt")],
      ...readdirSync(hostile)
        .filter((name) => name.endsWith(".txt"))
        .map((name) => [name, readFileSync(new URL(name, hostile))] as const),
    ] as const;
    pool = await ConvertPool.start(2);
    const threaded = await Promise.all(
      files.map(([file, bytes]) => pool?.convert({ file, bytes })),
    );
    expect(threaded).toEqual(files.map(([file, bytes]) => convertToResult(bytes, file)));
    expect(threaded.filter((r) => r?.ok).length).toBeGreaterThan(1);
    expect(threaded.filter((r) => r && !r.ok).length).toBeGreaterThan(1);
    // Whole: the entry itself, as converted here; nothing for a rejected document.
    const [seedFile, seedBytes] = files[0];
    expect(await pool.convertWhole({ file: seedFile, bytes: seedBytes })).toEqual(
      convertFile(seedBytes, seedFile),
    );
    const rejected = files.findIndex(([file, bytes]) => !convertToResult(bytes, file).ok);
    const [badFile, badBytes] = files[rejected] as (typeof files)[number];
    expect(await pool.convertWhole({ file: badFile, bytes: badBytes })).toBeUndefined();
  });

  it("removes the bundles killed builds left, a day old, and nothing else", async () => {
    const parent = mkdtempSync(path.join(tmpdir(), "edgefeed-bundles-test-"));
    try {
      const day = 24 * 60 * 60 * 1000;
      const now = Date.now();
      for (const [name, age] of [
        ["edgefeed-worker-left", 2 * day],
        ["edgefeed-worker-running", 60_000],
        ["someone-else", 2 * day],
      ] as const) {
        const dir = path.join(parent, name);
        mkdirSync(dir);
        writeFileSync(path.join(dir, "worker.mjs"), "");
        utimesSync(dir, (now - age) / 1000, (now - age) / 1000);
      }
      await removeStaleBundles(parent, now);
      expect(readdirSync(parent).sort()).toEqual(["edgefeed-worker-running", "someone-else"]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("bundles the converting thread into one plain JavaScript file, removed when done", async () => {
    const bundle = await bundleWorker(new URL("../src/cli/convert-worker.ts", import.meta.url));
    if (!bundle) throw new Error("esbuild did not bundle the worker");
    const code = readFileSync(bundle.url, "utf8");
    expect(code).toContain("parentPort");
    expect(code).not.toMatch(/from ["']\.\.?\//);
    await bundle.dispose();
    expect(() => readFileSync(bundle.url)).toThrow();
  });
});
