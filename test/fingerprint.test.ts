import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFingerprint, publishFingerprint } from "../src/cli/fingerprint.js";
import { readSiteConfig } from "../src/config.js";

const config = readSiteConfig({ SITE_URL: "https://news.example/", FEED_TITLE: "T" });
let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "edgefeed-fingerprint-"));
  for (const file of [
    "src/article/clean.ts",
    "src/document.ts",
    "src/worker/app.ts",
    "src/render/atom.ts",
    "src/cli/start.ts",
    "src/pieces.ts",
    "src/gzip-join.ts",
  ]) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), `// ${file}\n`);
  }
  await writeFile(path.join(root, "package-lock.json"), "{}");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("buildFingerprint (when the incremental build cache is dropped)", () => {
  it("changes with the conversion code, the lockfile and the settings", async () => {
    const before = await buildFingerprint(config, root);
    await writeFile(path.join(root, "src/article/clean.ts"), "// changed\n");
    const afterCode = await buildFingerprint(config, root);
    expect(afterCode).not.toBe(before);
    await writeFile(path.join(root, "package-lock.json"), '{"cheerio":"2"}');
    const afterLock = await buildFingerprint(config, root);
    expect(afterLock).not.toBe(afterCode);
    expect(await buildFingerprint({ ...config, title: "Other" }, root)).not.toBe(afterLock);
  });

  it("stays the same when only the worker, the renderers, compression or the CLI change", async () => {
    const before = await buildFingerprint(config, root);
    for (const file of [
      "src/worker/app.ts",
      "src/render/atom.ts",
      "src/cli/start.ts",
      "src/pieces.ts",
      "src/gzip-join.ts",
    ]) {
      await writeFile(path.join(root, file), "// changed\n");
    }
    expect(await buildFingerprint(config, root)).toBe(before);
  });
});

describe("publishFingerprint (when npm start and npm run deploy render every document again)", () => {
  it("changes with any source, the renderers, the worker and the CLI included, the lockfile and the settings", async () => {
    let last = await publishFingerprint(config, root);
    expect(last).toMatch(/^[0-9a-f]{16}$/);
    for (const file of [
      "src/render/atom.ts",
      "src/worker/app.ts",
      "src/cli/start.ts",
      "src/document.ts",
    ]) {
      await writeFile(path.join(root, file), "// changed\n");
      const next = await publishFingerprint(config, root);
      expect(next, file).not.toBe(last);
      last = next;
    }
    await writeFile(path.join(root, "package-lock.json"), '{"feed":"5"}');
    const afterLock = await publishFingerprint(config, root);
    expect(afterLock).not.toBe(last);
    expect(await publishFingerprint({ ...config, author: "Another desk" }, root)).not.toBe(
      afterLock,
    );
  });

  it("stays the same for the same checkout and settings (a restart renders only what changed)", async () => {
    const before = await publishFingerprint(config, root);
    await writeFile(path.join(root, "README.md"), "docs are not code\n");
    expect(await publishFingerprint(config, root)).toBe(before);
  });

  it("is the same for a checkout with CRLF line endings (Windows' autocrlf), so deploys from two machines agree", async () => {
    await writeFile(path.join(root, "src/render/atom.ts"), "// one\n// two\n");
    const lf = await publishFingerprint(config, root);
    await writeFile(path.join(root, "src/render/atom.ts"), "// one\r\n// two\r\n");
    expect(await publishFingerprint(config, root)).toBe(lf);
    await writeFile(path.join(root, "src/render/atom.ts"), "// one\r\n// three\r\n");
    expect(await publishFingerprint(config, root)).not.toBe(lf);
  });
});
